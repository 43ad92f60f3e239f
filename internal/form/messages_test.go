package form

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"portal/internal/fusionauth"
	"portal/internal/i18n"
)

func catalog(t testing.TB, extra map[string]string) *i18n.Catalog {
	t.Helper()
	c, err := i18n.New(extra)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// errorIn is the message at key in language lang.
func errorIn(t testing.TB, d *Definition, s *Submission, key string, l *i18n.Localizer) string {
	t.Helper()
	for _, e := range d.ViewSubmission(s, l).Errors {
		if e.Key == key {
			return e.Message
		}
	}
	return ""
}

// TestTypedNumberSyntax: what a number field accepts is what its message
// says: digits, an optional minus sign (or plus) and decimal point; no
// exponent, commas or inner spaces. Digits are kept exactly.
func TestTypedNumberSyntax(t *testing.T) {
	for _, ff := range []fusionauth.FormField{fld("user.data.n", "number", "number"), fld("user.data.n", "text", "number")} {
		d := mustDef(t, []fusionauth.FormField{ff})
		good := map[string]string{
			"-5": "-5", "350000": "350000", "-12.5": "-12.5", "0.75": "0.75", " +007.50 ": "7.50", ".5": "0.5",
			"99999999999999999999999": "99999999999999999999999", "-0": "0",
		}
		for in, want := range good {
			s := d.Parse(url.Values{"user.data.n": {in}})
			if got := s.Values["user.data.n"]; got != json.Number(want) {
				t.Errorf("%s: %q stored as %#v, want %s (errors %v)", ff.Control, in, got, want, s.Errors)
			}
		}
		for _, in := range []string{"1e3", "1E3", "-2e5", "1e+3", "1.5e-2", "1,000", "1 000", "12abc", "5.", "--5", "0x10", "Infinity"} {
			s := d.Parse(url.Values{"user.data.n": {in}})
			if msg := s.Errors["user.data.n"]; msg != "form.error.number" {
				t.Errorf("%s: %q: error %q, value %v", ff.Control, in, msg, s.Values["user.data.n"])
			}
		}
		long := strings.Repeat("9", maxNumberLen+1)
		s := d.Parse(url.Values{"user.data.n": {long}})
		if got := errorText(d, s, "user.data.n"); got != "This number is too long: use at most 64 characters." {
			t.Errorf("%s: too many digits: %q", ff.Control, got)
		}
	}
}

// TestNumberMessageDescribesSyntax: in every language the message names the
// minus sign and the decimal point with examples, rules out exponents, and
// no longer claims "digits only".
func TestNumberMessageDescribesSyntax(t *testing.T) {
	c := catalog(t, nil)
	d := mustDef(t, []fusionauth.FormField{fld("registration.data.maxprice", "number", "number")})
	s := d.Parse(url.Values{"registration.data.maxprice": {"1e3"}})
	for lang, want := range map[string][]string{
		"en": {"Enter a number", "350000", "-12.5", "minus", "decimal point", "exponents"},
		"de": {"Zahl", "350000", "-12.5", "Minuszeichen", "Punkt", "Exponenten"},
		"fr": {"nombre", "350000", "-12.5", "signe moins", "point décimal", "exposant"},
	} {
		msg := errorIn(t, d, s, "registration.data.maxprice", c.Lookup(lang))
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: message %q lacks %q", lang, msg, w)
			}
		}
		for _, bad := range []string{"digits only", "nur Ziffern und Punkt", "chiffres et point uniquement"} {
			if strings.Contains(msg, bad) {
				t.Errorf("%s: message %q still says %q", lang, msg, bad)
			}
		}
	}
}

// TestStoredExponentShownPlain: a number stored with an exponent (by the
// API) is shown in plain decimal, which the field takes back; an untouched
// save sends nothing. One whose plain form is too long is read-only.
func TestStoredExponentShownPlain(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{
		fld("user.data.a", "number", "number"), fld("user.data.b", "text", "number"), fld("user.data.c", "number", "string"),
		fld("user.firstName", "text", ""),
	})
	for stored, shown := range map[string]string{
		`1e2`: "100", `1.0E23`: "100000000000000000000000", `-1.5e-3`: "-0.0015", `0e5`: "0", `"2.5E1"`: "25", `12.50`: "12.50",
	} {
		rec := userRec(t, `{"firstName":"A","data":{"a":`+stored+`,"b":`+stored+`,"c":`+stored+`}}`)
		v := d.View(rec, nil)
		for _, k := range []string{"user.data.a", "user.data.b", "user.data.c"} {
			if fv := fieldView(t, v, k); fv.ReadOnly || fv.Value != shown {
				t.Errorf("%s stored %s: shown %q (read-only %v), want %q", k, stored, fv.Value, fv.ReadOnly, shown)
			}
		}
		s := d.Parse(browserPost(v))
		if !s.OK() {
			t.Errorf("stored %s: untouched page rejected: %v", stored, s.Errors)
			continue
		}
		if p, conflicts := d.Changes(s, rec); !p.Empty() || len(conflicts) > 0 {
			t.Errorf("stored %s: untouched page sends %s %v", stored, jsonOf(t, p), conflicts)
		}
	}
	rec := userRec(t, `{"firstName":"A","data":{"a":1e300}}`)
	if fv := fieldView(t, d.View(rec, nil), "user.data.a"); !fv.ReadOnly {
		t.Errorf("1e300 is editable as %q", fv.Value)
	}
}

// TestNumberOptionsMayUseExponent: an administrator's number option "1e3"
// keeps working (nobody types it).
func TestNumberOptionsMayUseExponent(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{fld("user.data.level", "select", "number", opts("1e3", "2"))})
	if p := d.Problems(); len(p) > 0 {
		t.Fatalf("problems %v", p)
	}
	s := d.Parse(url.Values{"user.data.level": {"1e3"}})
	if got := s.Values["user.data.level"]; got != json.Number("1e3") {
		t.Errorf("option 1e3 stored as %#v (%v)", got, s.Errors)
	}
}

// TestBigNumberKeepsDigits: 99999999999999999999999 goes into the patch
// with every digit, never as 1e+23.
func TestBigNumberKeepsDigits(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{fld("registration.data.maxprice", "number", "number"), fld("user.data.n", "text", "number")})
	s := d.Parse(url.Values{"registration.data.maxprice": {"99999999999999999999999"}, "user.data.n": {"-99999999999999999999999.5"}})
	rec := userRec(t, `{"registrations":[{"applicationId":"app-1","data":{}}]}`)
	p, _ := d.Changes(s, rec)
	if got := jsonOf(t, p.Registration); got != `{"data":{"maxprice":99999999999999999999999}}` {
		t.Errorf("registration patch %s", got)
	}
	if got := jsonOf(t, p.User); got != `{"data":{"n":-99999999999999999999999.5}}` {
		t.Errorf("user patch %s", got)
	}
}

// TestTooLongStatesLimit: the too-long message says the maximum, with the
// digits grouped the language's way, and the limit counts characters as
// the message says (not bytes).
func TestTooLongStatesLimit(t *testing.T) {
	c := catalog(t, nil)
	d := mustDef(t, []fusionauth.FormField{fld("user.data.bio", "textarea", "string")})
	s := d.Parse(url.Values{"user.data.bio": {strings.Repeat("x", maxValueLen+1)}})
	for lang, want := range map[string]string{
		"en": "This is too long: use at most 16,384 characters.",
		"de": "Das ist zu lang: Verwenden Sie höchstens 16.384 Zeichen.",
		"fr": "C'est trop long : utilisez au plus 16\u202f384 caractères.",
	} {
		if got := errorIn(t, d, s, "user.data.bio", c.Lookup(lang)); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	if s := d.Parse(url.Values{"user.data.bio": {strings.Repeat("é", maxValueLen)}}); !s.OK() {
		t.Errorf("16,384 two-byte characters refused: %v", s.Errors)
	}
	if s := d.Parse(url.Values{"user.data.bio": {strings.Repeat("é", maxValueLen+1)}}); s.Errors["user.data.bio"] != "form.error.toolong" {
		t.Errorf("16,385 characters: %v", s.Errors)
	}
}

// TestRejectedByLocalizes: FusionAuth's field errors with known codes are
// shown in the user's language; the admin's theme message for the exact
// code comes first; unknown codes show FusionAuth's text.
func TestRejectedByLocalizes(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{
		fld("user.email", "text", "email"), fld("registration.data.minprice", "number", "number"),
		fld("user.data.nick", "text", "string"), fld("user.data.code", "text", "string"),
	})
	post := url.Values{"user.email": {"taken@example.com"}, "registration.data.minprice": {"5"}, "user.data.nick": {"x"}, "user.data.code": {"y"}}
	s := d.Parse(post)
	for _, c := range []struct{ key, code, msg string }{
		{"user.email", "[duplicate]user.email", "A User with email = [taken@example.com] already exists."},
		{"registration.data.minprice", "[invalid]registration.data.minprice", "Bad number"},
		{"user.data.nick", "[tooLong]user.data.nick", "too long"},
		{"user.data.code", "[somethingNew]user.data.code", "FusionAuth says no"},
	} {
		shown, known := d.RejectedBy(s, c.key, c.code, c.msg)
		if !shown || known == (c.code == "[somethingNew]user.data.code") {
			t.Errorf("%s: shown %v known %v", c.code, shown, known)
		}
	}
	if shown, _ := d.RejectedBy(s, "user.data.unknown", "[blank]user.data.unknown", "x"); shown {
		t.Error("error for a key not on the form recorded")
	}
	de := catalog(t, nil).Lookup("de")
	want := map[string]string{
		"user.email":                 "E-Mail wird bereits von einem anderen Konto verwendet. Geben Sie einen anderen Wert ein.",
		"registration.data.minprice": "Geben Sie eine Zahl ein",
		"user.data.nick":             "FusionAuth akzeptiert keinen so langen Wert.",
		"user.data.code":             "FusionAuth says no",
	}
	for k, w := range want {
		if got := errorIn(t, d, s, k, de); !strings.HasPrefix(got, w) {
			t.Errorf("de %s: %q, want %q", k, got, w)
		}
	}
	if got := errorIn(t, d, s, "user.email", nil); got != "Email is already used by another account. Enter a different one." {
		t.Errorf("en duplicate: %q", got)
	}
	if got := errorIn(t, d, s, "user.email", catalog(t, nil).Lookup("fr")); !strings.Contains(got, "déjà utilisée par un autre compte") {
		t.Errorf("fr duplicate: %q", got)
	}
	// The admin's theme message for the exact code wins.
	admin := catalog(t, map[string]string{"[duplicate]user.email": "Diese Adresse ist vergeben.", "[somethingNew]": "Custom text"})
	if got := errorIn(t, d, s, "user.email", admin.Lookup("de")); got != "Diese Adresse ist vergeben." {
		t.Errorf("admin message: %q", got)
	}
	if got := errorIn(t, d, s, "user.data.code", admin.Lookup("de")); got != "Custom text" {
		t.Errorf("admin message for unknown code: %q", got)
	}
}
