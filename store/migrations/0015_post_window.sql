-- A live handoff's claim window starts when its post is in the channel, not
-- when it is submitted: in a burst of handoffs into one channel, Slack's
-- pace of about one post a second delays the last posts by most of a
-- minute.
ALTER TABLE handoffs
    -- When the claim window started: the post, or the end of the post
    -- grace without it. NULL while the handoff awaits its post, for calls
    -- scheduled for later, and for handoffs stored before (their window
    -- started when they were created).
    ADD COLUMN window_at        timestamptz,
    -- Set while an open live transfer awaits its post: when its passer is
    -- told the post is queued, then when its window starts anyway. Its
    -- ladder deadline (next_step_at) is not swept meanwhile.
    ADD COLUMN post_check_at    timestamptz,
    -- Whether the passer was told the post is queued (at most once).
    ADD COLUMN post_delay_told  boolean NOT NULL DEFAULT false;
