package form

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"portal/internal/fusionauth"
)

const appID = "app-1"

// fld builds a form field whose id is its key.
func fld(key, control, typ string, mods ...func(*fusionauth.FormField)) fusionauth.FormField {
	f := fusionauth.FormField{ID: key, Name: key, Key: key, Control: control, Type: typ}
	for _, m := range mods {
		m(&f)
	}
	return f
}

func opts(o ...string) func(*fusionauth.FormField) {
	return func(f *fusionauth.FormField) { f.Options = o }
}

func required(f *fusionauth.FormField) { f.Required = true }
func confirm(f *fusionauth.FormField)  { f.Confirm = true }

func label(l string) func(*fusionauth.FormField) {
	return func(f *fusionauth.FormField) { f.Data = map[string]any{"label": l} }
}

func validator(expr string) func(*fusionauth.FormField) {
	return func(f *fusionauth.FormField) {
		f.Validator = fusionauth.FieldValidator{Enabled: true, Expression: expr}
	}
}

// mustDef builds a definition with one step per argument.
func mustDef(t testing.TB, steps ...[]fusionauth.FormField) *Definition {
	t.Helper()
	form := fusionauth.Form{ID: "form-1", Type: "selfServiceUser"}
	var all []fusionauth.FormField
	for _, st := range steps {
		var ids []string
		for _, f := range st {
			ids = append(ids, f.ID)
			all = append(all, f)
		}
		form.Steps = append(form.Steps, fusionauth.FormStep{Fields: ids})
	}
	d, err := NewDefinition(form, all)
	if err != nil {
		t.Fatalf("NewDefinition: %v", err)
	}
	return d
}

// userRec decodes a user object the way the fusionauth client does.
func userRec(t testing.TB, js string) Record {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	var u map[string]any
	if err := dec.Decode(&u); err != nil {
		t.Fatalf("bad test JSON: %v", err)
	}
	return Record{User: u, ApplicationID: appID}
}

func render(t testing.TB, v View) string {
	t.Helper()
	tm, err := ParseTemplates()
	if err != nil {
		t.Fatalf("templates: %v", err)
	}
	var b bytes.Buffer
	if err := tm.ExecuteTemplate(&b, "form-error-summary", v); err != nil {
		t.Fatalf("summary: %v", err)
	}
	if err := tm.ExecuteTemplate(&b, "form-fields", v); err != nil {
		t.Fatalf("fields: %v", err)
	}
	return b.String()
}

// browserPost is what a browser would submit for a view left untouched:
// it mirrors the template (hidden markers, checked boxes, selected options).
func browserPost(v View) url.Values {
	p := url.Values{}
	p.Set("form.snapshot", v.Snapshot)
	for _, s := range v.Sections {
		for _, f := range s.Fields {
			switch f.Control {
			case "readonly":
			case "checkbox":
				p.Add("form.present", f.Key)
				if f.Checked {
					p.Add(f.Key, "true")
				}
			case "checkboxes", "multiselect":
				p.Add("form.present", f.Key)
				for _, o := range f.Options {
					if o.Selected {
						p.Add(f.Key, o.Value)
					}
				}
			case "radio":
				for _, o := range f.Options {
					if o.Selected {
						p.Add(f.Key, o.Value)
					}
				}
			case "select":
				val := ""
				for _, o := range f.Options {
					if o.Selected {
						val = o.Value
					}
				}
				p.Set(f.Key, val)
			case "textarea":
				p.Set(f.Key, strings.ReplaceAll(htmlText(f.Value), "\n", "\r\n"))
			default:
				p.Set(f.Key, oneLine(htmlText(f.Value)))
				if f.Confirm {
					p.Set("confirm."+f.Key, oneLine(htmlText(f.ConfirmValue)))
				}
			}
		}
	}
	return p
}

// htmlText is text as a browser holds it after parsing the page: line
// breaks normalised to LF, NUL replaced (HTML's input stream preprocessing).
func htmlText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// oneLine is an <input>'s value sanitisation: line breaks are stripped.
func oneLine(s string) string { return strings.NewReplacer("\r", "", "\n", "").Replace(s) }

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(b)
}

func fieldView(t testing.TB, v View, key string) FieldView {
	t.Helper()
	for _, s := range v.Sections {
		for _, f := range s.Fields {
			if f.Key == key {
				return f
			}
		}
	}
	t.Fatalf("field %q not in view", key)
	return FieldView{}
}

// errorText is the message the user sees for key after parsing (English).
func errorText(d *Definition, s *Submission, key string) string {
	for _, e := range d.ViewSubmission(s, nil).Errors {
		if e.Key == key {
			return e.Message
		}
	}
	return ""
}
