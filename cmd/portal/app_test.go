package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portal/internal/app"
	"portal/internal/config"
)

// TestMessagesFileLabelsTheForm: PORTAL_MESSAGES_FILE (FusionAuth's theme
// message format) relabels form fields, per language, without a code change.
func TestMessagesFileLabelsTheForm(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("messages.properties", "registration.data.minprice=Lowest price you would pay\n")
	write("messages_de.properties", "registration.data.minprice=Niedrigster Preis\n")
	h := newHarness(t, map[string]string{"PORTAL_MESSAGES_FILE": filepath.Join(dir, "messages.properties")})
	c := h.browser()
	h.login(c, demoEmail, demoPassword)

	for lang, want := range map[string]string{"en": "Lowest price you would pay", "de": "Niedrigster Preis", "fr": "Lowest price you would pay"} {
		req, _ := http.NewRequest(http.MethodGet, h.portalURL+"/", nil)
		req.Header.Set("Accept-Language", lang)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readBody(t, resp)
		if !strings.Contains(body, want) {
			t.Errorf("Accept-Language %s: profile lacks the label %q", lang, want)
		}
		if strings.Contains(body, ">Minimum price") {
			t.Errorf("Accept-Language %s: the form's own label is still shown", lang)
		}
	}
}

// TestBadMessagesFileStopsStartUp: a malformed messages file is reported
// with the variable, the file and the line, before anything starts.
func TestBadMessagesFileStopsStartUp(t *testing.T) {
	f := filepath.Join(t.TempDir(), "messages.properties")
	if err := os.WriteFile(f, []byte("ok=1\nno separator here\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(func(k string) string {
		return map[string]string{
			"PORTAL_PUBLIC_URL": "http://localhost:8080", "FUSIONAUTH_ISSUER": "http://127.0.0.1:1",
			"FUSIONAUTH_CLIENT_ID": "app", "FUSIONAUTH_CLIENT_SECRET": "s", "PORTAL_MESSAGES_FILE": f,
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = app.New(t.Context(), cfg, nil, app.Options{})
	if err == nil || !strings.Contains(err.Error(), "PORTAL_MESSAGES_FILE") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("got %v", err)
	}
}

// TestIDTokenAlgsReachAuth: the setting is what sign-in verifies with.
func TestIDTokenAlgsReachAuth(t *testing.T) {
	public, _ := url.Parse("http://localhost:8080")
	cfg := &config.Config{PublicURL: public, IDTokenAlgs: []string{"HS256"}}
	if got := app.AuthConfig(cfg, http.DefaultClient, nil).AllowedAlgs; len(got) != 1 || got[0] != "HS256" {
		t.Errorf("AllowedAlgs = %v", got)
	}
}
