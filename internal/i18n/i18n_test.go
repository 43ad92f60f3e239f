package i18n

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

func mustNew(t *testing.T, extra map[string]string) *Catalog {
	t.Helper()
	c, err := New(extra)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTranslationsComplete fails when a built-in language lacks an English
// key, has a key English does not, or uses different placeholders.
func TestTranslationsComplete(t *testing.T) {
	base, err := loadBuiltin()
	if err != nil {
		t.Fatal(err)
	}
	en := base["en"]
	if len(en) < 150 {
		t.Fatalf("English catalog has only %d keys", len(en))
	}
	for _, lang := range []string{"de", "fr"} {
		if _, ok := base[lang]; !ok {
			t.Fatalf("no %s catalog", lang)
		}
	}
	for lang, m := range base {
		if lang == "en" {
			continue
		}
		t.Run(lang, func(t *testing.T) {
			for _, k := range sortedKeys(en) {
				v, ok := m[k]
				if !ok {
					t.Errorf("%s.properties lacks %q (English: %q)", lang, k, en[k])
					continue
				}
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s.properties: %q is empty", lang, k)
				}
				if a, b := sortedInts(placeholders(en[k])), sortedInts(placeholders(v)); !slices.Equal(a, b) {
					t.Errorf("%s.properties: %q has placeholders %v, English has %v", lang, k, b, a)
				}
			}
			for _, k := range sortedKeys(m) {
				if _, ok := en[k]; !ok {
					t.Errorf("%s.properties has %q, which en.properties does not", lang, k)
				}
			}
		})
	}
}

func TestT(t *testing.T) {
	c := mustNew(t, nil)
	en, de := c.Lookup("en"), c.Lookup("de")
	if got := en.T("profile.save"); got != "Save changes" {
		t.Errorf("en profile.save = %q", got)
	}
	if got := de.T("profile.save"); got != "Änderungen speichern" {
		t.Errorf("de profile.save = %q", got)
	}
	if got := de.T("form.error.required", "Höchstpreis"); got != "Höchstpreis ist ein Pflichtfeld." {
		t.Errorf("de required = %q", got)
	}
	if got := en.T("form.confirm.label", "Email"); got != "Confirm Email" {
		t.Errorf("en confirm = %q", got)
	}
	if got := en.T("form.choose"); got != "Choose…" {
		t.Errorf("\\u2026 escape in catalog: %q", got)
	}
	if got := en.T("no.such.key", 1); got != "no.such.key" {
		t.Errorf("missing key = %q, want the key", got)
	}
	if got := en.T("profile.conflicts.intro"); !strings.Contains(got, "opened this page. Your values") {
		t.Errorf("continuation line not joined with one space: %q", got)
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		msg  string
		args []any
		want string
	}{
		{"{0} is required.", []any{"Name"}, "Name is required."},
		{"{1} before {0}", []any{"a", "b"}, "b before a"},
		{"{0} and {0}", []any{7}, "7 and 7"},
		{"missing {1}", []any{"x"}, "missing {1}"},
		{"not a placeholder {name} {}", []any{"x"}, "not a placeholder {name} {}"},
		{"signs {-0} {+0}", []any{"x"}, "signs {-0} {+0}"},
		{"unclosed {0", []any{"x"}, "unclosed {0"},
		{"no args {0}", nil, "no args {0}"},
		{"{0}{1}", []any{1, 2.5}, "12.5"},
	}
	for _, tt := range tests {
		if got := format(tt.msg, tt.args); got != tt.want {
			t.Errorf("format(%q, %v) = %q, want %q", tt.msg, tt.args, got, tt.want)
		}
	}
}

// TestFallbackOrder checks admin localized > built-in language > admin
// default > built-in English > key.
func TestFallbackOrder(t *testing.T) {
	extra := map[string]string{
		"registration.data.minprice": "Minimum price",
		"user.firstName":             "Given name",
		"profile.save":               "Update profile",
	}
	localized := map[string]map[string]string{
		"DE": {"registration.data.maxprice": "Höchstpreis"},
		"pt": {"profile.save": "Salvar"},
	}
	c, err := NewLocalized(extra, localized)
	if err != nil {
		t.Fatal(err)
	}
	en, de, pt := c.Lookup("en"), c.Lookup("de"), c.Lookup("pt")
	checks := []struct {
		l         *Localizer
		key, want string
	}{
		{en, "profile.save", "Update profile"},              // admin default over built-in English
		{de, "profile.save", "Änderungen speichern"},        // built-in German over admin default
		{pt, "profile.save", "Salvar"},                      // admin-only language
		{pt, "logout.cancel", "Cancel"},                     // admin-only language falls back to English
		{de, "registration.data.minprice", "Minimum price"}, // admin default for a custom field
		{de, "registration.data.maxprice", "Höchstpreis"},   // admin localized (code case-insensitive)
		{de, "user.firstName", "Vorname"},                   // built-in German managed-field label
		{en, "user.firstName", "Given name"},                // admin default over built-in English
		{en, "registration.data.maxprice", "fallback"},      // nowhere: the fallback
	}
	for _, ck := range checks {
		if got := ck.l.Field(ck.key, "fallback"); got != ck.want {
			t.Errorf("%s Field(%q) = %q, want %q", ck.l.Lang(), ck.key, got, ck.want)
		}
	}
	if got := c.Languages(); !reflect.DeepEqual(got, []string{"de", "en", "fr", "pt"}) {
		t.Errorf("Languages() = %v", got)
	}
}

func TestFieldHelpers(t *testing.T) {
	extra, err := ParseProperties(strings.NewReader(`
registration.data.geographicarea=Area
{placeholder}registration.data.minprice=e.g. 250000
{tooltip}registration.data.minprice=The lowest price you would pay
Denver=Denver, Colorado
[blank]registration.data.minprice=Tell us your minimum price
[invalid]=That is not valid: {0}
`))
	if err != nil {
		t.Fatal(err)
	}
	l := mustNew(t, extra).Negotiate("de-CH")
	if got := l.Field("registration.data.geographicarea", "Geographic area"); got != "Area" {
		t.Errorf("Field = %q", got)
	}
	if got := l.FieldPlaceholder("registration.data.minprice"); got != "e.g. 250000" {
		t.Errorf("FieldPlaceholder = %q", got)
	}
	if got := l.FieldPlaceholder("registration.data.maxprice"); got != "" {
		t.Errorf("FieldPlaceholder for unknown = %q, want empty", got)
	}
	if got := l.FieldTooltip("registration.data.minprice"); got != "The lowest price you would pay" {
		t.Errorf("FieldTooltip = %q", got)
	}
	if got, want := l.Option("Denver"), "Denver, Colorado"; got != want {
		t.Errorf("Option(Denver) = %q", got)
	}
	if got := l.Option("Boulder"); got != "Boulder" {
		t.Errorf("Option without message = %q, want the value", got)
	}
	if got := l.FieldError("blank", "registration.data.minprice", "own"); got != "Tell us your minimum price" {
		t.Errorf("FieldError specific = %q", got)
	}
	if got := l.FieldError("invalid", "registration.data.maxprice", "own", "12abc"); got != "That is not valid: 12abc" {
		t.Errorf("FieldError generic = %q", got)
	}
	if got := l.FieldError("blank", "registration.data.maxprice", "own"); got != "own" {
		t.Errorf("FieldError fallback = %q", got)
	}
}

func TestNilLocalizerIsEnglish(t *testing.T) {
	var l *Localizer
	if l.Lang() != "en" || l.T("nav.signout") != "Sign out" || l.Field("user.email", "x") != "Email" || l.Option("a") != "a" {
		t.Errorf("nil Localizer: lang %q, T %q", l.Lang(), l.T("nav.signout"))
	}
}

func TestNewRejectsBadAdminMessages(t *testing.T) {
	if _, err := New(map[string]string{"": "x"}); err == nil {
		t.Error("empty key accepted")
	}
	if _, err := New(map[string]string{"k": "\xff"}); err == nil {
		t.Error("invalid UTF-8 accepted")
	}
	if _, err := NewLocalized(nil, map[string]map[string]string{"d-e": {}}); err == nil {
		t.Error("bad language code accepted")
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedInts(s []int) []int {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

func TestCustomIsAdminOnly(t *testing.T) {
	c, err := NewLocalized(map[string]string{"registration.data.minprice": "Minimum"},
		map[string]map[string]string{"de": {"registration.data.minprice": "Mindestpreis"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := c.Lookup("de").Custom("registration.data.minprice"); !ok || got != "Mindestpreis" {
		t.Errorf("de Custom = %q %v", got, ok)
	}
	if got, ok := c.Lookup("fr").Custom("registration.data.minprice"); !ok || got != "Minimum" {
		t.Errorf("fr Custom = %q %v, want the admin default", got, ok)
	}
	if got, ok := c.Lookup("de").Custom("user.firstName"); ok {
		t.Errorf("Custom returned built-in text %q", got)
	}
	var nilL *Localizer
	if _, ok := nilL.Custom("user.firstName"); ok {
		t.Error("nil Localizer has custom messages")
	}
}
