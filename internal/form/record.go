package form

import (
	"encoding/json"
	"slices"
	"strings"
)

// Record is the data a form reads: the "user" object of GET /api/user/{id}
// decoded with UseNumber, and the application whose registration holds the
// registration.* values.
type Record struct {
	User          map[string]any
	ApplicationID string
}

// registration finds the user's registration for the application.
func (r Record) registration() (map[string]any, bool) {
	regs, _ := r.User["registrations"].([]any)
	for _, x := range regs {
		if reg, ok := x.(map[string]any); ok && r.ApplicationID != "" && reg["applicationId"] == r.ApplicationID {
			return reg, true
		}
	}
	return nil, false
}

// current reads a field's stored value. reason is non-empty when the field
// cannot be shown or written for this record.
func (f *field) current(r Record) (any, string) {
	if f.kp.root == "" {
		return nil, "" // nothing this form may show
	}
	obj := r.User
	if f.kp.root == "registration" {
		reg, ok := r.registration()
		if !ok {
			return nil, "form.error.notregistered"
		}
		obj = reg
	}
	v, _, shapeOK := readPath(obj, f.kp.path)
	if !shapeOK {
		return nil, "form.error.storedshape"
	}
	if !f.showable(v) {
		return v, "form.error.storedform"
	}
	return v, ""
}

// showable reports whether the control can show v and give it back
// unchanged when the user does not touch it.
func (f *field) showable(v any) bool {
	switch f.kind {
	case kPassword:
		return true
	case kMulti, kChecks:
		items, ok := listOf(v)
		if !ok || f.locales && distinct(items) > maxLanguages {
			return false // more languages than Parse takes back
		}
		for _, it := range items {
			if _, ok := f.optionFor(it); !ok && !(f.suggest && f.locales && isLocale(it)) {
				return false
			}
		}
		return true
	case kCheck:
		_, ok := canonScalar("bool", v)
		return ok
	case kSelect, kRadio:
		if v == nil {
			return true
		}
		if _, ok := f.optionFor(v); ok {
			return true
		}
		s, isStr := v.(string)
		return f.suggest && f.timezone && isStr && validTimezone(s)
	case kNumber:
		// A number box shows nothing for text that is not a number, and
		// would then clear it on save.
		s, ok := f.inputText(v)
		_, isNum := canonNumber(s)
		return ok && (isNum || strings.TrimSpace(s) == "") && postable(f, s)
	case kText:
		s, ok := f.inputText(v)
		// A one-line input silently drops line breaks; HTML turns NUL
		// into U+FFFD.
		return ok && !strings.ContainsAny(s, "\r\n\x00") && postable(f, s)
	case kTextarea:
		s, ok := f.inputText(v)
		return ok && !strings.ContainsRune(s, 0) && postable(f, s)
	}
	_, ok := scalarText(f.typ, v)
	return ok
}

// postable reports whether the text a control shows for a stored value
// passes Parse's hard limits when posted back untouched: otherwise the
// untouched field would block every save of the form (a stored text over
// 16 KiB, a number with more digits than Parse takes or beyond a double's
// range). Such a field is read-only for this record. Format checks (email,
// validator, ...) are not limits: the user can correct those values.
func postable(f *field, s string) bool {
	if strings.TrimSpace(s) == "" {
		return true
	}
	if basicCheck(s) != "" {
		return false
	}
	if f.typ == "number" || f.kind == kNumber {
		_, msg := checkNumber(s)
		return msg == ""
	}
	return true
}

// distinct counts the different scalars in a stored list.
func distinct(items []any) int {
	seen := map[string]bool{}
	for _, it := range items {
		seen[display(it)] = true
	}
	return len(seen)
}

func isLocale(v any) bool {
	s, ok := v.(string)
	return ok && validLocale(s)
}

// optionFor finds the option whose value equals v (compared by data type,
// so a stored 2 matches option "2").
func (f *field) optionFor(v any) (string, bool) {
	c, ok := canonScalar(f.typ, v)
	if !ok || v == nil {
		return "", false
	}
	for _, o := range f.options {
		if oc, ok := canonScalar(f.typ, o); ok && oc == c {
			return o, true
		}
	}
	return "", false
}

// canon is the comparison form of a value for this field: equal canon means
// "the same value" (numbers by exact decimal value, lists as sets, blank
// and absent alike, an unticked box equal to false).
func (f *field) canon(v any) (string, bool) {
	switch f.kind {
	case kMulti, kChecks:
		return canonList(f.typ, v)
	case kCheck:
		if s, isStr := v.(string); v == nil || isStr && strings.TrimSpace(s) == "" {
			return "false", true // shown unticked; an untouched box changes nothing
		}
		return canonScalar("bool", v)
	}
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
		return "", true
	}
	if s, ok := v.(string); ok && f.kind == kTextarea && strings.ContainsRune(s, '\r') {
		// A textarea gives any stored line break back as CRLF, which Parse
		// turns into LF: CR, LF and CRLF are the same value, so an
		// untouched text keeps the line breaks it was stored with.
		v = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	if s, ok := v.(string); ok && (f.typ == "email" || f.typ == "phoneNumber") {
		v = strings.TrimSpace(s) // Parse trims these; " a@b.c" as stored is the same value
	}
	if f.kind == kNumber && f.typ == "string" {
		if s, ok := scalarText("string", v); ok {
			if n, ok := canonNumber(s); ok {
				return n, true
			}
			return s, true
		}
	}
	return canonScalar(f.typ, v)
}

// display renders a stored value as short text for read-only fields and
// conflict messages.
func display(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		parts := make([]string, 0, len(x))
		for _, it := range x {
			parts = append(parts, display(it))
		}
		return strings.Join(parts, ", ")
	case map[string]any:
		b, _ := json.Marshal(x)
		s := string(b)
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		return strings.ToValidUTF8(s, "")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// textValue is the value an input shows for a stored scalar.
func (f *field) textValue(v any) string {
	s, _ := f.inputText(v)
	return s
}

// inputText is the text a typed-input control (text, textarea, number)
// shows for a stored scalar; ok as for scalarText. A stored number with an
// exponent (1e2, written by the API) is shown in plain decimal (100), the
// only way Parse takes numbers back; both are the same value, so an
// untouched save sends nothing.
func (f *field) inputText(v any) (string, bool) {
	s, ok := scalarText(f.typ, v)
	if f.kind == kNumber && f.typ == "string" {
		s, ok = scalarText("string", v)
	}
	if ok && (f.typ == "number" || f.kind == kNumber) {
		s = plainNumber(s)
	}
	return s, ok
}

// selectedSet lists the options selected by a stored value.
func (f *field) selectedSet(v any) map[string]bool {
	out := map[string]bool{}
	items := []any{v}
	if f.kind == kMulti || f.kind == kChecks {
		items, _ = listOf(v)
	}
	for _, it := range items {
		if o, ok := f.optionFor(it); ok {
			out[o] = true
		} else if s, ok := it.(string); ok && f.suggest && s != "" {
			out[s] = true
		}
	}
	return out
}

// withExtra appends selected values missing from a suggestion list.
func (f *field) withExtra(sel map[string]bool) []string {
	opts := f.options
	if !f.suggest {
		return opts
	}
	var extra []string
	for s := range sel {
		if !slices.Contains(opts, s) {
			extra = append(extra, s)
		}
	}
	if len(extra) == 0 {
		return opts
	}
	slices.Sort(extra)
	return append(slices.Clone(opts), extra...)
}
