package form

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/internal/fusionauth"
)

// demoFields is a form with every control, used by several tests.
func demoFields() [][]fusionauth.FormField {
	return [][]fusionauth.FormField{
		{
			fld("user.firstName", "text", "", required),
			fld("user.email", "text", "", required, confirm),
			fld("user.password", "password", "", confirm),
			fld("user.birthDate", "text", ""),
			fld("user.timezone", "select", ""),
			fld("user.preferredLanguages", "select", ""),
			fld("user.data.bio", "textarea", "string"),
			fld("user.data.preferences['color']", "radio", "string", opts("Red", "Blue")),
			fld("user.data.news", "checkbox", "bool"),
		},
		{
			fld("registration.data.minprice", "number", "number"),
			fld("registration.data.maxprice", "number", "number", required),
			fld("registration.data.ratio", "number", "number"),
			fld("registration.data.sports", "checkbox", "string", opts("Football", "Golf")),
			fld("registration.data.area.city", "select", "string", opts("Boulder, CO", "Denver, CO")),
			fld("registration.data.1st-choice", "text", "string"),
			fld("registration.data.größe", "text", "string"),
			fld("registration.roles", "checkbox", "string"),
		},
	}
}

const demoUser = `{"firstName":"Jöhn 🙂","email":"john@example.com","birthDate":"1976-05-30",
 "timezone":"America/Denver","preferredLanguages":["fr","en"],
 "data":{"bio":"line one\nline two  ","preferences":{"color":"Blue"},"news":true,"other":"kept"},
 "registrations":[{"applicationId":"app-1","roles":["user"],
   "data":{"minprice":9007199254740993,"maxprice":650000,"ratio":0.1,"sports":["Golf"],
     "area":{"city":"Boulder, CO"},"1st-choice":"A","größe":"Groß"}}]}`

func TestRoundTripUnchangedSendsNothing(t *testing.T) {
	d := mustDef(t, demoFields()...)
	rec := userRec(t, demoUser)
	v := d.View(rec, nil)
	s := d.Parse(browserPost(v))
	if !s.OK() {
		t.Fatalf("errors on an untouched form: %v", s.Errors)
	}
	p, conflicts := d.Changes(s, rec)
	if !p.Empty() || len(conflicts) > 0 {
		t.Fatalf("untouched form produced patch %s conflicts %v", jsonOf(t, p), conflicts)
	}
	// Without the snapshot the result is the same: values equal current.
	post := browserPost(v)
	post.Del("form.snapshot")
	p, _ = d.Changes(d.Parse(post), rec)
	if !p.Empty() {
		t.Fatalf("no-snapshot patch %s", jsonOf(t, p))
	}
}

func TestRoundTripOneChange(t *testing.T) {
	tests := []struct {
		key, value string
		wantUser   string
		wantReg    string
	}{
		{"registration.data.maxprice", "700000", `null`, `{"data":{"maxprice":700000}}`},
		{"registration.data.area.city", "Denver, CO", `null`, `{"data":{"area":{"city":"Denver, CO"}}}`},
		{"user.data.preferences['color']", "Red", `{"data":{"preferences":{"color":"Red"}}}`, `null`},
		{"registration.data.1st-choice", "", `null`, `{"data":{"1st-choice":null}}`},
		{"registration.data.größe", "Größer", `null`, `{"data":{"größe":"Größer"}}`},
		{"user.birthDate", "1976-05-31", `{"birthDate":"1976-05-31"}`, `null`},
		{"registration.data.ratio", "0.10", `null`, `null`}, // same value, other spelling
	}
	d := mustDef(t, demoFields()...)
	rec := userRec(t, demoUser)
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			post := browserPost(d.View(rec, nil))
			post.Set(tc.key, tc.value)
			s := d.Parse(post)
			if !s.OK() {
				t.Fatalf("errors: %v", s.Errors)
			}
			p, conflicts := d.Changes(s, rec)
			if len(conflicts) > 0 {
				t.Fatalf("conflicts %v", conflicts)
			}
			if got := jsonOf(t, p.User); got != tc.wantUser {
				t.Errorf("user patch %s, want %s", got, tc.wantUser)
			}
			if got := jsonOf(t, p.Registration); got != tc.wantReg {
				t.Errorf("registration patch %s, want %s", got, tc.wantReg)
			}
		})
	}
}

func TestClearingAndMultiValues(t *testing.T) {
	d := mustDef(t, demoFields()...)
	rec := userRec(t, demoUser)
	post := browserPost(d.View(rec, nil))
	post.Set("user.birthDate", "   ")
	post.Del("user.data.news") // untick: only the marker remains
	post["registration.data.sports"] = []string{"Football", "Golf"}
	post["user.preferredLanguages"] = []string{"en", "fr"} // same set, other order
	s := d.Parse(post)
	if !s.OK() {
		t.Fatalf("errors: %v", s.Errors)
	}
	p, _ := d.Changes(s, rec)
	if got, want := jsonOf(t, p.User), `{"birthDate":null,"data":{"news":false}}`; got != want {
		t.Errorf("user patch %s, want %s", got, want)
	}
	if got, want := jsonOf(t, p.Registration), `{"data":{"sports":["Football","Golf"]}}`; got != want {
		t.Errorf("registration patch %s, want %s", got, want)
	}
}

func TestNumbersKeepEveryDigit(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{fld("user.data.big", "number", "number"), fld("user.data.small", "number", "number")})
	rec := userRec(t, `{"data":{"big":1,"small":1}}`)
	post := browserPost(d.View(rec, nil))
	post.Set("user.data.big", "9007199254740993")
	post.Set("user.data.small", "0.1")
	p, _ := d.Changes(d.Parse(post), rec)
	if got, want := jsonOf(t, p.User), `{"data":{"big":9007199254740993,"small":0.1}}`; got != want {
		t.Fatalf("patch %s, want %s", got, want)
	}
	// The stored big number renders with every digit.
	rec = userRec(t, `{"data":{"big":9007199254740993,"small":0.30000000000000004}}`)
	v := d.View(rec, nil)
	if fv := fieldView(t, v, "user.data.big"); fv.Value != "9007199254740993" {
		t.Errorf("rendered %q", fv.Value)
	}
	if fv := fieldView(t, v, "user.data.small"); fv.Value != "0.30000000000000004" {
		t.Errorf("rendered %q", fv.Value)
	}
}

func TestNormaliseNumber(t *testing.T) {
	good := map[string]string{
		"350000": "350000", " 42 ": "42", "+7": "7", "007": "7", ".5": "0.5", "-0": "0",
		"-12.50": "-12.50", "0.1": "0.1", "-5": "-5", "99999999999999999999999": "99999999999999999999999",
	}
	for in, want := range good {
		if got, ok := normaliseNumber(in, false); !ok || got != want {
			t.Errorf("normaliseNumber(%q) = %q,%v want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-", ".", "5.", "1,000", "1 000", "0x10", "NaN", "Infinity", "1e", "1e1000", "--1", "1e+-2", "١٢", "1e3", "1E-3", "-2e5"} {
		if got, ok := normaliseNumber(in, false); ok {
			t.Errorf("normaliseNumber(%q) accepted as %q", in, got)
		}
	}
	// Administrators' options may use an exponent.
	for in, want := range map[string]string{"1e6": "1e6", "1E-3": "1e-3", "-2.5e+2": "-2.5e+2"} {
		if got, ok := normaliseNumber(in, true); !ok || got != want {
			t.Errorf("option normaliseNumber(%q) = %q,%v want %q", in, got, ok, want)
		}
	}
	same := [][2]string{{"1.50", "1.5"}, {"15e-1", "1.5"}, {"100", "1e2"}, {"0", "-0.000"}, {"9007199254740993", "9007199254740993.0"}}
	for _, p := range same {
		a, _ := canonNumber(p[0])
		b, _ := canonNumber(p[1])
		if a != b {
			t.Errorf("%s and %s compare different: %s vs %s", p[0], p[1], a, b)
		}
	}
	a, _ := canonNumber("9007199254740993")
	b, _ := canonNumber("9007199254740992")
	if a == b {
		t.Errorf("adjacent big integers compare equal")
	}
}

func TestDatesIgnoreTimeZone(t *testing.T) {
	old := time.Local
	t.Cleanup(func() { time.Local = old })
	for _, zone := range []string{"Pacific/Kiritimati", "Pacific/Pago_Pago", "America/St_Johns"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		time.Local = loc
		d := mustDef(t, []fusionauth.FormField{fld("user.birthDate", "text", "")})
		rec := userRec(t, `{"birthDate":"1990-01-01"}`)
		v := d.View(rec, nil)
		if fv := fieldView(t, v, "user.birthDate"); fv.Value != "1990-01-01" {
			t.Fatalf("%s: rendered %q", zone, fv.Value)
		}
		post := browserPost(v)
		p, _ := d.Changes(d.Parse(post), rec)
		if !p.Empty() {
			t.Fatalf("%s: unchanged date sent: %s", zone, jsonOf(t, p))
		}
		post.Set("user.birthDate", "2024-02-29")
		s := d.Parse(post)
		if got := s.Values["user.birthDate"]; got != "2024-02-29" {
			t.Fatalf("%s: parsed %v", zone, got)
		}
	}
}

func TestDuplicatePostedField(t *testing.T) {
	d := mustDef(t, demoFields()...)
	rec := userRec(t, demoUser)
	for _, key := range []string{"user.firstName", "registration.data.maxprice", "user.data.preferences['color']", "user.data.news"} {
		post := browserPost(d.View(rec, nil))
		post[key] = []string{"true", "true"}
		s := d.Parse(post)
		if msg := errorText(d, s, key); !strings.Contains(msg, "more than once") {
			t.Errorf("%s: error %q", key, msg)
		}
	}
}

func TestAllowList(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{fld("user.firstName", "text", "")})
	rec := userRec(t, `{"firstName":"A","email":"a@b.co"}`)
	post := browserPost(d.View(rec, nil))
	post.Set("user.data.isAdmin", "true")
	post.Set("registration.roles", "admin")
	post.Set("user.email", "evil@example.com")
	post.Set("csrf_token", "x")
	s := d.Parse(post)
	if _, ok := s.Values["user.email"]; ok || len(s.Values) != 1 {
		t.Fatalf("values %v", s.Values)
	}
	want := []string{"registration.roles", "user.data.isAdmin", "user.email"}
	if strings.Join(s.Ignored, ",") != strings.Join(want, ",") {
		t.Fatalf("Ignored %v, want %v", s.Ignored, want)
	}
	if p, _ := d.Changes(s, rec); !p.Empty() {
		t.Fatalf("patch %s", jsonOf(t, p))
	}
}

func TestRequiredAndBlank(t *testing.T) {
	d := mustDef(t, demoFields()...)
	rec := userRec(t, demoUser)
	post := browserPost(d.View(rec, nil))
	post.Set("user.firstName", "   ")
	post.Set("registration.data.maxprice", "")
	s := d.Parse(post)
	for _, k := range []string{"user.firstName", "registration.data.maxprice"} {
		if s.Errors[k] == "" {
			t.Errorf("%s: blank accepted", k)
		}
	}
	v := d.ViewSubmission(s, nil)
	if len(v.Errors) != 2 || v.Errors[0].Key != "user.firstName" || v.Errors[0].ID != "f-user_2efirstName" {
		t.Fatalf("summary %+v", v.Errors)
	}
	// Typed input is kept, errors point at the fields.
	if fv := fieldView(t, v, "user.firstName"); fv.Value != "   " || fv.DescribedBy != fv.ErrID {
		t.Errorf("field view %+v", fv)
	}
	if fv := fieldView(t, v, "user.data.bio"); fv.Value != "line one\nline two  " {
		t.Errorf("other input lost: %q", fv.Value)
	}
	if v.Snapshot != post.Get("form.snapshot") {
		t.Errorf("snapshot not carried over")
	}
}

func TestConfirmField(t *testing.T) {
	d := mustDef(t, demoFields()...)
	rec := userRec(t, demoUser)
	post := browserPost(d.View(rec, nil))
	post.Set("user.email", "new@example.com")
	s := d.Parse(post)
	if s.Errors["confirm.user.email"] == "" {
		t.Fatalf("mismatched confirm accepted")
	}
	if _, ok := s.Values["user.email"]; ok {
		t.Fatalf("value kept despite confirm mismatch")
	}
	post.Set("confirm.user.email", "new@example.com")
	if s := d.Parse(post); !s.OK() || s.Values["user.email"] != "new@example.com" {
		t.Fatalf("errors %v values %v", s.Errors, s.Values)
	}
}

func TestPasswordOnlyOnRegistrationSteps(t *testing.T) {
	d := mustDef(t, demoFields()...)
	rec := userRec(t, demoUser)
	v := d.View(rec, nil)
	for _, s := range v.Sections {
		for _, f := range s.Fields {
			if f.Key == "user.password" {
				t.Fatalf("password on the profile")
			}
		}
	}
	post := browserPost(v)
	post.Set("user.password", "hunter22")
	if s := d.Parse(post); len(s.Values) == 0 || s.Values["user.password"] != nil || !contains(s.Ignored, "user.password") {
		t.Fatalf("profile parse took the password: %v ignored %v", s.Values, s.Ignored)
	}

	step := url.Values{"user.firstName": {"A"}, "user.email": {"a@b.co"}, "confirm.user.email": {"a@b.co"}}
	s := d.ParseStep(0, step)
	if s.Errors["user.password"] == "" {
		t.Errorf("missing password accepted")
	}
	step.Set("user.password", "hunter22")
	step.Set("confirm.user.password", "hunter2")
	if s := d.ParseStep(0, step); s.Errors["confirm.user.password"] == "" {
		t.Errorf("password confirm mismatch accepted")
	}
	step.Set("confirm.user.password", "hunter22")
	s = d.ParseStep(0, step)
	if !s.OK() || s.Values["user.password"] != "hunter22" {
		t.Fatalf("errors %v", s.Errors)
	}
	if _, ok := s.Values["registration.data.maxprice"]; ok || s.Errors["registration.data.maxprice"] != "" {
		t.Errorf("step 0 parsed a step 1 field")
	}
	html := render(t, d.ViewSubmission(s, nil))
	if strings.Contains(html, "hunter22") {
		t.Errorf("password echoed back")
	}
	if !strings.Contains(html, `type="password"`) || !strings.Contains(html, `name="confirm.user.password"`) {
		t.Errorf("registration step lacks password inputs")
	}
	if strings.Contains(render(t, d.StepView(1, nil)), "user.firstName") {
		t.Errorf("StepView(1) shows step 0 fields")
	}
	if s := d.ParseStep(9, step); s.OK() {
		t.Errorf("step out of range accepted")
	}
}

func TestProblemsReported(t *testing.T) {
	form := fusionauth.Form{ID: "f", Steps: []fusionauth.FormStep{{Fields: []string{"missing", "bad-re", "ok", "badopt"}}}}
	fields := []fusionauth.FormField{
		fld("bad-re", "", "", validator("(unclosed")),
		fld("ok", "", "", func(f *fusionauth.FormField) { f.Key = "user.data.ok" }),
		fld("badopt", "radio", "number", opts("one", "2")),
	}
	fields[0].Key = "user.data.re"
	fields[2].Key = "user.data.opt"
	d, err := NewDefinition(form, fields)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(d.Problems()); got != 3 {
		t.Fatalf("problems %v", d.Problems())
	}
	s := d.Parse(url.Values{"user.data.re": {"x"}, "user.data.ok": {"y"}})
	if s.Errors["user.data.re"] == "" || s.Values["user.data.ok"] != "y" {
		t.Fatalf("errors %v values %v", s.Errors, s.Values)
	}
	if _, err := NewDefinition(fusionauth.Form{ID: "empty"}, nil); err == nil {
		t.Fatalf("a form without steps compiled")
	}
}
