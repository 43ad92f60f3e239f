package form

import (
	"fmt"
	"strings"
)

// View is the template model of a rendered form.
type View struct {
	Sections []Section
	Errors   []ErrorItem // summary, in field order
	Snapshot string      // value of the hidden form.snapshot input
	Text     *Text       // fixed wording in the view's language
}

// Section is one step of the form, rendered as a <fieldset>.
type Section struct {
	Number  int // 1-based step number
	Heading string
	Fields  []FieldView
}

// FieldView is one field as the template needs it.
type FieldView struct {
	Key         string // input name: the FusionAuth key
	ID          string // element id of the (first) input
	Label       string
	Description string
	DescID      string // id of the description element ("" without description)
	ErrID       string // id of the error message element
	DescribedBy string // aria-describedby value
	// Control is one of text, textarea, number, password, select,
	// multiselect, radio, checkbox, checkboxes, readonly.
	Control   string
	InputType string // text, email, tel, date (Control text)
	InputMode string // inputmode hint, e.g. decimal
	Simple    bool   // a single text-like <input> (controls text and number)
	Required  bool
	Value     string // single-value controls; empty for passwords
	Checked   bool   // single checkbox
	Options   []Option
	Error     string

	Text                *Text // fixed wording, shared by the view's fields
	Confirm             bool
	ConfirmLabel        string
	ConfirmID           string
	ConfirmType         string // input type of the confirm input
	ConfirmValue        string
	ConfirmError        string
	ConfirmErrID        string
	ConfirmDescribedBy  string
	ReadOnly            bool
	Reason              string // why a field is read-only
	Display             string // read-only value as text
	AutoComplete        string
	ConfirmAutoComplete string

	apiCode string // FusionAuth's error type of Error, if FusionAuth reported it
}

// Option is one choice of a select, radio group or checkbox list.
type Option struct {
	Value, Label, ID string
	Selected         bool
}

// ErrorItem is one entry of the error summary; ID is the element to link to.
type ErrorItem struct {
	Key, Label, Message, ID string
}

// View renders the profile form with the record's current values. Fields
// that cannot be shown or written for this record are read-only with a
// reason. user.password is left out: it is changed at sign-in. Text is in
// l's language (nil: English).
func (d *Definition) View(rec Record, l Localizer) View {
	snap := &snapshot{V: map[string]any{}, R: map[string][2]string{}}
	var v View
	for i, st := range d.steps {
		sec := Section{Number: i + 1}
		for _, f := range st {
			if f.password {
				continue
			}
			fv := f.base()
			cur, reason := f.current(rec)
			switch {
			case f.kind == kReadOnly:
				fv.readOnly(f.roReason, display(cur))
			case reason != "":
				fv.readOnly(reason, display(cur))
				snap.R[f.key] = [2]string{fv.Display, reason}
			default:
				if f.kind != kPassword {
					snap.V[f.key] = cur
				}
				f.fill(&fv, cur)
			}
			sec.Fields = append(sec.Fields, fv)
		}
		if len(sec.Fields) > 0 {
			v.Sections = append(v.Sections, sec)
		}
	}
	v.Snapshot = snap.encode()
	d.localize(&v, orEnglish(l))
	return v
}

// StepView renders one empty step (0-based) of a registration form,
// including user.password; the dev server's registration pages use it.
func (d *Definition) StepView(step int, l Localizer) View {
	s := &Submission{Raw: map[string][]string{}, Errors: map[string]string{}, step: step}
	return d.ViewSubmission(s, l)
}

// ViewSubmission re-renders a submission: what the user typed (never
// passwords), with each error at its field and in the summary, in l's
// language (nil: English).
func (d *Definition) ViewSubmission(s *Submission, l Localizer) View {
	v := View{Snapshot: s.Snapshot}
	if msg := s.Errors[formErrorKey]; msg != "" {
		v.Errors = append(v.Errors, ErrorItem{Key: formErrorKey, Message: msg})
	}
	for i, st := range d.steps {
		if s.step >= 0 && i != s.step {
			continue
		}
		sec := Section{Number: i + 1}
		for _, f := range st {
			if !d.inScope(f, s.step) {
				continue
			}
			fv := f.base()
			if f.kind == kReadOnly {
				fv.readOnly(f.roReason, "")
			} else if ro, ok := s.snap.roInfo(f.key); ok {
				fv.readOnly(ro[1], ro[0])
			} else {
				f.fillRaw(&fv, s.Raw)
				fv.Error = s.Errors[f.key]
				fv.apiCode = s.apiCodes[f.key]
				fv.ConfirmError = s.Errors[confirmName+f.key]
			}
			fv.describe()
			sec.Fields = append(sec.Fields, fv)
		}
		if len(sec.Fields) > 0 {
			v.Sections = append(v.Sections, sec)
		}
	}
	d.localize(&v, orEnglish(l))
	for _, sec := range v.Sections {
		for _, fv := range sec.Fields {
			if fv.Error != "" {
				v.Errors = append(v.Errors, ErrorItem{Key: fv.Key, Label: fv.Label, Message: fv.Error, ID: fv.ID})
			}
			if fv.ConfirmError != "" {
				v.Errors = append(v.Errors, ErrorItem{Key: confirmName + fv.Key, Label: fv.ConfirmLabel, Message: fv.ConfirmError, ID: fv.ConfirmID})
			}
		}
	}
	return v
}

func (s *snapshot) roInfo(key string) ([2]string, bool) {
	if s == nil {
		return [2]string{}, false
	}
	r, ok := s.R[key]
	return r, ok
}

// sectionTitle is form.data.sectionTitles[i], or "".
func (d *Definition) sectionTitle(i int) string {
	if titles, ok := d.form.Data["sectionTitles"].([]any); ok && i < len(titles) {
		if t, ok := titles[i].(string); ok && strings.TrimSpace(t) != "" {
			return t
		}
	}
	return ""
}

// base fills what does not depend on the value.
func (f *field) base() FieldView {
	fv := FieldView{
		Key:         f.key,
		ID:          elementID("f-", f.key),
		Label:       f.label,
		Description: f.desc,
		Required:    f.required,
		Confirm:     f.confirm,
	}
	fv.ErrID = fv.ID + "-err"
	if f.desc != "" {
		fv.DescID = fv.ID + "-desc"
	}
	if f.confirm {
		fv.ConfirmID = elementID("c-", f.key)
		fv.ConfirmErrID = fv.ConfirmID + "-err"
	}
	fv.Control = [...]string{"readonly", "text", "textarea", "number", "password", "select",
		"multiselect", "radio", "checkbox", "checkboxes"}[f.kind]
	fv.InputType = f.inputType
	if (f.kind == kText && f.typ == "number") || f.kind == kNumber {
		fv.InputMode = "decimal"
	}
	// Number boxes are text boxes with a numeric keyboard, not type=number:
	// browsers throw away what a number box cannot parse, and the user must
	// get their typing back with a message (GOV.UK's advice).
	if f.kind == kNumber {
		fv.InputType = "text"
	}
	// Simple lets the template pick the common single-input case with one
	// field lookup instead of a chain of comparisons (rendering is the
	// largest cost of a profile view).
	fv.Simple = f.kind == kText || f.kind == kNumber
	switch f.kind {
	case kPassword:
		fv.ConfirmType = "password"
	case kNumber, kText:
		fv.ConfirmType = fv.InputType
	default:
		fv.Confirm = false // confirm applies to typed values only
	}
	if f.kind == kPassword {
		fv.AutoComplete = "new-password"
		fv.ConfirmAutoComplete = "new-password"
	}
	fv.describe()
	return fv
}

func (fv *FieldView) readOnly(reason, shown string) {
	fv.Control, fv.ReadOnly, fv.Reason, fv.Display = "readonly", true, reason, shown
	fv.Simple = false
	fv.Confirm, fv.Required = false, false
}

// describe sets aria-describedby from the description and error ids.
func (fv *FieldView) describe() {
	var ids []string
	if fv.DescID != "" {
		ids = append(ids, fv.DescID)
	}
	if fv.Error != "" {
		ids = append(ids, fv.ErrID)
	}
	fv.DescribedBy = strings.Join(ids, " ")
	fv.ConfirmDescribedBy = ""
	if fv.ConfirmError != "" {
		fv.ConfirmDescribedBy = fv.ConfirmErrID
	}
}

// fill sets the control's value from a stored value.
func (f *field) fill(fv *FieldView, cur any) {
	switch f.kind {
	case kPassword:
	case kCheck:
		b, _ := canonScalar("bool", cur)
		fv.Checked = b == "true"
	case kSelect, kRadio, kMulti, kChecks:
		fv.Options = f.optionViews(fv.ID, f.selectedSet(cur))
	default:
		fv.Value = f.textValue(cur)
		if f.confirm {
			fv.ConfirmValue = fv.Value
		}
	}
}

// fillRaw sets the control's value from what was posted.
func (f *field) fillRaw(fv *FieldView, raw map[string][]string) {
	vals := raw[f.key]
	switch f.kind {
	case kPassword:
	case kCheck:
		fv.Checked = len(vals) > 0 && vals[0] == "true"
	case kSelect, kRadio, kMulti, kChecks:
		sel := map[string]bool{}
		for _, v := range vals {
			if f.suggest && !validLocale(v) && !validTimezone(v) {
				continue // do not add junk to the list
			}
			sel[v] = true
		}
		fv.Options = f.optionViews(fv.ID, sel)
	default:
		// Rejected input may be invalid UTF-8; it is shown as the browser
		// would show it, never written into the page as raw bytes.
		if len(vals) > 0 {
			fv.Value = strings.ToValidUTF8(vals[0], "\uFFFD")
		}
		if c := raw[confirmName+f.key]; len(c) > 0 {
			fv.ConfirmValue = strings.ToValidUTF8(c[0], "\uFFFD")
		}
	}
}

func (f *field) optionViews(id string, sel map[string]bool) []Option {
	opts := f.withExtra(sel)
	out := make([]Option, 0, len(opts))
	for i, o := range opts {
		out = append(out, Option{Value: o, Label: o, ID: fmt.Sprintf("%s-o%d", id, i), Selected: sel[o]})
	}
	return out
}
