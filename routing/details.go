package routing

import "slices"

// A pool with HideDetails (hide_details_until_claimed) keeps a lead's
// contact details to its owner (and its passer, who typed them): the
// channel post, its thread brief, the DMs to anyone else, the whole brief
// opened by anyone else, the digest, the App Homes of others and the
// export show what a closer needs to decide
// (the company, the qualification answers, who passed it) and nothing
// that reaches or names the person.
//
// The contact details are, exactly:
//   - the contact's name and title, phone and email (the lead's own fields);
//   - the notes, the personality notes and the call recording link;
//   - the answer to every checklist question whose type is a way to reach
//     someone: email, phone or url (see QuestionType.IsContactDetail).
//
// Everything else (the company, the other answers, the pain, interest,
// current tools and best time and way to reach them) is shown as before.
// Free text the passer typed into those fields is shown as typed.

// IsContactDetail reports whether answers to questions of type t are
// contact details: an email, a phone number or a link (a profile, a
// calendar page) reach the person, so a pool that hides details hides them.
func (t QuestionType) IsContactDetail() bool {
	return t == TypeEmail || t == TypePhone || t == TypeURL
}

// WithoutDetails is l with its contact details blanked (see above).
func (l Lead) WithoutDetails() Lead {
	l.ContactName, l.ContactTitle, l.Phone, l.Email, l.Notes = "", "", "", "", ""
	l.Context.RecordingURL, l.Context.Personality = "", ""
	l.Answers = slices.DeleteFunc(slices.Clone(l.Answers), func(a Answer) bool {
		q, ok := l.Checklist.Question(a.QuestionID)
		return ok && q.Type.IsContactDetail()
	})
	return l
}

// HidesDetails reports whether h's pool keeps h's contact details to its
// owner. It reads the configuration in force: a pool removed from it hides
// nothing any more, and turning the key on hides the details of its leads
// from then on, old ones included.
func (p Policy) HidesDetails(h Handoff) bool {
	pool, ok := p.Pool(h.Pool)
	return ok && pool.HideDetails
}

// ShowsDetails reports whether recipient (a user, or a channel) may see
// h's contact details: always when hide (its pool's HideDetails) is
// false; else only h's owner and its passer (who typed them). A channel
// never does, even after the claim: a post edited later would show them
// to everyone who saw it without.
func ShowsDetails(h Handoff, hide bool, recipient string) bool {
	return !hide || recipient != "" && (recipient == h.OwnerID || recipient == h.PasserID)
}
