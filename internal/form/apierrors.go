package form

import "strings"

// RejectedBy records an error FusionAuth reported for field key when saving
// (a 400 answer's fieldErrors: code "[duplicate]user.email" and an English
// message). Codes of FusionAuth's error vocabulary that concern what the
// user typed become the portal's message in the user's language; the
// admin's theme message for the code ("[duplicate]user.email", then
// "[duplicate]") still comes first, as on FusionAuth's hosted pages. Any
// other code shows FusionAuth's own message. shown is false, and nothing
// is recorded, when key is not an editable field of the form; known
// reports whether the code is one the portal describes itself.
func (d *Definition) RejectedBy(s *Submission, key, code, message string) (shown, known bool) {
	f := d.field(key)
	if f == nil || f.kind == kReadOnly || s.snap.readOnly(f.key) {
		return false, false
	}
	typ := APIErrorType(code)
	msg := f.apiMessage(typ)
	known = msg != ""
	if !known {
		msg = message
		if strings.TrimSpace(msg) == "" {
			msg = "form.error.format"
		}
	}
	if s.Errors == nil {
		s.Errors = map[string]string{}
	}
	if s.apiCodes == nil {
		s.apiCodes = map[string]string{}
	}
	s.Errors[f.key] = msg
	if typ != "" {
		s.apiCodes[f.key] = typ
	}
	return true, known
}

// APIErrorType is the error type of a FusionAuth error code:
// "[duplicate]user.email" gives "duplicate"; "" when the code has no
// "[type]" prefix.
func APIErrorType(code string) string {
	if !strings.HasPrefix(code, "[") {
		return ""
	}
	end := strings.IndexByte(code, ']')
	if end < 2 {
		return ""
	}
	return code[1:end]
}

// KnownAPIError reports whether RejectedBy shows the portal's own message
// for a FusionAuth error code: the code is about the value the user gave.
func KnownAPIError(code string) bool {
	var f field
	return f.apiMessage(APIErrorType(code)) != ""
}

// apiMessage is the portal's message for a FusionAuth error type at this
// field (reference: "Error type vocabulary"), or "" for types it does not
// describe.
func (f *field) apiMessage(typ string) string {
	switch typ {
	case "duplicate", "inUse":
		return "form.error.taken"
	case "blank", "missing", "empty":
		return requiredMsg(f)
	case "notEmail":
		return "form.error.email"
	case "invalidPhone":
		return "form.error.phone"
	case "invalid", "couldNotConvert", "type":
		switch f.typ {
		case "email":
			return "form.error.email"
		case "phoneNumber":
			return "form.error.phone"
		case "date":
			return "form.error.date"
		case "number":
			return "form.error.number"
		case "bool":
			return "form.error.bool"
		}
		return "form.error.format"
	case "tooLong":
		return "form.error.api.toolong"
	case "tooShort":
		return "form.error.tooshort"
	case "blocked", "moderationRejected":
		return "form.error.blocked"
	case "doNotMatch", "confirm", "mismatch":
		return "form.error.confirm"
	case "tooMany":
		if f.locales {
			return "form.error.languages.max"
		}
	}
	return ""
}
