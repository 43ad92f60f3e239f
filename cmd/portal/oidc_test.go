package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"portal/internal/app"
	"portal/internal/config"
)

// The portal without FUSIONAUTH_API_KEY must work with any standards-compliant
// OIDC provider. These tests use mockoidc (github.com/oauth2-proxy/mockoidc),
// an independent provider implementation, so nothing FusionAuth-specific can
// hide in the flow.

// oidcUser is a mockoidc user with the standard profile claims that
// mockoidc's own MockUser lacks (name, given_name, family_name).
type oidcUser struct {
	sub, email, name, given, family string
}

func (u *oidcUser) ID() string { return u.sub }

// profileClaims returns the claims the granted scopes allow, as OIDC Core
// section 5.4 assigns them.
func (u *oidcUser) profileClaims(scopes []string) map[string]any {
	c := map[string]any{"sub": u.sub}
	for _, s := range scopes {
		switch s {
		case "profile":
			c["name"], c["given_name"], c["family_name"] = u.name, u.given, u.family
		case "email":
			c["email"], c["email_verified"] = u.email, true
		}
	}
	return c
}

func (u *oidcUser) Userinfo(scopes []string) ([]byte, error) {
	return json.Marshal(u.profileClaims(scopes))
}

func (u *oidcUser) Claims(scopes []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	c := idClaims{IDTokenClaims: base}
	p := u.profileClaims(scopes)
	c.Name, _ = p["name"].(string)
	c.GivenName, _ = p["given_name"].(string)
	c.FamilyName, _ = p["family_name"].(string)
	c.Email, _ = p["email"].(string)
	return &c, nil
}

type idClaims struct {
	*mockoidc.IDTokenClaims
	Name       string `json:"name,omitempty"`
	GivenName  string `json:"given_name,omitempty"`
	FamilyName string `json:"family_name,omitempty"`
	Email      string `json:"email,omitempty"`
}

// oidcRecord keeps what the portal sent to mockoidc, to check PKCE and
// grants from the provider's side.
type oidcRecord struct {
	mu        sync.Mutex
	authorize []url.Values
	token     []url.Values
}

func (rec *oidcRecord) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case mockoidc.AuthorizationEndpoint:
			_ = r.ParseForm()
			rec.mu.Lock()
			rec.authorize = append(rec.authorize, cloneValues(r.Form))
			rec.mu.Unlock()
		case mockoidc.TokenEndpoint:
			_ = r.ParseForm() // the handler's own ParseForm then reuses r.Form
			rec.mu.Lock()
			rec.token = append(rec.token, cloneValues(r.PostForm))
			rec.mu.Unlock()
			fixExpiresIn(w, r, next)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// fixExpiresIn serves a token response with expires_in in seconds, as RFC
// 6749 section 5.1 requires. mockoidc encodes a Go time.Duration there
// (nanoseconds), which would make every access token live for centuries and
// leave the portal's refresh path untested.
func fixExpiresIn(w http.ResponseWriter, r *http.Request, next http.Handler) {
	rr := httptest.NewRecorder()
	next.ServeHTTP(rr, r)
	body := rr.Body.Bytes()
	var m map[string]any
	if rr.Code == http.StatusOK && json.Unmarshal(body, &m) == nil {
		if ns, ok := m["expires_in"].(float64); ok {
			m["expires_in"] = int64(time.Duration(ns) / time.Second)
			body, _ = json.Marshal(m)
		}
	}
	for k, v := range rr.Header() {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rr.Code)
	w.Write(body)
}

func (rec *oidcRecord) snapshot() (authorize, token []url.Values) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]url.Values(nil), rec.authorize...), append([]url.Values(nil), rec.token...)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

type oidcHarness struct {
	t         *testing.T
	m         *mockoidc.MockOIDC
	rec       *oidcRecord
	portalURL string
}

// newOIDCHarness starts mockoidc on loopback and the portal in plain-OIDC
// mode (no API key, no FUSIONAUTH_URL) pointed at it. configure may adjust
// the mock server before it starts.
func newOIDCHarness(t *testing.T, configure func(*mockoidc.MockOIDC)) *oidcHarness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("PORTAL_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}

	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := &oidcRecord{}
	if err := m.AddMiddleware(rec.middleware); err != nil {
		t.Fatal(err)
	}
	if configure != nil {
		configure(m)
	}
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(mln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	portalURL := "http://" + ln.Addr().String()
	mc := m.Config()
	vals := map[string]string{
		"PORTAL_PUBLIC_URL":        portalURL,
		"PORTAL_ADDR":              ln.Addr().String(),
		"PORTAL_DATA_DIR":          t.TempDir(),
		"FUSIONAUTH_ISSUER":        mc.Issuer,
		"FUSIONAUTH_CLIENT_ID":     mc.ClientID,
		"FUSIONAUTH_CLIENT_SECRET": mc.ClientSecret,
		"PORTAL_RATE_LIMIT":        "0",
	}
	cfg, err := config.Load(func(k string) string { return vals[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, cfg, logger, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	go serve(ctx, ln, a.Handler, logger)
	return &oidcHarness{t: t, m: m, rec: rec, portalURL: portalURL}
}

// signIn follows /login through mockoidc's authorize endpoint (which
// approves at once) and back to the portal's profile page.
func (h *oidcHarness) signIn(c *http.Client, u *oidcUser) string {
	h.t.Helper()
	h.m.QueueUser(u)
	resp, err := c.Get(h.portalURL + "/login")
	if err != nil {
		h.t.Fatal(err)
	}
	page := readBody(h.t, resp)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.String() != h.portalURL+"/" {
		h.t.Fatalf("after sign-in at %s: %d %s", resp.Request.URL, resp.StatusCode, page)
	}
	return page
}

var oidcTestUser = &oidcUser{
	sub: "user-7f3a", email: "ada@example.org", name: "Ada Lovelace & Co", given: "Ada", family: "Lovelace",
}

// TestAnyOIDCProvider signs in against mockoidc, checks the claims are shown
// read-only without an edit form, that PKCE S256 was used, that saving is
// refused, and signs out to /signed-out (mockoidc has no end_session_endpoint).
func TestAnyOIDCProvider(t *testing.T) {
	h := newOIDCHarness(t, nil)
	c := (&harness{}).browser()
	page := h.signIn(c, oidcTestUser)

	for _, want := range []string{
		"Your details", "ada@example.org", "Ada Lovelace &amp; Co", "Lovelace", "user-7f3a",
		"cannot be changed here",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("profile page lacks %q", want)
		}
	}
	for _, unwanted := range []string{`action="/profile"`, "Save changes", "<input type=\"text\"", "<select"} {
		if strings.Contains(page, unwanted) {
			t.Errorf("plain-OIDC profile page has %q; it must be read-only", unwanted)
		}
	}

	// PKCE: the authorize request carried an S256 challenge, and the token
	// request a verifier that mockoidc checked against it (it refuses a
	// mismatch, so reaching the profile page proves the pair matched).
	authz, tok := h.rec.snapshot()
	if len(authz) != 1 || len(tok) != 1 {
		t.Fatalf("provider saw %d authorize and %d token requests, want 1 and 1", len(authz), len(tok))
	}
	if m := authz[0].Get("code_challenge_method"); m != "S256" {
		t.Errorf("code_challenge_method = %q, want S256", m)
	}
	if ch := authz[0].Get("code_challenge"); len(ch) != 43 {
		t.Errorf("code_challenge %q is not a base64url SHA-256 (43 chars)", ch)
	}
	if authz[0].Get("nonce") == "" || authz[0].Get("state") == "" {
		t.Errorf("authorize lacks nonce or state: %v", authz[0].Encode())
	}
	if s := authz[0].Get("scope"); !strings.Contains(s, "openid") || !strings.Contains(s, "email") || !strings.Contains(s, "profile") {
		t.Errorf("scope = %q, want openid, profile and email", s)
	}
	if tok[0].Get("grant_type") != "authorization_code" || tok[0].Get("code_verifier") == "" {
		t.Errorf("token request grant_type=%q, verifier present=%v", tok[0].Get("grant_type"), tok[0].Get("code_verifier") != "")
	}

	// Editing is not offered, even to a hand-made POST.
	_, vals := formValues(page, `action="/logout"`)
	csrf := vals.Get("csrf_token")
	if csrf == "" {
		t.Fatal("no csrf_token in the sign-out form")
	}
	resp, err := c.PostForm(h.portalURL+"/profile", url.Values{"csrf_token": {csrf}, "user.firstName": {"Eve"}})
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "cannot be edited") {
		t.Errorf("POST /profile in plain-OIDC mode: %d, want 404 with an explanation", resp.StatusCode)
	}

	// Sign out: no end_session_endpoint is advertised, so the portal ends
	// its own session and lands on /signed-out.
	resp, err = c.PostForm(h.portalURL+"/logout", vals)
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	if resp.Request.URL.String() != h.portalURL+"/signed-out" || resp.StatusCode != http.StatusOK || !strings.Contains(body, "signed out") {
		t.Fatalf("after sign-out at %s: %d %s", resp.Request.URL, resp.StatusCode, body)
	}
	resp, err = c.Get(h.portalURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); strings.Contains(body, "ada@example.org") {
		t.Error("profile still shown after sign-out")
	}
}

// TestAnyOIDCProviderRefresh makes mockoidc issue access tokens that are
// already inside the portal's refresh margin, so the next page view must
// refresh through the provider's token endpoint and still show the profile.
func TestAnyOIDCProviderRefresh(t *testing.T) {
	h := newOIDCHarness(t, func(m *mockoidc.MockOIDC) { m.AccessTTL = 5 * time.Second })
	c := (&harness{}).browser()
	h.signIn(c, oidcTestUser)

	resp, err := c.Get(h.portalURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "ada@example.org") {
		t.Fatalf("profile after refresh: %d %s", resp.StatusCode, page)
	}
	_, tok := h.rec.snapshot()
	refreshes := 0
	for _, v := range tok {
		if v.Get("grant_type") == "refresh_token" {
			refreshes++
			if v.Get("refresh_token") == "" {
				t.Error("refresh request without a refresh token")
			}
		}
	}
	if refreshes == 0 {
		t.Errorf("no refresh_token grant reached the provider; token requests: %d", len(tok))
	}
}
