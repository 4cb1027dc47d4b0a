package routing

import (
	"net/mail"
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
)

// Lengths a lead's fields may have. Notes get the most that one Slack text
// input allows (3,000): they are the context that spares the prospect from
// repeating themselves, stored whole and truncated only for display.
const (
	MaxNameLength  = 150
	MaxEmailLength = 254
	MaxNotesLength = 3000
)

// FieldErrors maps a field to a sentence telling the passer what to fix.
type FieldErrors map[Field]string

// ValidateLead checks a lead as typed and returns it cleaned (trimmed, phone
// normalised to E.164) with the problems found, one plain sentence per field.
// An empty FieldErrors means the lead may be handed off.
func ValidateLead(in Lead) (Lead, FieldErrors) {
	out := Lead{
		Company:      strings.TrimSpace(in.Company),
		ContactName:  strings.TrimSpace(in.ContactName),
		ContactTitle: strings.TrimSpace(in.ContactTitle),
		Email:        strings.TrimSpace(in.Email),
		Notes:        strings.TrimSpace(in.Notes),
		Consent:      in.Consent,
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
	if utf8.RuneCountInString(out.Notes) > MaxNotesLength {
		errs[FieldNotes] = "Keep the notes under 3,000 characters."
	}
	if !out.Consent {
		errs[FieldConsent] = "Ask the prospect whether they agree to be transferred now, and tick the box when they do."
	}
	return out, errs
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
