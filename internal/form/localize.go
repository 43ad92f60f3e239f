package form

import (
	"strconv"
	"strings"

	"portal/internal/i18n"
)

// Localizer is one language's text (an *i18n.Localizer). Parsing stores
// message keys; the views turn them into text with it, so one cached
// Definition serves every language.
type Localizer interface {
	// T is a message of the portal's catalogs; an unknown key is returned
	// as it is, so FusionAuth's own messages pass through.
	T(key string, args ...any) string
	// Has reports whether key has a message (the admin's or built in).
	Has(key string) bool
	// Custom is the admin's own message for key (theme messages), if any.
	Custom(key string) (string, bool)
	// FieldError is the admin's message for a FusionAuth error code on a
	// field ("[blank]registration.data.minprice"), else fallback.
	FieldError(code, key, fallback string, args ...any) string
}

// english is built-in English, for callers that pass no Localizer.
var english Localizer = (*i18n.Localizer)(nil)

func orEnglish(l Localizer) Localizer {
	if l == nil {
		return english
	}
	return l
}

// errorCodes maps the portal's validation messages to FusionAuth's error
// codes, so an admin's "[blank]<key>" or "[invalid]<key>" theme message is
// used the way FusionAuth's hosted pages use it (reference section 5.2).
var errorCodes = map[string]string{
	"form.error.required":          "blank",
	"form.error.required.checkbox": "blank",
	"form.error.required.multi":    "blank",
	"form.error.required.choice":   "blank",
	"form.error.confirm":           "doNotMatch",
	"form.error.number":            "invalid",
	"form.error.number.range":      "invalid",
	"form.error.number.long":       "tooLong",
	"form.error.linebreak":         "invalid",
	"form.error.bool":              "invalid",
	"form.error.date":              "invalid",
	"form.error.email":             "notEmail",
	"form.error.phone":             "invalid",
	"form.error.format":            "invalid",
	"form.error.choice":            "invalid",
	"form.error.options":           "invalid",
	"form.error.timezone":          "invalid",
	"form.error.timezone.choose":   "invalid",
	"form.error.languages":         "invalid",
	"form.error.languages.max":     "tooMany",
	"form.error.toolong":           "tooLong",
	"form.error.taken":             "duplicate",
	"form.error.tooshort":          "tooShort",
	"form.error.api.toolong":       "tooLong",
	"form.error.blocked":           "blocked",
}

// labelIn is the field's label in a language: the admin's theme message
// for the key (FusionAuth's own convention), else data.label, else the
// built-in label of a managed field (user.firstName), else the field's name.
func (f *field) labelIn(l Localizer) string {
	if m, ok := l.Custom(f.key); ok {
		return m
	}
	if !f.ownLabel && l.Has(f.key) {
		return l.T(f.key)
	}
	return f.label
}

// message is a stored error as text in the user's language. apiCode is
// FusionAuth's error type when FusionAuth reported the error ("duplicate"),
// so the admin's theme message for exactly that code is used.
func (f *field) message(l Localizer, msg, label, apiCode string) string {
	if msg == "" {
		return ""
	}
	code := errorCodes[msg]
	if msg == "form.error.required" && f.typ == "number" {
		code = "missing" // FusionAuth's code for a missing number
	}
	if apiCode != "" {
		code = apiCode
	}
	text := l.T(msg, label, limitOf(l, msg))
	if code != "" {
		return l.FieldError(code, f.key, text, label)
	}
	return text
}

// limitOf is the {1} of a message that states a limit, written the way the
// language groups digits (16,384; 16.384; 16 384).
func limitOf(l Localizer, msg string) string {
	n := maxLanguages
	switch msg {
	case "form.error.toolong":
		n = maxValueLen
	case "form.error.number.long":
		n = maxNumberLen
	}
	sep := ","
	if l.Has("form.number.thousand") {
		// "1,000", "1.000", "1 000": what stands between 1 and 000.
		t := l.T("form.number.thousand")
		if g, ok := strings.CutPrefix(t, "1"); ok && strings.HasSuffix(g, "000") && len(g) > 3 {
			sep = strings.TrimSuffix(g, "000")
		}
	}
	return groupDigits(n, sep)
}

// groupDigits writes n with sep between groups of three digits.
func groupDigits(n int, sep string) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + sep + s[i:]
	}
	return s
}

// Label is a field's label in a language (for conflict tables and logs).
func (d *Definition) Label(key string, l Localizer) string {
	if f := d.field(key); f != nil {
		return f.labelIn(orEnglish(l))
	}
	return key
}

// LocalizeConflicts turns the conflicts' labels and messages into text.
func (d *Definition) LocalizeConflicts(cs []Conflict, l Localizer) {
	l = orEnglish(l)
	for i := range cs {
		cs[i].Label = d.Label(cs[i].Key, l)
		cs[i].Yours, cs[i].Theirs = l.T(cs[i].Yours), l.T(cs[i].Theirs)
	}
}

// headingIn is a step's heading: the admin's "{self-service-form}N" theme
// message (N counts from 1, as FusionAuth's account edit page does), else
// form.data.sectionTitles[i], else "Part N".
func (d *Definition) headingIn(i int, l Localizer) string {
	n := strconv.Itoa(i + 1)
	if m, ok := l.Custom("{self-service-form}" + n); ok {
		return m
	}
	if t := d.sectionTitle(i); t != "" {
		return t
	}
	return l.T("form.section", n)
}

// Text is the fixed wording the field templates need.
type Text struct {
	ErrorsHeading, Required, ErrorPrefix, NotSet, Choose string
}

func textIn(l Localizer) *Text {
	return &Text{
		ErrorsHeading: l.T("form.errors.heading"),
		Required:      l.T("form.required"),
		ErrorPrefix:   l.T("form.error.prefix"),
		NotSet:        l.T("form.notset"),
		Choose:        l.T("form.choose"),
	}
}

// localize fills a built view's text in the user's language: headings,
// labels, descriptions, option labels, read-only reasons and messages.
func (d *Definition) localize(v *View, l Localizer) {
	v.Text = textIn(l)
	for si := range v.Sections {
		sec := &v.Sections[si]
		sec.Heading = d.headingIn(sec.Number-1, l)
		for fi := range sec.Fields {
			fv := &sec.Fields[fi]
			fv.Text = v.Text
			f := d.field(fv.Key)
			if f == nil {
				continue
			}
			fv.Label = f.labelIn(l)
			if m, ok := l.Custom("{tooltip}" + f.key); ok {
				fv.Description = m
			}
			if fv.Confirm {
				fv.ConfirmLabel = l.T("form.confirm.label", fv.Label)
				if m, ok := l.Custom("[confirm]" + f.key); ok {
					fv.ConfirmLabel = m
				}
			}
			if fv.Reason != "" {
				fv.Reason = l.T(fv.Reason)
			}
			fv.Error = f.message(l, fv.Error, fv.Label, fv.apiCode)
			fv.ConfirmError = f.message(l, fv.ConfirmError, fv.Label, "")
			for oi := range fv.Options {
				if m, ok := l.Custom(fv.Options[oi].Value); ok {
					fv.Options[oi].Label = m
				}
			}
		}
	}
	for i := range v.Errors {
		e := &v.Errors[i]
		if e.Key == formErrorKey {
			e.Message = l.T(e.Message)
		}
	}
}
