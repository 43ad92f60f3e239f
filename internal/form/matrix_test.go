package form

import (
	"html/template"
	"net/url"
	"strings"
	"testing"

	"portal/internal/fusionauth"
)

// TestControlTypeMatrix covers each supported control × type: how a stored
// value renders, and what a typed value converts to.
func TestControlTypeMatrix(t *testing.T) {
	tests := []struct {
		name     string
		field    fusionauth.FormField
		stored   string   // JSON of the stored value ("" = absent)
		want     []string // substrings of the rendered HTML
		post     []string // posted values (nil = only the marker, where there is one)
		wantJSON string   // Values[key] as JSON
		bad      string   // a posted value that must be rejected ("" = skip)
	}{
		{"text string", fld("user.data.nick", "text", "string"), `"Bob"`,
			[]string{`type="text"`, `value="Bob"`}, []string{"Ålice ✓"}, `"Ålice ✓"`, ""},
		{"text email", fld("user.data.work", "text", "email"), `"a@b.co"`,
			[]string{`type="email"`, `value="a@b.co"`}, []string{" x@y.org "}, `"x@y.org"`, "nope@"},
		{"text phone", fld("user.phoneNumber", "text", ""), `"+13035551212"`,
			[]string{`type="tel"`}, []string{"+1 (303) 555-1212"}, `"+1 (303) 555-1212"`, "call me"},
		{"text date", fld("user.birthDate", "text", ""), `"1976-05-30"`,
			[]string{`type="date"`, `value="1976-05-30"`}, []string{"2000-02-29"}, `"2000-02-29"`, "2001-02-29"},
		{"text number", fld("user.data.n", "text", "number"), `12`,
			[]string{`type="text"`, `inputmode="decimal"`, `value="12"`}, []string{"12.50"}, `12.50`, "12,5"},
		{"text bool", fld("user.data.b", "text", "bool"), `true`,
			[]string{`value="true"`}, []string{"false"}, `false`, "yes"},
		{"textarea string", fld("user.data.bio", "textarea", "string"), `"line1\nline2"`,
			[]string{"<textarea", "line1\nline2</textarea>"}, []string{"a\r\nb"}, `"a\nb"`, ""},
		{"textarea number", fld("user.data.tn", "textarea", "number"), ``,
			[]string{"<textarea"}, []string{"7"}, `7`, "seven"},
		{"number number", fld("registration.data.maxprice", "number", "number"), `650000`,
			[]string{`type="text"`, `inputmode="decimal"`, `value="650000"`}, []string{"9007199254740993"}, `9007199254740993`, "1e"},
		{"number string", fld("registration.data.minprice", "number", ""), `"300000"`,
			[]string{`inputmode="decimal"`, `value="300000"`}, []string{"00350000"}, `"350000"`, "abc"},
		{"password string", fld("user.data.pin", "password", "string"), `"secret"`,
			[]string{`type="password"`, `value=""`}, []string{"n3w"}, `"n3w"`, ""},
		{"radio string", fld("user.data.color", "radio", "string", opts("Red", "Blue")), `"Blue"`,
			[]string{`type="radio"`, `value="Blue" checked`}, []string{"Red"}, `"Red"`, "red"},
		{"radio number", fld("user.data.kids", "radio", "number", opts("1", "2")), `2`,
			[]string{`value="2" checked`}, []string{"1"}, `1`, "3"},
		{"radio date", fld("user.data.slot", "radio", "date", opts("2030-01-01", "2030-01-02")), `"2030-01-02"`,
			[]string{`value="2030-01-02" checked`}, []string{"2030-01-01"}, `"2030-01-01"`, "2030-01-03"},
		{"select string", fld("user.data.size", "select", "string", opts("S", "M")), `"M"`,
			[]string{"<select", `value="M" selected`}, []string{"S"}, `"S"`, "XL"},
		{"select bool", fld("user.data.ok", "select", "bool"), `false`,
			[]string{`value="false" selected`}, []string{"true"}, `true`, "TRUE"},
		// FusionAuth forces the text control for the email type.
		{"select email", fld("user.data.cc", "select", "email", opts("a@b.co")), ``,
			[]string{`type="email"`}, []string{"b@b.co"}, `"b@b.co"`, "b@"},
		{"select phone", fld("user.data.ph", "select", "phoneNumber", opts("+1 303 555 1212")), ``,
			[]string{`<option value="&#43;1 303 555 1212">`}, []string{"+1 303 555 1212"}, `"+1 303 555 1212"`, "+1"},
		{"select timezone", fld("user.timezone", "select", ""), `"America/Denver"`,
			[]string{`value="America/Denver" selected`}, []string{"Asia/Kathmandu"}, `"Asia/Kathmandu"`, "Mars/Base"},
		{"checkbox bool ticked", fld("user.data.news", "checkbox", "bool"), `false`,
			[]string{`type="checkbox"`, `value="true"`, `name="form.present" value="user.data.news"`}, []string{"true"}, `true`, "on"},
		{"checkbox bool unticked", fld("user.data.news", "checkbox", "bool"), `true`,
			[]string{` checked`}, nil, `false`, ""},
		{"checkbox list string", fld("registration.data.sports", "checkbox", "string", opts("Football", "Golf", "Chess")), `["Golf"]`,
			[]string{`value="Golf" checked`, `value="Chess">`}, []string{"Chess", "Football"}, `["Chess","Football"]`, "Rugby"},
		{"checkbox list number", fld("user.data.nums", "checkbox", "number", opts("1", "2.5")), `[2.5]`,
			[]string{`value="2.5" checked`}, []string{"1"}, `[1]`, "3"},
		{"checkbox list empty", fld("user.data.tags", "checkbox", "string", opts("a", "b")), `["a"]`,
			nil, nil, `[]`, ""},
		{"multiselect languages", fld("user.preferredLanguages", "select", ""), `["fr","en"]`,
			[]string{"multiple", `value="fr" selected`}, []string{"de", "en_GB"}, `["de","en_GB"]`, "not a locale!"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := mustDef(t, []fusionauth.FormField{tc.field})
			key := tc.field.Key
			js := `{"registrations":[{"applicationId":"app-1"}]}`
			if tc.stored != "" {
				root, rest, _ := strings.Cut(key, ".")
				obj := `{` + nest(rest, tc.stored) + `}`
				if root == "user" {
					js = `{"registrations":[{"applicationId":"app-1"}],` + obj[1:]
				} else {
					js = `{"registrations":[{"applicationId":"app-1",` + obj[1:] + `]}`
				}
			}
			rec := userRec(t, js)
			v := d.View(rec, nil)
			if fv := fieldView(t, v, key); fv.ReadOnly {
				t.Fatalf("field is read-only: %s", fv.Reason)
			}
			html := render(t, v)
			for _, w := range tc.want {
				if !strings.Contains(html, w) {
					t.Errorf("render lacks %q\n%s", w, html)
				}
			}
			post := url.Values{"form.present": {key}, "form.snapshot": {v.Snapshot}}
			if tc.post != nil {
				post[key] = tc.post
			}
			s := d.Parse(post)
			if !s.OK() {
				t.Fatalf("errors: %v", s.Errors)
			}
			if got := jsonOf(t, s.Values[key]); got != tc.wantJSON {
				t.Errorf("value = %s, want %s", got, tc.wantJSON)
			}
			if tc.bad != "" {
				post[key] = []string{tc.bad}
				s := d.Parse(post)
				if s.Errors[key] == "" {
					t.Errorf("bad value %q accepted as %v", tc.bad, s.Values[key])
				}
				if _, ok := s.Values[key]; ok {
					t.Errorf("bad value still in Values")
				}
				if html := render(t, d.ViewSubmission(s, nil)); !strings.Contains(html, `aria-invalid="true"`) || !strings.Contains(html, template.HTMLEscapeString(errorText(d, s, key)[:10])) {
					t.Errorf("error not rendered at the field:\n%s", html)
				}
			}
		})
	}
}

// nest turns "data.a.b" and a JSON value into `"data":{"a":{"b":v}}`.
func nest(path, val string) string {
	segs := strings.Split(path, ".")
	out := val
	for i := len(segs) - 1; i >= 0; i-- {
		out = `"` + segs[i] + `":` + out
		if i > 0 {
			out = "{" + out + "}"
		}
	}
	return out
}

func TestReadOnlyFields(t *testing.T) {
	fields := []fusionauth.FormField{
		fld("registration.roles", "checkbox", "string"),
		fld("consents['c1']", "", "consent"),
		fld("user.data.weird", "slider", "string"),
		fld("user.data.kind", "text", "uuid"),
		fld("user.data.obj", "text", "string"),
		fld("user.data.list", "checkbox", "string", opts("a", "b")),
		fld("user.data.sel", "select", "string", opts("x", "y")),
		fld("user.data.oneline", "text", "string"),
		fld("user.active", "checkbox", "bool"),
		fld("user.data.ok", "text", "string"),
		fld("user.twoFactor", "text", "string"),
		fld("user.data.price", "number", "string"),
	}
	d := mustDef(t, fields)
	rec := userRec(t, `{"active":true,"twoFactor":{"secret":"s3cr3t"},"data":{"obj":{"a":1},"list":5,"sel":"z","oneline":"a\nb","ok":"fine","price":"about 5"},
		"registrations":[{"applicationId":"app-1","roles":["admin"]}]}`)
	v := d.View(rec, nil)
	html := render(t, v)
	for _, f := range append(fields[:9:9], fields[11]) {
		fv := fieldView(t, v, f.Key)
		if !fv.ReadOnly || fv.Reason == "" {
			t.Errorf("%s: read-only=%v reason=%q", f.Key, fv.ReadOnly, fv.Reason)
		}
		if strings.Contains(html, `name="`+f.Key+`"`) {
			t.Errorf("%s: read-only field has an input", f.Key)
		}
	}
	if fv := fieldView(t, v, "user.data.ok"); fv.ReadOnly {
		t.Errorf("the rest of the form must stay editable")
	}
	if strings.Contains(html, "s3cr3t") {
		t.Errorf("a property outside the form's reach was displayed")
	}
	if !strings.Contains(html, "admin") {
		t.Errorf("read-only roles not shown as text")
	}
	// Posting read-only keys anyway changes nothing and is reported.
	post := browserPost(v)
	post.Set("registration.roles", "superadmin")
	post.Set("user.data.obj", "flat")
	post.Set("user.data.sel", "x")
	post.Set("user.active", "false")
	s := d.Parse(post)
	p, conflicts := d.Changes(s, rec)
	if !p.Empty() || len(conflicts) != 0 {
		t.Errorf("patch %v conflicts %v, want nothing", jsonOf(t, p), conflicts)
	}
	for _, k := range []string{"registration.roles", "user.data.obj", "user.data.sel", "user.active"} {
		if !contains(s.Ignored, k) {
			t.Errorf("Ignored %v lacks %s", s.Ignored, k)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// A record of the wrong shape (no snapshot) must not be overwritten.
func TestWrongShapeNeverWritten(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{fld("user.data.a.b", "text", "string")})
	rec := userRec(t, `{"data":{"a":"i am a string"}}`)
	s := d.Parse(url.Values{"user.data.a.b": {"x"}})
	p, conflicts := d.Changes(s, rec)
	if !p.Empty() || len(conflicts) != 1 {
		t.Fatalf("patch %s conflicts %v", jsonOf(t, p), conflicts)
	}
}

func TestNotRegisteredRegistrationFieldsReadOnly(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{fld("registration.data.x", "text", "string"), fld("user.firstName", "text", "")})
	v := d.View(userRec(t, `{"firstName":"A","registrations":[{"applicationId":"other"}]}`), nil)
	if fv := fieldView(t, v, "registration.data.x"); !fv.ReadOnly {
		t.Errorf("registration field editable without a registration")
	}
	if fv := fieldView(t, v, "user.firstName"); fv.ReadOnly || fv.Value != "A" {
		t.Errorf("user field: %+v", fv)
	}
}
