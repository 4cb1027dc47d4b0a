-- The hash Slack gave the App Home Baton last published for each person.
-- views.publish is sent with it, so that of two replicas publishing at
-- once the one holding an older Home is refused (hash_conflict) and reads
-- again, instead of leaving the older Home in place.
ALTER TABLE homes ADD COLUMN view_hash text NOT NULL DEFAULT '';
