package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"portal/internal/form"
	"portal/internal/fusionauth"
)

// Who-you-are rows never repeat what the form below shows and edits.
func TestIdentityRowsSkipFormKeys(t *testing.T) {
	s := newTestServer(t)
	l := s.loc(httptest.NewRequest(http.MethodGet, "/", nil))
	user := map[string]any{"email": "a@example.com", "username": "ab", "firstName": "Ann", "lastName": "Bee"}
	labels := func(rows []identityRow) string {
		var out []string
		for _, r := range rows {
			out = append(out, r.Label+"="+r.Value)
		}
		return strings.Join(out, ",")
	}
	if got := labels(identityRows(user, func(k string) bool { return k == "user.email" }, l)); got != "Username=ab,Name=Ann Bee" {
		t.Errorf("email on the form: rows %q", got)
	}
	if got := labels(identityRows(user, func(k string) bool { return k == "user.firstName" }, l)); got != "Email=a@example.com,Username=ab" {
		t.Errorf("first name on the form: rows %q", got)
	}
}

// A FusionAuth 400 whose errors all belong to fields shows one message: the
// error summary linked to those fields, not a second "nothing was saved" banner.
func TestRejectedSaveShowsOneMessage(t *testing.T) {
	s := newTestServer(t)
	def, err := form.NewDefinition(
		fusionauth.Form{ID: "f", Steps: []fusionauth.FormStep{{Fields: []string{"e"}}}},
		[]fusionauth.FormField{{ID: "e", Key: "user.email", Control: "text", Type: "email", Required: true}})
	if err != nil {
		t.Fatal(err)
	}
	rejected := func(general []fusionauth.ErrorItem) string {
		sub := def.Parse(url.Values{"user.email": {"taken@example.com"}})
		w := httptest.NewRecorder()
		s.saveFailedMsg(w, httptest.NewRequest(http.MethodPost, "/profile", nil), def, sub, nil, &fusionauth.APIError{
			Status: http.StatusBadRequest,
			Errors: fusionauth.Errors{
				FieldErrors:   map[string][]fusionauth.ErrorItem{"user.email": {{Code: "[duplicate]user.email", Message: "That email is taken"}}},
				GeneralErrors: general,
			},
		}, "")
		if w.Code != http.StatusUnprocessableEntity {
			t.Errorf("status %d", w.Code)
		}
		return w.Body.String()
	}
	body := rejected(nil)
	if !strings.Contains(body, `id="error-summary"`) || !strings.Contains(body, "Email is already used by another account.") {
		t.Fatalf("no error summary with the field's message:\n%s", body)
	}
	if strings.Contains(body, "notice problem") {
		t.Errorf("a problem banner repeats the error summary:\n%s", body)
	}
	if body := rejected([]fusionauth.ErrorItem{{Code: "[x]", Message: "Tenant is locked"}}); !strings.Contains(body, "notice problem") || !strings.Contains(body, "Tenant is locked") {
		t.Errorf("a general error is not shown")
	}
}
