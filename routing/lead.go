package routing

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Field names the lead's fields, as used for per-field validation errors.
type Field string

// The fields of a lead.
const (
	FieldCompany      Field = "company"
	FieldContactName  Field = "contact_name"
	FieldContactTitle Field = "contact_title"
	FieldPhone        Field = "phone"
	FieldEmail        Field = "email"
	FieldNotes        Field = "notes"
	FieldConsent      Field = "consent"

	// The context fields: what the closer needs so the prospect never
	// repeats themselves.
	FieldPain         Field = "pain"
	FieldInterest     Field = "interest"
	FieldCurrentTools Field = "current_tools"
	FieldRecordingURL Field = "recording_url"
	FieldBestTime     Field = "best_time"
	FieldBestChannel  Field = "best_channel"
	FieldPersonality  Field = "personality"
)

// Lengths a lead's fields may have. Notes get the most: they are the context
// that spares the prospect from repeating themselves, typed in a rich text
// box without Slack's 3,000-character cap of a plain one, stored whole and
// shown in pieces where Slack needs them cut.
const (
	MaxNameLength        = 150
	MaxEmailLength       = 254
	MaxNotesLength       = 10000
	MaxPainLength        = 3000
	MaxShortContext      = 300
	MaxBestTimeLength    = 150
	MaxPersonalityLength = 1000
)

// ReachChannels are the ways a prospect may prefer to be reached.
var ReachChannels = []string{"Phone call", "Text message", "Email", "Video call"}

// Context is what the passer learned beyond the checklist, so the closer
// never makes the prospect repeat themselves. Every field is optional.
type Context struct {
	// Pain is the pain or need the prospect described.
	Pain string
	// Interest is the feature that caught their interest.
	Interest string
	// CurrentTools are the tools they use today.
	CurrentTools string
	// RecordingURL links to the call recording (http or https).
	RecordingURL string
	// BestTime and BestChannel say when and how to reach them.
	BestTime    string
	BestChannel string
	// Personality holds notes such as "prefers texting".
	Personality string
}

// FieldErrors maps a field to a sentence telling the passer what to fix.
type FieldErrors map[Field]string

// ValidateLead checks a lead's contact and context as typed and returns it
// cleaned (trimmed, phone normalised to E.164) with the problems found, one
// plain sentence per field. Consent and the checklist are checked by
// CheckForm, because what they need depends on the transfer chosen.
func ValidateLead(in Lead) (Lead, FieldErrors) {
	out := Lead{
		Company:      strings.TrimSpace(in.Company),
		ContactName:  strings.TrimSpace(in.ContactName),
		ContactTitle: strings.TrimSpace(in.ContactTitle),
		Email:        strings.TrimSpace(in.Email),
		Notes:        strings.TrimSpace(in.Notes),
		Consent:      in.Consent,
		Checklist:    in.Checklist,
		Answers:      in.Answers,
	}
	errs := FieldErrors{}
	required := func(f Field, v, what string) {
		if v == "" {
			errs[f] = "Enter the " + what + "."
		}
	}
	required(FieldCompany, out.Company, "company name")
	required(FieldContactName, out.ContactName, "contact's name")
	for f, v := range map[Field]string{FieldCompany: out.Company, FieldContactName: out.ContactName, FieldContactTitle: out.ContactTitle} {
		if utf8.RuneCountInString(v) > MaxNameLength {
			errs[f] = "Keep this under 150 characters."
		}
	}

	phone, phoneErr := NormalizePhone(in.Phone)
	out.Phone = phone
	if phoneErr != "" {
		errs[FieldPhone] = phoneErr
	}
	if msg := checkEmail(out.Email); msg != "" {
		errs[FieldEmail] = msg
	}
	out.Context = validateContext(in.Context, errs)
	tooLong(errs, FieldNotes, out.Notes, MaxNotesLength, "the notes")
	return out, errs
}

// validateContext cleans the context fields, adding their problems to errs.
func validateContext(in Context, errs FieldErrors) Context {
	out := Context{
		Pain:         strings.TrimSpace(in.Pain),
		Interest:     strings.TrimSpace(in.Interest),
		CurrentTools: strings.TrimSpace(in.CurrentTools),
		RecordingURL: strings.TrimSpace(in.RecordingURL),
		BestTime:     strings.TrimSpace(in.BestTime),
		BestChannel:  strings.TrimSpace(in.BestChannel),
		Personality:  strings.TrimSpace(in.Personality),
	}
	tooLong(errs, FieldPain, out.Pain, MaxPainLength, "this")
	tooLong(errs, FieldInterest, out.Interest, MaxShortContext, "this")
	tooLong(errs, FieldCurrentTools, out.CurrentTools, MaxShortContext, "this")
	tooLong(errs, FieldBestTime, out.BestTime, MaxBestTimeLength, "this")
	tooLong(errs, FieldPersonality, out.Personality, MaxPersonalityLength, "these notes")
	if out.RecordingURL != "" {
		if msg := CheckURL(out.RecordingURL); msg != "" {
			errs[FieldRecordingURL] = msg
		}
	}
	if out.BestChannel != "" && !slices.Contains(ReachChannels, out.BestChannel) {
		errs[FieldBestChannel] = "Choose one of the options listed."
	}
	return out
}

func tooLong(errs FieldErrors, f Field, v string, limit int, what string) {
	if utf8.RuneCountInString(v) > limit {
		errs[f] = fmt.Sprintf("Keep %s under %s characters.", what, thousands(limit))
	}
}

// NormalizePhone turns what people type ("+1 (415) 555-0100", "0044 20 7946
// 0958") into E.164 ("+14155550100"). It returns the normalised number, or an
// empty string and a sentence saying what is wrong. A number without a
// country code is refused rather than guessed: a closer calling the wrong
// country loses the lead.
func NormalizePhone(typed string) (string, string) {
	s := strings.TrimSpace(typed)
	if s == "" {
		return "", "Enter the prospect's phone number, so the closer can call back if the line drops."
	}
	var digits strings.Builder
	plus := false
	for i, r := range s {
		switch {
		case r == '+' && i == 0:
			plus = true
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/' || unicode.IsSpace(r):
			// formatting people type
		default:
			return "", "Use digits only, with the country code, e.g. +1 415 555 0100."
		}
	}
	d := digits.String()
	if !plus && strings.HasPrefix(d, "00") {
		plus, d = true, d[2:]
	}
	if !plus {
		return "", "Start with + and the country code, e.g. +1 415 555 0100."
	}
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return "", "That is not a valid international number (+, country code, 8 to 15 digits)."
	}
	return "+" + d, ""
}

func checkEmail(email string) string {
	if email == "" {
		return "Enter the prospect's email."
	}
	if len(email) > MaxEmailLength {
		return "That email is too long."
	}
	addr, err := mail.ParseAddress(email)
	// ParseAddress accepts "Name <a@b>"; only a bare address is an email here.
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") {
		return "Enter an email like name@company.com."
	}
	return ""
}
