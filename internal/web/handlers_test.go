package web

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"portal/internal/auth"
	"portal/internal/fusionauth"
	"portal/internal/session"
)

// fakeAuth is an Authenticator whose sign-in always goes to a fixed URL.
type fakeAuth struct{}

func (fakeAuth) AuthURL(register bool) (string, auth.Pending) {
	u := "https://idp.example/oauth2/authorize?state=s1"
	if register {
		u = "https://idp.example/oauth2/register?state=s1"
	}
	return u, auth.Pending{State: "s1", Nonce: "n1", Verifier: "v1", Register: register}
}
func (fakeAuth) Exchange(context.Context, auth.Pending, string) (auth.Tokens, auth.Identity, error) {
	return auth.Tokens{}, auth.Identity{}, errors.New("not in handler tests")
}
func (fakeAuth) Refresh(context.Context, auth.Tokens, string) (auth.Tokens, error) {
	return auth.Tokens{}, errors.New("not in handler tests")
}
func (fakeAuth) LogoutForm(string) (string, url.Values) { return "", nil }

// fakeFA is a FusionAuth that is down.
type fakeFA struct{}

func (fakeFA) RetrieveUser(context.Context, string) (map[string]any, error) {
	return nil, fusionauth.ErrUnavailable
}
func (fakeFA) PatchUser(context.Context, string, map[string]any) error {
	return fusionauth.ErrUnavailable
}
func (fakeFA) PatchRegistration(context.Context, string, string, map[string]any) error {
	return fusionauth.ErrUnavailable
}
func (fakeFA) RetrieveForm(context.Context, string) (fusionauth.Form, error) {
	return fusionauth.Form{}, fusionauth.ErrUnavailable
}
func (fakeFA) RetrieveFormFields(context.Context) ([]fusionauth.FormField, error) {
	return nil, fusionauth.ErrUnavailable
}
func (fakeFA) RetrieveApplication(context.Context, string) (fusionauth.Application, error) {
	return fusionauth.Application{}, fusionauth.ErrUnavailable
}

func newTestServer(t *testing.T) *Server {
	t.Helper()
	s, err := New(Options{
		Sessions:   session.NewManager(session.Options{Store: session.NewMemory()}),
		Auth:       fakeAuth{},
		FusionAuth: fakeFA{},
		Brand:      Brand{AppName: "Test <Portal>", PrimaryColor: "#123456"},
		Ready:      func(context.Context) error { return fusionauth.ErrUnavailable },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func do(t *testing.T, h http.Handler, method, target string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestLandingPage(t *testing.T) {
	w := do(t, newTestServer(t), "GET", "/", nil)
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, `href="/login"`) || !strings.Contains(body, `href="/register"`) {
		t.Fatalf("%d %s", w.Code, body)
	}
	if !strings.Contains(body, "Test &lt;Portal&gt;") {
		t.Errorf("brand name not escaped: %s", body)
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
		t.Errorf("inline script or style would break the CSP")
	}
}

func TestLoginStoresPendingAndRedirects(t *testing.T) {
	s := newTestServer(t)
	for path, want := range map[string]string{"/login": "/oauth2/authorize", "/register": "/oauth2/register"} {
		w := do(t, s, "GET", path+"?return=//evil.example", nil)
		if w.Code != http.StatusFound || !strings.Contains(w.Header().Get("Location"), want) {
			t.Errorf("%s: %d %s", path, w.Code, w.Header().Get("Location"))
		}
	}
	raw, err := s.opt.Sessions.TakePending(context.Background(), "s1")
	if err != nil || !strings.Contains(string(raw), `"ReturnTo":"/"`) && !strings.Contains(string(raw), `"returnTo":"/"`) {
		t.Errorf("pending %s %v", raw, err)
	}
}

func TestNotFoundAndErrorPages(t *testing.T) {
	s := newTestServer(t)
	w := do(t, s, "GET", "/nope/../../etc/passwd", nil)
	if w.Code != http.StatusNotFound && w.Code != http.StatusTemporaryRedirect {
		t.Errorf("traversal: %d", w.Code)
	}
	w = do(t, s, "GET", "/nothing-here", nil)
	if w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "Page not found") || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("404: %d %s", w.Code, w.Body.String())
	}
	w = do(t, s, "DELETE", "/profile", nil)
	if w.Code != http.StatusMethodNotAllowed && w.Code != http.StatusNotFound {
		t.Errorf("DELETE /profile: %d", w.Code)
	}
}

func TestAssetsAreFingerprintedCachedAndCompressed(t *testing.T) {
	s := newTestServer(t)
	page := do(t, s, "GET", "/", nil).Body.String()
	m := regexp.MustCompile(`href="(/assets/app\.[0-9a-f]{8}\.css)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no fingerprinted stylesheet in %s", page)
	}
	w := do(t, s, "GET", m[1], nil, "Accept-Encoding", "gzip")
	if w.Code != 200 || !strings.Contains(w.Header().Get("Cache-Control"), "immutable") || w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	css, _ := io.ReadAll(zr)
	if !strings.Contains(string(css), "--brand") {
		t.Errorf("css body: %.100s", css)
	}
	theme := regexp.MustCompile(`href="(/assets/theme\.[0-9a-f]{8}\.css)"`).FindStringSubmatch(page)
	if theme == nil || !strings.Contains(do(t, s, "GET", theme[1], nil).Body.String(), "#123456") {
		t.Errorf("brand colour stylesheet missing")
	}
	if w := do(t, s, "GET", "/assets/app.00000000.css", nil); w.Code != http.StatusNotFound {
		t.Errorf("unknown asset: %d", w.Code)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	s := newTestServer(t)
	if w := do(t, s, "GET", "/healthz", nil); w.Code != 200 {
		t.Errorf("healthz %d", w.Code)
	}
	if w := do(t, s, "GET", "/readyz", nil); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "identity provider") {
		t.Errorf("readyz with FusionAuth down: %d %s", w.Code, w.Body.String())
	}
	do(t, s, "GET", "/", nil)
	w := do(t, s, "GET", "/metrics", nil)
	body := w.Body.String()
	for _, want := range []string{"portal_http_requests_total", `route="GET /{$}"`, "portal_http_request_duration_seconds_bucket", "go_goroutines"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestSignedOutVisitorCannotSave(t *testing.T) {
	// No session: the save is not attempted; the form loads fail here (FusionAuth
	// is down), so the page says nothing was saved.
	s := newTestServer(t)
	w := do(t, s, "POST", "/profile", strings.NewReader("registration.data.maxprice=1"), "Content-Type", "application/x-www-form-urlencoded")
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "nothing was saved") {
		t.Errorf("%d %s", w.Code, w.Body.String())
	}
}

func TestBrandingOverrides(t *testing.T) {
	dir := t.TempDir()
	landing := `{{define "content"}}<h1>Welcome to {{.Brand.AppName}}, custom</h1><a href="/login">Sign in</a>{{end}}`
	if err := os.WriteFile(filepath.Join(dir, "landing.html"), []byte(landing), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "custom.css"), []byte("body{letter-spacing:.01em}"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{
		Sessions: session.NewManager(session.Options{Store: session.NewMemory()}),
		Auth:     fakeAuth{},
		Brand:    Brand{AppName: "Acme", LogoURL: "https://cdn.example/logo.svg", PrimaryColor: "#aa0000", TemplateDir: dir},
	})
	if err != nil {
		t.Fatal(err)
	}
	page := do(t, s, "GET", "/", nil).Body.String()
	if !strings.Contains(page, "Welcome to Acme, custom") || !strings.Contains(page, `src="https://cdn.example/logo.svg"`) {
		t.Errorf("override not used: %s", page)
	}
	m := regexp.MustCompile(`href="(/assets/custom\.[0-9a-f]{8}\.css)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(do(t, s, "GET", m[1], nil).Body.String(), "letter-spacing") {
		t.Errorf("custom.css not served")
	}
	// A broken override stops start-up with the file named.
	os.WriteFile(filepath.Join(dir, "landing.html"), []byte(`{{define "content"}}{{.Nope`), 0o600)
	_, err = New(Options{Sessions: session.NewManager(session.Options{Store: session.NewMemory()}), Auth: fakeAuth{}, Brand: Brand{TemplateDir: dir}})
	if err == nil || !strings.Contains(err.Error(), "landing.html") {
		t.Errorf("broken override: %v", err)
	}
}

// endSessionAuth is fakeAuth with an end-session endpoint on another origin.
type endSessionAuth struct{ fakeAuth }

func (endSessionAuth) LogoutForm(hint string) (string, url.Values) {
	return "https://logout.idp.example/oauth2/logout", url.Values{
		"client_id": {"app-1"}, "id_token_hint": {hint}, "post_logout_redirect_uri": {`https://portal.example/signed-out?a="<b>`},
	}
}

// TestSignOutPostsToTheProvider: sign-out answers a page whose form carries
// client_id, id_token_hint and post_logout_redirect_uri to the end-session
// endpoint (escaped, never in a URL); the CSP lets that form go to the
// endpoint's origin; the page is rendered signed out and not cached.
func TestSignOutPostsToTheProvider(t *testing.T) {
	s, err := New(Options{
		Sessions: session.NewManager(session.Options{Store: session.NewMemory()}),
		Auth:     endSessionAuth{},
	})
	if err != nil {
		t.Fatal(err)
	}
	w := do(t, s, "POST", "/logout", strings.NewReader(""), "Content-Type", "application/x-www-form-urlencoded")
	page := w.Body.String()
	if w.Code != http.StatusOK || w.Header().Get("Location") != "" {
		t.Fatalf("POST /logout: %d, Location %q", w.Code, w.Header().Get("Location"))
	}
	for _, want := range []string{
		`<form method="post" action="https://logout.idp.example/oauth2/logout" data-autosubmit>`,
		`name="client_id" value="app-1"`,
		`name="post_logout_redirect_uri" value="https://portal.example/signed-out?a=&#34;&lt;b&gt;"`,
		`name="id_token_hint" value=""`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("leaving page lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, `action="/logout"`) {
		t.Error("the leaving page still offers the portal's sign-out button")
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "form-action https://logout.idp.example 'self'") {
		t.Errorf("CSP does not allow the end-session origin: %s", csp)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
}
