package form

import (
	"fmt"
	"strings"
	"testing"

	"portal/internal/fusionauth"
)

// TestValidatorJavaSemantics: validators are Java regexes (String.matches).
// \d, \w, \s and POSIX classes are ASCII in Java; . stops at every line
// terminator; a pattern Java cannot compile rejects values instead of
// matching part of them.
func TestValidatorJavaSemantics(t *testing.T) {
	tests := []struct {
		expr   string
		accept []string
		reject []string
	}{
		{`^\d+$`, []string{"123"}, []string{"١٢٣", "１２３", "12a"}},
		{`\w+`, []string{"abc_1"}, []string{"é", "١"}},
		{`[\w-]+`, []string{"a-b"}, []string{"ä-b"}},
		{`a\sb`, []string{"a b"}, []string{"a\u00a0b", "a\u3000b"}},
		{`\S+`, []string{"a\u00a0b"}, []string{"a b"}},
		{`[^\d]+`, []string{"١٢٣", "abc"}, []string{"1"}},
		{`\D+`, []string{"١٢٣"}, []string{"1"}},
		{`\p{Alpha}+`, []string{"abcXYZ"}, []string{"é", "ab1"}},
		{`\p{Digit}{3}`, []string{"123"}, []string{"١٢٣"}},
		{`\p{Alnum}+`, []string{"a1"}, []string{"a_1"}},
		{`\p{Lower}\p{Upper}`, []string{"aB"}, []string{"Ab", "éÉ"}},
		{`\p{Punct}`, []string{"!", "~"}, []string{"a", "¡"}},
		{`\p{XDigit}+`, []string{"0fA"}, []string{"0g"}},
		{`\P{Digit}+`, []string{"abc"}, []string{"a1"}},
		{`[\p{Alpha}\d]+`, []string{"a1"}, []string{"é1"}},
		{`\p{javaLowerCase}+`, []string{"abc", "éa"}, []string{"A"}},
		{`\p{IsAlphabetic}+`, []string{"abcé"}, []string{"a1"}},
		{`\p{IsLatin}+`, []string{"abcé"}, []string{"aα"}},
		{`\p{L}+`, []string{"αβ"}, []string{"1"}},
		{`.+`, []string{"a b"}, []string{"a\u2028b", "a\u0085b"}},
		{`(?s).+`, []string{"a\u2028b"}, nil},
		{`[.]+`, []string{"..."}, []string{"a"}},
		{`^(?!http).+$`, []string{"example.com"}, []string{"http://x", "https://x"}},
		{`a++b`, []string{"aab"}, []string{"aa"}},
		{`\Qa.b\E`, []string{"a.b"}, []string{"axb"}},
		// Unbalanced: Java throws PatternSyntaxException; never a prefix match.
		{`a)|(b`, nil, []string{"a", "abc", "b", "xb"}},
		{`[a-z]+)|(?:x`, nil, []string{"abc", "abc!!", "x"}},
		{`\p{Nonsense}`, nil, []string{"a"}},
	}
	for _, tc := range tests {
		d := mustDef(t, []fusionauth.FormField{fld("user.data.v", "text", "string", validator(tc.expr))})
		for _, in := range tc.accept {
			s := d.Parse(map[string][]string{"user.data.v": {in}})
			if !s.OK() {
				t.Errorf("%q: %q rejected: %v", tc.expr, in, s.Errors)
			}
		}
		for _, in := range tc.reject {
			s := d.Parse(map[string][]string{"user.data.v": {in}})
			if s.OK() {
				t.Errorf("%q: %q accepted", tc.expr, in)
			}
		}
	}
}

// TestKeySpellingsAreOnePath: user['password'], user["email"] and
// user.data['a'] name the same JSON properties as their dotted spellings,
// so the same rules apply and one property is never two fields.
func TestKeySpellingsAreOnePath(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{
		fld("user['password']", "text", "string"),
		fld(`user["email"]`, "text", "string"),
		fld("user.data.a", "text", "string"),
		fld("user.data['a']", "text", "string"),
		fld("user['birthDate']", "text", "string"),
	})
	rec := userRec(t, `{"email":"a@b.co","birthDate":"1990-01-01","data":{"a":"x"}}`)
	v := d.View(rec, nil)
	for _, s := range v.Sections {
		for _, f := range s.Fields {
			if f.Key == "user['password']" {
				t.Errorf("password field on the profile: %+v", f)
			}
		}
	}
	post := browserPost(v)
	post.Set("user['password']", "secret123")
	post.Set(`user["email"]`, "not an email")
	post.Set("user['birthDate']", "1990-02-30")
	post.Set("user.data.a", "one")
	post.Set("user.data['a']", "two")
	s := d.Parse(post)
	if _, ok := s.Values["user['password']"]; ok {
		t.Errorf("password parsed on the profile")
	}
	if s.Errors[`user["email"]`] == "" || s.Errors["user['birthDate']"] == "" {
		t.Errorf("managed types not applied: %v", s.Errors)
	}
	if fv := fieldView(t, v, "user.data['a']"); !fv.ReadOnly {
		t.Errorf("second spelling of user.data.a editable")
	}
	delete(s.Errors, `user["email"]`)
	delete(s.Errors, "user['birthDate']")
	if p, _ := d.Changes(s, rec); jsonOf(t, p.User) != `{"data":{"a":"one"}}` {
		t.Errorf("patch %s", jsonOf(t, p))
	}
}

// TestOverlappingKeys: user.data.a and user.data.a.b cannot both hold a
// value; the later field is read-only (and reported), so a save never
// silently drops one of them.
func TestOverlappingKeys(t *testing.T) {
	for _, order := range [][2]string{{"user.data.a", "user.data.a.b"}, {"user.data.a.b", "user.data.a"}} {
		d := mustDef(t, []fusionauth.FormField{
			fld(order[0], "text", "string"),
			fld(order[1], "text", "string"),
			fld("user.data.ab", "text", "string"), // a prefix as text, not as a path
		})
		if fv := fieldView(t, d.View(userRec(t, `{}`), nil), order[1]); !fv.ReadOnly {
			t.Errorf("%v: later overlapping key editable", order)
		}
		if fv := fieldView(t, d.View(userRec(t, `{}`), nil), "user.data.ab"); fv.ReadOnly {
			t.Errorf("user.data.ab read-only")
		}
		if !strings.Contains(strings.Join(d.Problems(), "\n"), order[1]) {
			t.Errorf("%v: overlap not reported: %v", order, d.Problems())
		}
		s := d.Parse(map[string][]string{order[0]: {"x"}, order[1]: {"y"}, "user.data.ab": {"z"}})
		p, _ := d.Changes(s, userRec(t, `{}`))
		want := map[string]string{"user.data.a": `{"data":{"a":"x","ab":"z"}}`, "user.data.a.b": `{"data":{"a":{"b":"x"},"ab":"z"}}`}[order[0]]
		if got := jsonOf(t, p.User); got != want {
			t.Errorf("%v: patch %s, want %s", order, got, want)
		}
	}
}

// TestStoredValuesParseWouldRefuse: a stored value the page can show but
// that Parse would refuse when posted back untouched would block every
// save; such a field is read-only for that record, the rest still saves.
func TestStoredValuesParseWouldRefuse(t *testing.T) {
	long := strings.Repeat("x", maxValueLen+1)
	digits := strings.Repeat("9", 70)
	langs := `["en","fr","de","es","it","pt","nl","sv","da","fi","nb","pl","cs","sk","hu","ro","bg","el","tr","ru","uk"]`
	tests := []struct {
		field  fusionauth.FormField
		stored string
	}{
		{fld("user.data.bio", "textarea", "string"), `"` + long + `"`},
		{fld("user.data.name", "text", "string"), `"` + long + `"`},
		{fld("user.data.n", "number", "number"), digits},
		{fld("user.data.n", "text", "number"), digits},
		{fld("user.data.n", "number", "string"), `"` + digits + `"`},
		{fld("user.data.n", "number", "number"), `1e400`},
		{fld("user.data.n", "number", "number"), `1e-400`},
		{fld("user.data.n", "radio", "number", opts("1", "2")), `1e-400`},
		{fld("user.preferredLanguages", "select", ""), langs},
	}
	for _, tc := range tests {
		d := mustDef(t, []fusionauth.FormField{tc.field, fld("user.firstName", "text", "")})
		k := tc.field.Key
		path := strings.TrimPrefix(k, "user.")
		js := `{"firstName":"A",` + nest(path, tc.stored) + `}`
		rec := userRec(t, js)
		v := d.View(rec, nil)
		post := browserPost(v)
		post.Set("user.firstName", "B")
		s := d.Parse(post)
		if !s.OK() {
			t.Errorf("%s=%.40s: untouched value blocks the save: %v", k, tc.stored, s.Errors)
			continue
		}
		p, conflicts := d.Changes(s, rec)
		if got := jsonOf(t, p.User); got != `{"firstName":"B"}` || len(conflicts) > 0 {
			t.Errorf("%s: patch %s conflicts %v", k, got, conflicts)
		}
	}
}

// TestElementIDsUnique: keys may contain dashes, so a key must not be able
// to spell another field's option, error or description id
// (user.data.a option 0 vs key user.data.a-o0; user.data.a-err).
func TestElementIDsUnique(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{
		fld("user.data.a", "radio", "string", opts("x", "y"), func(f *fusionauth.FormField) { f.Description = "d" }, confirm),
		fld("user.data.a-o0", "text", "string"),
		fld("user.data.a-err", "text", "string"),
		fld("user.data.a-desc", "text", "string", confirm),
		fld("user.data.a-desc-err", "text", "string"),
		fld("user.data.b", "text", "string", confirm),
		fld("user.data.c-b", "text", "string"),
	})
	v := d.ViewSubmission(d.Parse(map[string][]string{"user.data.a": {"z"}, "user.data.a-o0": {"\x00"},
		"user.data.a-err": {"\x00"}, "user.data.a-desc": {"\x00"}, "user.data.b": {"q"}}), nil)
	seen := map[string]string{}
	add := func(id, what string) {
		if id == "" {
			return
		}
		if prev, dup := seen[id]; dup {
			t.Errorf("id %q used by %s and %s", id, prev, what)
		}
		seen[id] = what
	}
	for _, s := range v.Sections {
		for _, f := range s.Fields {
			add(f.ID, f.Key)
			add(f.ErrID, f.Key+" error")
			add(f.DescID, f.Key+" description")
			add(f.ConfirmID, f.Key+" confirm")
			add(f.ConfirmErrID, f.Key+" confirm error")
			for _, o := range f.Options {
				add(o.ID, f.Key+" option "+o.Value)
			}
		}
	}
	html := render(t, v)
	if n := strings.Count(html, `id="f-user_2edata_2ea-o0"`); n > 1 {
		t.Errorf("duplicate id in page (%d)", n)
	}
}

// TestTimezoneAndEmailEdges: only IANA zone names (every segment starts
// with a capital: no "./UTC", "right/UTC", "posixrules"), and no control
// or Unicode space characters in email addresses.
func TestTimezoneAndEmailEdges(t *testing.T) {
	for _, z := range []string{"UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "Etc/GMT-14", "America/Port-au-Prince", "EST5EDT", "Pacific/Kiritimati"} {
		if !validTimezone(z) {
			t.Errorf("%q refused", z)
		}
	}
	for _, z := range []string{"./UTC", "UTC/", "/UTC", "right/UTC", "posix/UTC", "posixrules", "zone.tab", "zone1970.tab", "America//Denver", "america/denver", "Local", "", " UTC", "UTC "} {
		if validTimezone(z) {
			t.Errorf("%q accepted", z)
		}
	}
	for _, e := range []string{"a\x01@example.com", "a@exa\x7fmple.com", "a\u00a0b@example.com", "a\u2028@example.com", "a@example.com\u200b"} {
		if validEmail(e) {
			t.Errorf("%q accepted", e)
		}
	}
	if !validEmail("zoë@exämple.com") {
		t.Errorf("non-ASCII address refused")
	}
}

// TestEveryControlTypeStoredValue: every control × every data type, with
// and without options, against awkward stored values. Each field is either
// read-only for the record, or an untouched page is accepted and sends
// nothing (the stored JSON stays byte-for-byte as it is).
func TestEveryControlTypeStoredValue(t *testing.T) {
	controls := []string{"checkbox", "number", "password", "radio", "select", "textarea", "text", "slider", ""}
	types := []string{"bool", "consent", "date", "email", "number", "phoneNumber", "string", "money", ""}
	optionsFor := map[string][]string{
		"bool": {"true", "false"}, "date": {"2024-02-29", "1970-01-01"}, "email": {"a@b.co", "c@d.co"},
		"number": {"1", "2.50", "9007199254740993"}, "phoneNumber": {"+1 303 555 1212", "12345"},
		"string": {"Golf, mini", "Football", " spaced ", "١٢٣"},
	}
	stored := []string{
		`null`, `""`, `"  "`, `"x"`, `"  x  "`, `"a\r\nb"`, `"a\u2028b"`, `"١٢٣"`, `"１２３"`, `0`, `-0`, `0.10`, `-0.0e5`,
		`9007199254740993`, `"9007199254740993"`, `1e308`, `1e400`, `1e-400`, `123456789012345678901234567890123456789012345678901234567890123456789`,
		`true`, `false`, `"true"`, `"FALSE"`, `"2024-02-29"`, `"2023-02-29"`, `"2024-02-29T00:00:00Z"`, `"a@b.co"`, `"+1 303 555 1212"`,
		`[]`, `["Golf, mini"]`, `["Golf, mini","Golf, mini"]`, `[1]`, `[null]`, `{}`, `{"a":1}`, `"Golf, mini"`, `" spaced "`, `2.5`, `"2.5"`,
		`"` + strings.Repeat("é", maxValueLen) + `"`,
	}
	var fields []fusionauth.FormField
	for _, c := range controls {
		for _, ty := range types {
			for _, o := range [][]string{nil, optionsFor[ty]} {
				if o == nil && len(fields) > 0 && fields[len(fields)-1].Control == c && fields[len(fields)-1].Type == ty {
					continue
				}
				k := fmt.Sprintf("user.data.f%d", len(fields))
				fields = append(fields, fld(k, c, ty, opts(o...)))
			}
		}
	}
	d := mustDef(t, fields)
	for _, js := range stored {
		var b strings.Builder
		b.WriteString(`{"data":{`)
		for i, f := range fields {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%q:%s", strings.TrimPrefix(f.Key, "user.data."), js)
		}
		b.WriteString(`}}`)
		rec := userRec(t, b.String())
		view := d.View(rec, nil)
		s := d.Parse(browserPost(view))
		for _, f := range fields {
			if fieldView(t, view, f.Key).ReadOnly {
				continue
			}
			if msg, bad := s.Errors[f.Key]; bad && msg != "form.error.email" && msg != "form.error.phone" {
				t.Errorf("%s (%s/%s) stored %.40s: untouched page rejected: %s", f.Key, f.Control, f.Type, js, msg)
			}
		}
		for k := range s.Errors {
			delete(s.Values, k)
		}
		p, conflicts := d.Changes(s, rec)
		if !p.Empty() || len(conflicts) > 0 {
			t.Errorf("stored %.40s: untouched page sends %.300s (conflicts %v)", js, jsonOf(t, p), conflicts)
		}
	}
}

// allCombos is every control × data type, with and without options, as
// user.data.f<i> fields.
func allCombos() []fusionauth.FormField {
	controls := []string{"checkbox", "number", "password", "radio", "select", "textarea", "text"}
	types := []string{"bool", "date", "email", "number", "phoneNumber", "string"}
	optionsFor := map[string][]string{
		"bool": {"true", "false"}, "date": {"2024-02-29", "1970-01-01"}, "email": {"a@b.co", "c@d.co"},
		"number": {"1", "2.50", "9007199254740993"}, "phoneNumber": {"+1 303 555 1212", "12345"},
		"string": {"Golf, mini", "Football", " spaced ", "١٢٣"},
	}
	var fields []fusionauth.FormField
	for _, c := range controls {
		for _, ty := range types {
			for i, o := range [][]string{nil, optionsFor[ty]} {
				if i == 0 && (c == "radio" || c == "select") || i == 1 && (c == "password" || c == "number" || c == "text" || c == "textarea") {
					continue
				}
				fields = append(fields, fld(fmt.Sprintf("user.data.f%d", len(fields)), c, ty, opts(o...)))
			}
		}
	}
	return fields
}

// TestEveryControlTypeTypedValue: hostile typed values against every
// control × type. Whatever Parse accepts is saved, shown editable again,
// and an untouched page then sends nothing; nothing panics.
func TestEveryControlTypeTypedValue(t *testing.T) {
	fields := allCombos()
	d := mustDef(t, fields)
	rec0 := userRec(t, `{"data":{}}`)
	values := []string{
		"", "   ", "\u00a0", "x", " x ", "١٢٣", "１２３", "-0", "+007", ".5", "1e400", "1e-400", "NaN", "Infinity", "0x10", "1,000",
		"9007199254740993", "9007199254740993.000000000000001", "true", "True", " true ", "on", "2024-02-29", " 2024-02-29 ",
		"2023-02-29", "2024-02-29T00:00:00Z", "24-02-29", "a@b.co", " a@b.co ", "a@b", "+1 (303) 555-1212", "123",
		"Golf, mini", "Golf", " spaced ", "spaced", "x\x00y", "bad\xff", "a\r\nb", "a\u2028b", strings.Repeat("é", 9000),
	}
	for _, f := range fields {
		if fieldView(t, d.View(rec0, nil), f.Key).ReadOnly {
			continue
		}
		for _, v := range values {
			post := browserPost(d.View(rec0, nil))
			post.Set(f.Key, v)
			s := d.Parse(post)
			got, ok := s.Values[f.Key]
			if !ok {
				if s.Errors[f.Key] == "" && f.Control != "password" {
					t.Errorf("%s (%s/%s): %q neither accepted nor refused", f.Key, f.Control, f.Type, v)
				}
				continue
			}
			p, conflicts := d.Changes(s, rec0)
			if len(conflicts) > 0 {
				t.Fatalf("%s: %q: conflicts %v", f.Key, v, conflicts)
			}
			rec1 := applyPatch(t, rec0, p)
			view := d.View(rec1, nil)
			if fv := fieldView(t, view, f.Key); fv.ReadOnly {
				t.Errorf("%s (%s/%s): %q (saved as %v) made the field read-only (%s)", f.Key, f.Control, f.Type, v, got, fv.Reason)
				continue
			}
			again := d.Parse(browserPost(view))
			if !again.OK() {
				t.Errorf("%s (%s/%s): %q saved, then the untouched page has errors %v", f.Key, f.Control, f.Type, v, again.Errors)
				continue
			}
			if p2, _ := d.Changes(again, rec1); !p2.Empty() {
				t.Errorf("%s (%s/%s): %q saved, then the untouched page sends %s", f.Key, f.Control, f.Type, v, jsonOf(t, p2))
			}
		}
	}
}

// FuzzJavaRegex: translating and compiling any validator never panics,
// and a compiled one never matches more than the whole value.
func FuzzJavaRegex(f *testing.F) {
	for _, s := range []string{`^\d+$`, `[\p{Alpha}\d]+`, `\Qa.b`, `a)|(b`, `\p{`, `\pL`, `(?s).`, `[^\D]`, `\`, `[\`, `(?x)#[`, `[]]`, `\p{IsAlphabetic}`} {
		f.Add(s, "abc")
	}
	f.Fuzz(func(t *testing.T, expr, in string) {
		re, err := compileJava(expr)
		if err != nil || len(in) > 200 {
			return
		}
		_, _ = re.MatchString(in)
	})
}
