// Package form turns FusionAuth form and form-field definitions into a view
// model for the profile page, and parses, validates and diffs what the user
// posts. FusionAuth's API does not check custom data against forms, so the
// portal applies the same rules as FusionAuth's hosted pages here, on the
// server. See docs/form-fields.md for every control × type combination.
package form

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dlclark/regexp2/v2"

	"portal/internal/fusionauth"
)

// regexTimeout bounds one validator match so a pathological pattern cannot
// hang a request; a timeout rejects the value.
const regexTimeout = 50 * time.Millisecond

// kind is how a field is rendered and parsed.
type kind int

const (
	kReadOnly kind = iota
	kText          // <input type=text|email|tel|date>
	kTextarea      // <textarea>
	kNumber        // <input type=number>
	kPassword      // <input type=password>, never prefilled
	kSelect        // <select>, one value
	kMulti         // <select multiple>, preferredLanguages
	kRadio         // radio group
	kCheck         // one checkbox, bool
	kChecks        // checkbox list, multi-value
)

// field is one compiled form field.
type field struct {
	key       string
	kp        keyPath
	step      int
	kind      kind
	typ       string // data type after FusionAuth's normalisation
	inputType string // for kText
	label     string // data.label, else the field's name, else its key
	ownLabel  bool   // label came from data.label
	desc      string
	required  bool
	confirm   bool
	options   []string // option values exactly as defined
	re        *regexp2.Regexp
	reBroken  bool
	roReason  string // non-empty: read-only for everyone
	password  bool   // user.password: registration pages only
	timezone  bool   // validated as an IANA zone
	locales   bool   // validated as locale tags
	suggest   bool   // options are suggestions (built-in list); validity is checked instead of membership
}

// Definition is a compiled form. It is immutable and safe for concurrent use.
type Definition struct {
	form     fusionauth.Form
	steps    [][]*field
	byKey    map[string]*field
	problems []string
}

// NewDefinition compiles a form. fields is every form field FusionAuth has
// (GET /api/form/field); the form's own are picked by id in step order. A
// missing field or a bad validator is reported by Problems, not as an error,
// so one broken field never takes the whole profile page down. It fails only
// when the form has no usable step.
func NewDefinition(f fusionauth.Form, fields []fusionauth.FormField) (*Definition, error) {
	byID := make(map[string]fusionauth.FormField, len(fields))
	for _, ff := range fields {
		byID[ff.ID] = ff
	}
	d := &Definition{form: f, byKey: map[string]*field{}}
	for si, st := range f.Steps {
		var step []*field
		for _, id := range st.Fields {
			ff, ok := byID[id]
			if !ok {
				d.problems = append(d.problems, fmt.Sprintf("step %d: form field %q does not exist", si+1, id))
				continue
			}
			if _, dup := d.byKey[ff.Key]; dup {
				d.problems = append(d.problems, fmt.Sprintf("step %d: key %q appears twice; later one skipped", si+1, ff.Key))
				continue
			}
			fl := compileField(ff, len(d.steps), &d.problems)
			if other := d.overlapping(fl); other != nil {
				// Two keys for one property (user.data.a and
				// user.data['a']), or one inside the other (user.data.a
				// and user.data.a.b): both cannot hold a value, and one
				// patch would silently drop one of them.
				d.problems = append(d.problems, fmt.Sprintf("step %d: key %q names the same data as %q, or data inside it; it is shown read-only", si+1, ff.Key, other.key))
				fl.kind, fl.roReason = kReadOnly, "form.readonly.key"
			}
			d.byKey[ff.Key] = fl
			step = append(step, fl)
		}
		d.steps = append(d.steps, step) // keep empty steps so ParseStep indexes match FusionAuth's
	}
	if len(d.steps) == 0 {
		return nil, fmt.Errorf("form %q has no steps", f.ID)
	}
	return d, nil
}

// Problems lists definition problems (missing fields, invalid validators,
// options that do not fit the data type) for the operator's log.
func (d *Definition) Problems() []string { return append([]string(nil), d.problems...) }

// Steps is the number of steps, including empty ones.
func (d *Definition) Steps() int { return len(d.steps) }

// Keys lists every field key in step order.
func (d *Definition) Keys() []string {
	var out []string
	for _, st := range d.steps {
		for _, f := range st {
			out = append(out, f.key)
		}
	}
	return out
}

// overlapping returns an editable field whose JSON path equals f's, or
// contains it, or lies inside it (same root object), if f is editable.
func (d *Definition) overlapping(f *field) *field {
	if f.kind == kReadOnly || f.kp.root == "" {
		return nil
	}
	var found *field
	for _, o := range d.byKey { // the fields compiled so far
		if o.kind == kReadOnly || o.kp.root != f.kp.root {
			continue
		}
		n := min(len(o.kp.path), len(f.kp.path))
		if slices.Equal(o.kp.path[:n], f.kp.path[:n]) && (found == nil || o.key < found.key) {
			found = o
		}
	}
	return found
}

func compileField(ff fusionauth.FormField, step int, problems *[]string) *field {
	f := &field{
		key:      ff.Key,
		step:     step,
		typ:      ff.Type,
		required: ff.Required,
		confirm:  ff.Confirm,
		options:  ff.Options,
		desc:     ff.Description,
	}
	if f.typ == "" {
		f.typ = "string"
	}
	kp, reason := parseKey(ff.Key)
	f.kp = kp
	// Rules for managed keys go by the property the key names, however it
	// is spelled: user['password'] is user.password, user["email"] is
	// user.email.
	name := ff.Key
	if kp.root != "" {
		name = kp.root + "." + strings.Join(kp.path, ".")
	}
	if mt := managedType(name); mt != "" {
		f.typ = mt
	}
	f.label, f.ownLabel = fieldLabel(ff)
	report := func(format string, a ...any) {
		*problems = append(*problems, fmt.Sprintf("field %q (%s): ", ff.Name, ff.Key)+fmt.Sprintf(format, a...))
	}
	if reason == "" {
		reason = f.chooseKind(ff.Control)
	}
	if reason == "" {
		for _, o := range f.options {
			if _, msg := convertOption(f.typ, o); msg != "" {
				reason = "form.readonly.choices"
				report("option %q is not a valid %s", o, f.typ)
				break
			}
		}
	}
	if reason != "" {
		f.kind, f.roReason = kReadOnly, reason
		if reason == "form.readonly.consents" {
			f.kp = keyPath{} // consents live outside the user object
		}
		return f
	}
	if f.kind != kText && f.kind != kNumber && f.kind != kPassword {
		f.confirm = false // a second box only makes sense for typed values
	}
	if name == "user.password" {
		f.password, f.required = true, true
	}
	if ff.Validator.Enabled && ff.Validator.Expression != "" {
		// FusionAuth matches the whole value (Java String.matches) with
		// Java's regex semantics: see javaregex.go.
		re, err := compileJava(ff.Validator.Expression)
		if err != nil {
			f.reBroken = true
			report("validator does not compile: %v", err)
		} else {
			f.re = re
		}
	}
	return f
}

// chooseKind maps control × type to a kind, or returns why it is read-only.
func (f *field) chooseKind(control string) string {
	switch f.typ {
	case "string", "number", "bool", "date", "email", "phoneNumber":
	case "consent":
		return "form.readonly.consents"
	default:
		return "form.readonly.type"
	}
	last := f.kp.path[len(f.kp.path)-1]
	builtin := len(f.kp.path) == 1
	f.timezone = builtin && last == "timezone"
	if builtin && last == "preferredLanguages" {
		f.kind, f.locales = kMulti, true
		if len(f.options) == 0 {
			f.options, f.suggest = locales, true
		}
		return ""
	}
	if f.typ == "email" { // FusionAuth forces the text control for email
		control = "text"
	}
	switch control {
	case "", "text":
		f.kind = kText
		f.inputType = map[string]string{"email": "email", "phoneNumber": "tel", "date": "date"}[f.typ]
		if f.inputType == "" {
			f.inputType = "text"
		}
	case "textarea":
		f.kind = kTextarea
	case "number":
		if f.typ != "number" && f.typ != "string" {
			return "form.readonly.number"
		}
		f.kind = kNumber
	case "password":
		if f.typ != "string" {
			return "form.readonly.password"
		}
		f.kind = kPassword
	case "radio", "select":
		f.kind = kRadio
		if control == "select" {
			f.kind = kSelect
		}
		if len(f.options) == 0 && f.typ == "bool" {
			f.options = []string{"true", "false"}
		}
		if len(f.options) == 0 && f.timezone {
			f.options, f.suggest = timezones, true
		}
		if len(f.options) == 0 {
			return "form.readonly.nochoices"
		}
	case "checkbox":
		switch {
		case f.typ == "bool":
			f.kind = kCheck
		case len(f.options) > 0:
			f.kind = kChecks
		default:
			return "form.readonly.checkbox"
		}
	default:
		return "form.readonly.control"
	}
	return ""
}

// fieldLabel is data.label (true) when set, else the field's name, else its
// key. The label shown also depends on the language: see labelIn.
func fieldLabel(ff fusionauth.FormField) (string, bool) {
	if l, ok := ff.Data["label"].(string); ok && strings.TrimSpace(l) != "" {
		return l, true
	}
	if ff.Name != "" {
		return ff.Name, false
	}
	return ff.Key, false
}
