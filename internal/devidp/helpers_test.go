package devidp

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
)

// Fixed ids of demo/kickstart.json.
const (
	demoAppID    = "85a03867-dccf-4882-adde-1a79aeec50df"
	demoSecret   = "demo-client-secret-change-me"
	demoAPIKey   = "portal-demo-api-key-0123456789abcdef0123456789abcdef"
	demoUserID   = "d3e0a5e1-0000-4000-8000-000000000001"
	demoTenantID = "d7d09513-a3f5-401c-9685-34ab6c552453"
	demoFormID   = "7a7e08db-5aee-4c28-b5b7-7ec7f7cedf14"
	demoRedirect = "http://localhost:8080/callback"
)

func demoKickstart(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../../demo/kickstart.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newDemo starts a dev server seeded with the demo kickstart.
func newDemo(t testing.TB) (*Server, *httptest.Server) {
	t.Helper()
	s, err := New(Options{Kickstart: demoKickstart(t)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	s.SetBaseURL(ts.URL)
	return s, ts
}

// browser is an HTTP client with cookies that does not follow redirects.
func browser(t testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func readAll(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// api calls the REST API with the demo key and returns status and body.
func api(t testing.TB, ts *httptest.Server, method, path, contentType, body string) (int, string) {
	t.Helper()
	return apiWithKey(t, ts, demoAPIKey, method, path, contentType, body)
}

func apiWithKey(t testing.TB, ts *httptest.Server, key, method, path, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, readAll(t, resp)
}

// decode parses JSON keeping numbers as json.Number.
func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return m
}

func path(m map[string]any, keys ...string) any {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

type pkce struct{ verifier, challenge string }

func newPKCE() pkce {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(v))
	return pkce{v, base64.RawURLEncoding.EncodeToString(sum[:])}
}

func authorizeParams(p pkce, scope, state, nonce string) url.Values {
	return url.Values{
		"client_id": {demoAppID}, "redirect_uri": {demoRedirect}, "response_type": {"code"}, "scope": {scope},
		"state": {state}, "nonce": {nonce}, "code_challenge": {p.challenge}, "code_challenge_method": {"S256"},
	}
}

// login signs the demo user in through the hosted page and returns the code.
func login(t testing.TB, c *http.Client, ts *httptest.Server, p pkce, scope, nonce string) string {
	t.Helper()
	form := authorizeParams(p, scope, "st-1", nonce)
	form.Set("loginId", "demo@example.com")
	form.Set("password", "demo-password")
	resp, err := c.PostForm(ts.URL+"/oauth2/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("login: status %d, body %s", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	code := loc.Query().Get("code")
	if code == "" {
		t.Fatalf("no code in %s", loc)
	}
	return code
}

// token posts to /oauth2/token with client_secret_post.
func token(t testing.TB, ts *httptest.Server, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(ts.URL+"/oauth2/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, decode(t, readAll(t, resp))
}

func codeForm(code string, p pkce) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {demoRedirect},
		"code_verifier": {p.verifier}, "client_id": {demoAppID}, "client_secret": {demoSecret}}
}

var hiddenRE = regexp.MustCompile(`name="registrationId" value="([^"]+)"`)

func ctx(t testing.TB) context.Context { return t.Context() }

func jsonBody(v any) string {
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(v)
	return buf.String()
}

func newTS(t testing.TB, s *Server) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	s.SetBaseURL(ts.URL)
	return ts
}
