package web

import (
	"net/url"
	"strings"
	"testing"
)

// Input kept across a re-sign-in never holds passwords (nor their confirm
// fields) or the old CSRF token; everything else is kept as typed.
func TestWithoutSecrets(t *testing.T) {
	in := url.Values{
		"csrf_token":               {"tok"},
		"user.password":            {"hunter2"},
		"confirm.user.password":    {"hunter2"},
		"user.data.pin":            {"1234"},
		"registration.data.area":   {"Zürich", "山田"},
		"form.snapshot":            {"snap"},
		"confirm.user.email":       {"a@example.com"},
		"registration.data.empty ": {""},
	}
	isPassword := func(k string) bool {
		k = strings.TrimPrefix(k, "confirm.")
		return k == "user.password" || k == "user.data.pin"
	}
	out := withoutSecrets(in, isPassword)
	for _, k := range []string{"csrf_token", "user.password", "confirm.user.password", "user.data.pin"} {
		if _, ok := out[k]; ok {
			t.Errorf("kept %s", k)
		}
	}
	for _, k := range []string{"registration.data.area", "form.snapshot", "confirm.user.email", "registration.data.empty "} {
		if strings.Join(out[k], "|") != strings.Join(in[k], "|") {
			t.Errorf("%s = %q, want %q", k, out[k], in[k])
		}
	}
}

func TestBrowserBindingValues(t *testing.T) {
	v := randomToken()
	if !validBinding(v) {
		t.Fatalf("randomToken %q is not a valid binding", v)
	}
	for _, bad := range []string{"", "short", v + "x", v[:31] + ".", strings.Repeat("é", 16)} {
		if validBinding(bad) {
			t.Errorf("validBinding(%q) = true", bad)
		}
	}
	if hashBinding(v) == v || hashBinding(v) != hashBinding(v) || hashBinding(v) == hashBinding(randomToken()) {
		t.Error("hashBinding is not a stable one-way digest")
	}
}
