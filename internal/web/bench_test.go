package web_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portal/internal/auth"
	"portal/internal/fusionauth"
	"portal/internal/session"
	"portal/internal/web"
)

// These benchmarks measure the portal's own work for a profile view and a
// save, through the whole handler chain (middleware, session, form, template),
// with FusionAuth faked in memory. cmd/portal-bench measures the same over
// real HTTP with the dev server.

const (
	benchAppID  = "85a03867-dccf-4882-adde-1a79aeec50df"
	benchFormID = "7a7e08db-5aee-4c28-b5b7-7ec7f7cedf14"
	benchUserID = "d3e0a5e1-0000-4000-8000-000000000001"
)

// benchFA is a FusionAuth that answers from memory. RetrieveUser returns a
// fresh map each time, as the real client decodes a new one per call.
type benchFA struct{}

func (benchFA) RetrieveUser(context.Context, string) (map[string]any, error) {
	return map[string]any{
		"id": benchUserID, "email": "demo@example.com", "firstName": "Dana", "lastName": "Demo",
		"registrations": []any{map[string]any{
			"applicationId": benchAppID,
			"data":          map[string]any{"minprice": "100000", "maxprice": "250000", "geographicarea": "Downtown"},
		}},
	}, nil
}
func (benchFA) PatchUser(context.Context, string, map[string]any) error { return nil }
func (benchFA) PatchRegistration(context.Context, string, string, map[string]any) error {
	return nil
}
func (benchFA) RetrieveForm(context.Context, string) (fusionauth.Form, error) {
	return fusionauth.Form{ID: benchFormID, Name: "Real Estate", Type: "registration", Steps: []fusionauth.FormStep{
		{Fields: []string{"f-email", "f-password"}},
		{Fields: []string{"f-min", "f-max", "f-geo"}},
	}}, nil
}
func (benchFA) RetrieveFormFields(context.Context) ([]fusionauth.FormField, error) {
	return []fusionauth.FormField{
		{ID: "f-email", Key: "user.email", Name: "Email", Control: "text", Type: "email", Required: true},
		{ID: "f-password", Key: "user.password", Name: "Password", Control: "password", Required: true},
		{ID: "f-min", Key: "registration.data.minprice", Name: "Minimum price", Control: "number", Type: "number", Required: true},
		{ID: "f-max", Key: "registration.data.maxprice", Name: "Maximum price", Control: "number", Type: "number", Required: true},
		{ID: "f-geo", Key: "registration.data.geographicarea", Name: "Geographic area", Control: "text", Type: "string"},
	}, nil
}
func (benchFA) RetrieveApplication(context.Context, string) (fusionauth.Application, error) {
	return fusionauth.Application{}, nil
}

// benchAuth is never asked to sign in or refresh: the session's token does
// not expire during a benchmark.
type benchAuth struct{}

func (benchAuth) AuthURL(bool) (string, auth.Pending) {
	return "http://idp.invalid/authorize", auth.Pending{}
}
func (benchAuth) Exchange(context.Context, auth.Pending, string) (auth.Tokens, auth.Identity, error) {
	return auth.Tokens{}, auth.Identity{}, nil
}
func (benchAuth) Refresh(_ context.Context, t auth.Tokens, _ string) (auth.Tokens, error) {
	return t, nil
}
func (benchAuth) LogoutForm(string) (string, url.Values) {
	return "http://idp.invalid/logout", url.Values{"client_id": {"c"}}
}

// newBenchServer returns the handler and the Cookie header of a signed-in
// session whose tokens have the size of real FusionAuth tokens.
func newBenchServer(b *testing.B) (http.Handler, string) {
	b.Helper()
	log := slog.New(slog.DiscardHandler)
	mgr := session.NewManager(session.Options{Store: session.NewMemory(), Logger: log})
	pub, _ := url.Parse("http://portal.test")
	srv, err := web.New(web.Options{
		Logger: log, Sessions: mgr, Auth: benchAuth{}, FusionAuth: benchFA{},
		ApplicationID: benchAppID, FormID: benchFormID, PublicURL: pub,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	if err := srv.WarmForms(context.Background()); err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	sess := &session.Session{
		UserID: benchUserID, Email: "demo@example.com", Name: "Dana Demo",
		AccessToken: strings.Repeat("a", 700), RefreshToken: strings.Repeat("r", 54), IDToken: strings.Repeat("i", 720),
		TokenExpiry: time.Now().Add(time.Hour),
	}
	if err := mgr.Start(context.Background(), rec, sess); err != nil {
		b.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		b.Fatalf("want one session cookie, got %d", len(cookies))
	}
	return srv, cookies[0].Name + "=" + cookies[0].Value
}

var maxPriceInput = []byte(`name="registration.data.maxprice"`)

func BenchmarkProfilePage(b *testing.B) {
	h, cookie := newBenchServer(b)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Cookie", cookie)
	size := 0
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), maxPriceInput) {
			b.Fatalf("status %d, body without the form:\n%s", rec.Code, rec.Body.String())
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "page-bytes")
}

var hiddenRE = regexp.MustCompile(`name="(csrf_token|form\.snapshot)" value="([^"]*)"`)

func BenchmarkSaveProfile(b *testing.B) {
	h, cookie := newBenchServer(b)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Cookie", cookie)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	page, _ := io.ReadAll(rec.Body)
	form := url.Values{
		"user.email":                       {"demo@example.com"},
		"registration.data.minprice":       {"100000"},
		"registration.data.geographicarea": {"Downtown"},
	}
	for _, m := range hiddenRE.FindAllStringSubmatch(string(page), -1) {
		form.Set(m[1], html.UnescapeString(m[2]))
	}
	if form.Get("csrf_token") == "" || form.Get("form.snapshot") == "" {
		b.Fatalf("profile page without csrf token or snapshot:\n%s", page)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		form.Set("registration.data.maxprice", strconv.Itoa(300000+i))
		req := httptest.NewRequest(http.MethodPost, "/profile", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusSeeOther {
			b.Fatalf("save: status %d\n%s", rec.Code, rec.Body.String())
		}
	}
}
