package web

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"portal/internal/form"
	"portal/internal/fusionauth"
	"portal/internal/session"
)

// logRecords collects log records for assertions.
type logRecords struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (h *logRecords) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecords) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, r.Clone())
	return nil
}
func (h *logRecords) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *logRecords) WithGroup(string) slog.Handler      { return h }

// text is every record as "LEVEL message key=value ...".
func (h *logRecords) text() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b strings.Builder
	for _, r := range h.recs {
		b.WriteString(r.Level.String() + " " + r.Message)
		r.Attrs(func(a slog.Attr) bool {
			b.WriteString(" " + a.Key + "=" + a.Value.String())
			return true
		})
		b.WriteString("\n")
	}
	return b.String()
}

func newLoggedServer(t *testing.T) (*Server, *logRecords) {
	t.Helper()
	logs := &logRecords{}
	s, err := New(Options{
		Sessions:   session.NewManager(session.Options{Store: session.NewMemory()}),
		Auth:       fakeAuth{},
		FusionAuth: fakeFA{},
		Logger:     slog.New(logs),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, logs
}

// rejectSave runs a save FusionAuth answered with err, in language lang.
func rejectSave(t *testing.T, s *Server, lang string, err error) string {
	t.Helper()
	def, derr := form.NewDefinition(
		fusionauth.Form{ID: "f", Steps: []fusionauth.FormStep{{Fields: []string{"e", "n"}}}},
		[]fusionauth.FormField{
			{ID: "e", Key: "user.email", Control: "text", Type: "email", Required: true},
			{ID: "n", Key: "user.data.nick", Control: "text", Type: "string"},
		})
	if derr != nil {
		t.Fatal(derr)
	}
	sub := def.Parse(url.Values{"user.email": {"taken@example.com"}, "user.data.nick": {"Nicky"}})
	r := httptest.NewRequest(http.MethodPost, "/profile", nil)
	r.Header.Set("Accept-Language", lang)
	w := httptest.NewRecorder()
	s.saveFailedMsg(w, r, def, sub, nil, err, "")
	return html.UnescapeString(w.Body.String())
}

func duplicateEmail() error {
	return &fusionauth.APIError{Method: "PATCH", Path: "/api/user/u-1", Status: http.StatusBadRequest, Errors: fusionauth.Errors{
		FieldErrors: map[string][]fusionauth.ErrorItem{"user.email": {{
			Code: "[duplicate]user.email", Message: "A User with email = [taken@example.com] already exists.",
		}}},
	}}
}

// TestDuplicateEmailLocalized: FusionAuth's [duplicate]user.email shows the
// portal's message in the page's language at the field, not FusionAuth's
// English text.
func TestDuplicateEmailLocalized(t *testing.T) {
	s, _ := newLoggedServer(t)
	for lang, want := range map[string]string{
		"de": "E-Mail wird bereits von einem anderen Konto verwendet.",
		"fr": "est déjà utilisée par un autre compte",
		"en": "Email is already used by another account.",
	} {
		body := rejectSave(t, s, lang, duplicateEmail())
		if !strings.Contains(body, want) {
			t.Errorf("%s: page lacks %q", lang, want)
		}
		if strings.Contains(body, "already exists") {
			t.Errorf("%s: FusionAuth's English message shown", lang)
		}
	}
}

// TestRejectedSaveLogLevels: a rejection of what the user typed is logged
// at Info, without values; codes the portal does not know at Warn; other
// FusionAuth 400s and outages stay at Error.
func TestRejectedSaveLogLevels(t *testing.T) {
	cases := []struct {
		name  string
		err   error
		level string
		page  string
	}{
		{"duplicate email", duplicateEmail(), "INFO", ""},
		{"unknown code", &fusionauth.APIError{Status: 400, Errors: fusionauth.Errors{FieldErrors: map[string][]fusionauth.ErrorItem{
			"user.data.nick": {{Code: "[somethingNew]user.data.nick", Message: "Nicknames are closed today"}}}}}, "WARN", "Nicknames are closed today"},
		{"general error", &fusionauth.APIError{Status: 400, Errors: fusionauth.Errors{GeneralErrors: []fusionauth.ErrorItem{
			{Code: "[TenantIdRequired]", Message: "A Tenant Id is required"}}}}, "ERROR", "A Tenant Id is required"},
		{"invalid JSON", &fusionauth.APIError{Status: 400, Errors: fusionauth.Errors{FieldErrors: map[string][]fusionauth.ErrorItem{
			"user.data.x": {{Code: "[invalidJSON]", Message: "Invalid JSON"}}}}}, "ERROR", ""},
		{"field not on the form", &fusionauth.APIError{Status: 400, Errors: fusionauth.Errors{FieldErrors: map[string][]fusionauth.ErrorItem{
			"user.username": {{Code: "[duplicate]user.username", Message: "That username is taken"}}}}}, "ERROR", "That username is taken"},
		{"unreachable", fusionauth.ErrUnavailable, "ERROR", ""},
	}
	for _, c := range cases {
		s, logs := newLoggedServer(t)
		body := rejectSave(t, s, "de", c.err)
		got := logs.text()
		if !strings.HasPrefix(got, c.level+" ") || strings.Count(got, "\n") != 1 {
			t.Errorf("%s: logged %q, want one %s record", c.name, got, c.level)
		}
		for _, value := range []string{"taken@example.com", "Nicky"} {
			if strings.Contains(got, value) {
				t.Errorf("%s: log holds the field value %q: %s", c.name, value, got)
			}
		}
		if c.page != "" && !strings.Contains(body, c.page) {
			t.Errorf("%s: page lacks FusionAuth's message %q", c.name, c.page)
		}
	}
}
