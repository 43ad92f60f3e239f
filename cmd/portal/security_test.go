package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/internal/devidp"
)

// tryLogin runs the sign-in and returns the final response's status, URL
// and body, whatever happened.
func (h *harness) tryLogin(c *http.Client, email, password string) (int, string, string) {
	h.t.Helper()
	resp := h.get(c, h.portalURL+"/login")
	body := readBody(h.t, resp)
	_, vals := formValues(body, `action="/oauth2/authorize"`)
	vals.Set("loginId", email)
	vals.Set("password", password)
	resp = h.post(c, resolve(resp.Request.URL, "/oauth2/authorize"), vals)
	body = readBody(h.t, resp)
	return resp.StatusCode, resp.Request.URL.String(), body
}

// TestBadIDTokensAreRefused drives the dev server's misbehaviour switches:
// every bad token ends on a friendly 400 page and no session.
func TestBadIDTokensAreRefused(t *testing.T) {
	h := newHarness(t, nil)
	cases := map[string]func(*devidp.FaultConfig){
		"wrong nonce":         func(f *devidp.FaultConfig) { f.WrongNonce = true },
		"wrong audience":      func(f *devidp.FaultConfig) { f.WrongAudience = true },
		"wrong issuer":        func(f *devidp.FaultConfig) { f.WrongIssuer = true },
		"expired":             func(f *devidp.FaultConfig) { f.ExpiredIDToken = true },
		"issued in future":    func(f *devidp.FaultConfig) { f.FutureIssuedIDToken = true },
		"bad signature":       func(f *devidp.FaultConfig) { f.BadSignature = true },
		"alg none":            func(f *devidp.FaultConfig) { f.AlgNone = true },
		"unknown kid":         func(f *devidp.FaultConfig) { f.UnknownKID = true },
		"token endpoint down": func(f *devidp.FaultConfig) { f.FailToken = true },
	}
	for name, fault := range cases {
		t.Run(name, func(t *testing.T) {
			h.idp.Faults().Reset()
			h.idp.Faults().Update(fault)
			defer h.idp.Faults().Reset()
			c := h.browser()
			status, at, body := h.tryLogin(c, demoEmail, demoPassword)
			if status != http.StatusBadRequest || !strings.Contains(at, "/callback") || !strings.Contains(body, "could not verify") {
				t.Fatalf("%d at %s: %s", status, at, body)
			}
			h.idp.Faults().Reset()
			page := readBody(t, h.get(c, h.portalURL+"/"))
			if strings.Contains(page, demoEmail) {
				t.Errorf("a session was created despite the bad token")
			}
		})
	}
}

// TestKeyRotation: a token signed by a new key (unknown kid) is accepted
// after the portal refetches the JWKS once.
func TestKeyRotation(t *testing.T) {
	h := newHarness(t, nil)
	h.login(h.browser(), demoEmail, demoPassword) // the portal has cached the JWKS
	if err := h.idp.RotateKey(); err != nil {
		t.Fatal(err)
	}
	status, at, _ := h.tryLogin(h.browser(), demoEmail, demoPassword)
	if status != http.StatusOK || at != h.portalURL+"/" {
		t.Fatalf("after rotation: %d at %s", status, at)
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	for _, path := range []string{"/", "/nope", "/callback?state=x", "/logout", "/signed-out"} {
		resp := h.get(c, h.portalURL+path)
		readBody(t, resp)
		hd := resp.Header
		csp := hd.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("Referrer-Policy") == "" || hd.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v", path, hd)
		}
		if hd.Get("X-Request-Id") == "" {
			t.Errorf("%s: no request id", path)
		}
	}
}

func TestLogoutNeedsPostAndIsIdempotent(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	page := readBody(t, h.get(c, h.portalURL+"/logout"))
	if !strings.Contains(page, "Sign out?") {
		t.Fatalf("GET /logout is not a confirmation page: %s", page)
	}
	// Still signed in after the GET.
	if page := readBody(t, h.get(c, h.portalURL+"/")); !strings.Contains(page, demoEmail) {
		t.Fatal("GET /logout signed the user out")
	}
	_, vals := formValues(page, `action="/logout"`)
	for i := 0; i < 2; i++ {
		resp := h.signOut(c, h.portalURL, vals)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "signed out") {
			t.Errorf("sign-out %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
}

func TestRateLimit(t *testing.T) {
	h := newHarness(t, map[string]string{"PORTAL_RATE_LIMIT": "3"})
	c := h.browser()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	var last *http.Response
	for i := 0; i < 4; i++ {
		last = h.get(c, h.portalURL+"/callback?state=x")
		readBody(t, last)
	}
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Errorf("4th callback: %d", last.StatusCode)
	}
	// Another bucket (the landing page) is not limited.
	if resp := h.get(c, h.portalURL+"/"); resp.StatusCode != http.StatusOK {
		t.Errorf("landing: %d", resp.StatusCode)
	}
}

func TestTrustedProxies(t *testing.T) {
	// Only a trusted proxy's X-Forwarded-For counts: from an untrusted peer
	// a spoofed header must not dodge the limit.
	h := newHarness(t, map[string]string{"PORTAL_RATE_LIMIT": "2"})
	c := h.browser()
	codes := []int{}
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest(http.MethodGet, h.portalURL+"/callback?state=x", nil)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		codes = append(codes, resp.StatusCode)
	}
	if codes[2] != http.StatusTooManyRequests {
		t.Errorf("spoofed X-Forwarded-For dodged the limit: %v", codes)
	}
	h2 := newHarness(t, map[string]string{"PORTAL_RATE_LIMIT": "2", "PORTAL_TRUSTED_PROXIES": "127.0.0.1"})
	codes = codes[:0]
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest(http.MethodGet, h2.portalURL+"/callback?state=x", nil)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readBody(t, resp)
		codes = append(codes, resp.StatusCode)
	}
	if codes[2] != http.StatusBadRequest {
		t.Errorf("behind a trusted proxy, distinct clients were limited together: %v", codes)
	}
}

func TestOversizedAndMalformedBodies(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	big := url.Values{"registration.data.geographicarea": {strings.Repeat("x", 300<<10)}}
	resp := h.post(c, h.portalURL+"/profile", big)
	if readBody(t, resp); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized: %d", resp.StatusCode)
	}
	resp, err := c.Post(h.portalURL+"/profile", "application/x-www-form-urlencoded", strings.NewReader("a=%zz&b"))
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "garbled") {
		t.Errorf("malformed: %d %s", resp.StatusCode, body)
	}
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsHoldNoSecrets runs a whole session with logging at debug level and
// checks that no token, cookie, CSRF token, password or field value appears.
func TestLogsHoldNoSecrets(t *testing.T) {
	var logs syncBuffer
	h := newHarnessLog(t, nil, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	page := readBody(t, h.get(c, h.portalURL+"/"))
	_, vals := formValues(page, `action="/profile"`)
	vals.Set("registration.data.geographicarea", "Secret Valley 4711")
	vals.Set("user.data.isAdmin", "true")
	readBody(t, h.post(c, h.portalURL+"/profile", vals))
	vals.Set("registration.data.maxprice", "98765zz")
	readBody(t, h.post(c, h.portalURL+"/profile", vals))
	// The callback's error parameter is whatever a link's author wrote.
	cb, _ := url.Parse(h.callbackURL(c, demoEmail, demoPassword))
	readBody(t, h.get(c, h.portalURL+"/callback?state="+cb.Query().Get("state")+"&error="+url.QueryEscape("Attacker text 4711")))

	u, _ := url.Parse(h.portalURL)
	secrets := []string{demoPassword, "Secret Valley 4711", "Attacker text", "98765zz", vals.Get("csrf_token"), h.seed.Variables.APIKey, h.seed.Variables.ClientSecret}
	for _, ck := range c.Jar.Cookies(u) {
		if len(ck.Value) >= 16 { // not the dev server's "fusionauth.locale=en"
			secrets = append(secrets, ck.Value)
		}
	}
	out := logs.String()
	if !strings.Contains(out, "request_id") || !strings.Contains(out, "user.data.isAdmin") {
		t.Fatalf("logs lack the expected lines: %s", out)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("logs contain a secret or value %q", s)
		}
	}
	if strings.Contains(out, "eyJ") {
		t.Errorf("logs contain what looks like a JWT")
	}
}

func TestNonASCIINames(t *testing.T) {
	h := newHarness(t, nil)
	name := "Jürgen Ørsted-Škoda 山田 🏠"
	id := h.createUser("jurgen@example.com", "pässwörd-🏠", map[string]any{"firstName": "Jürgen", "lastName": "Ørsted-Škoda 山田 🏠", "fullName": name},
		map[string]any{"minprice": 1, "maxprice": 2, "geographicarea": "Zürich"})
	c := h.browser()
	h.login(c, "jurgen@example.com", "pässwörd-🏠")
	page := readBody(t, h.get(c, h.portalURL+"/"))
	if !strings.Contains(page, name) || !strings.Contains(page, "Zürich") {
		t.Fatalf("page lacks the names: %s", page)
	}
	_, vals := formValues(page, `action="/profile"`)
	vals.Set("registration.data.geographicarea", "山田 🏠 Ørsted")
	page = readBody(t, h.post(c, h.portalURL+"/profile", vals))
	if !strings.Contains(page, "山田 🏠 Ørsted") || !strings.Contains(page, "Saved") {
		t.Fatalf("after save: %s", page)
	}
	if got := h.registration(id)["data"].(map[string]any)["geographicarea"]; got != "山田 🏠 Ørsted" {
		t.Errorf("stored %q", got)
	}
}

// createUser registers a user for the demo application through the API.
func (h *harness) createUser(email, password string, user, data map[string]any) string {
	h.t.Helper()
	user["email"] = email
	user["password"] = password
	body, _ := json.Marshal(map[string]any{
		"user":                         user,
		"registration":                 map[string]any{"applicationId": h.seed.Variables.ApplicationID, "data": data},
		"skipVerification":             true,
		"skipRegistrationVerification": true,
	})
	req, _ := http.NewRequest(http.MethodPost, h.idpURL+"/api/user/registration", bytes.NewReader(body))
	req.Header.Set("Authorization", h.seed.Variables.APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil {
		h.t.Fatalf("create user: %d %s", resp.StatusCode, b)
	}
	return out.User.ID
}

// TestExpiredSessionKeepsDraft: the session ends while the user edits; the
// save is not attempted, and after signing in again the user lands on the
// form with what they typed.
func TestExpiredSessionKeepsDraft(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	page := readBody(t, h.get(c, h.portalURL+"/"))
	_, vals := formValues(page, `action="/profile"`)
	vals.Set("registration.data.geographicarea", "Typed before expiry")

	// The session disappears server-side (expiry, or sign-out elsewhere).
	u, _ := url.Parse(h.portalURL)
	for _, ck := range c.Jar.Cookies(u) {
		if strings.Contains(ck.Name, "portal_session") {
			req, _ := http.NewRequest(http.MethodGet, h.portalURL+"/", nil)
			req.AddCookie(ck)
			sess, _ := h.app.Sessions.Load(req)
			if sess == nil {
				t.Fatal("no session to expire")
			}
			h.app.Sessions.Destroy(t.Context(), httptestRecorder(), sess)
		}
	}
	h.idp.ResetCounts()
	resp := h.post(c, h.portalURL+"/profile", vals)
	body := readBody(t, resp)
	// FusionAuth's SSO session is still alive, so the sign-in completes
	// without a form and the user lands back on the profile.
	if !strings.Contains(body, `value="Typed before expiry"`) || !strings.Contains(body, "not saved yet") {
		t.Fatalf("draft not restored at %s: %s", resp.Request.URL, body)
	}
	if n := h.idp.Counts()["PATCH /api/user/registration/{userId}/{applicationId}"]; n != 0 {
		t.Errorf("a save was attempted without a session")
	}
	data := h.registration(h.userID(demoEmail))["data"].(map[string]any)
	if data["geographicarea"] != "Denver" {
		t.Errorf("draft was saved: %v", data["geographicarea"])
	}
}

// TestRefreshSingleFlight: with a short access-token life and one-time
// refresh tokens, concurrent requests refresh once, and later requests use
// the rotated token.
func TestRefreshSingleFlight(t *testing.T) {
	h := newHarness(t, nil)
	h.idp.Faults().Update(func(f *devidp.FaultConfig) {
		f.AccessTokenTTL = 31 * time.Second // just over the refresh margin
		f.OneTimeRefreshTokens = true
	})
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	// The first access token is now stale; the refreshed one lives long.
	h.idp.Faults().Update(func(f *devidp.FaultConfig) { f.AccessTokenTTL = time.Hour })
	h.app.Web.SetNow(func() time.Time { return time.Now().Add(2 * time.Minute) })
	h.idp.ResetCounts()
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.Get(h.portalURL + "/")
			if err != nil {
				errs <- err.Error()
				return
			}
			body := readBody(t, resp)
			if !strings.Contains(body, demoEmail) {
				errs <- fmt.Sprintf("%d at %s", resp.StatusCode, resp.Request.URL)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := h.idp.Counts()["POST /oauth2/token"]; n != 1 {
		t.Errorf("token endpoint called %d times, want 1", n)
	}
}

// TestRefreshRejectedEndsSession: invalid_grant sends the user to sign in.
func TestRefreshRejectedEndsSession(t *testing.T) {
	h := newHarness(t, nil)
	h.idp.Faults().Update(func(f *devidp.FaultConfig) { f.AccessTokenTTL = 31 * time.Second })
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	h.revokeRefreshTokens(h.userID(demoEmail))
	h.app.Web.SetNow(func() time.Time { return time.Now().Add(2 * time.Minute) })
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp := h.get(c, h.portalURL+"/")
	readBody(t, resp)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func (h *harness) revokeRefreshTokens(userID string) {
	req, _ := http.NewRequest(http.MethodDelete, h.idpURL+"/api/jwt/refresh?userId="+userID, nil)
	req.Header.Set("Authorization", h.seed.Variables.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		h.t.Fatalf("revoke refresh tokens: %d (the dev server must implement DELETE /api/jwt/refresh?userId=)", resp.StatusCode)
	}
}

func (h *harness) sessionCookie(c *http.Client) *http.Cookie {
	u, _ := url.Parse(h.portalURL)
	for _, ck := range c.Jar.Cookies(u) {
		if strings.Contains(ck.Name, "portal_session") {
			return ck
		}
	}
	return nil
}

// TestSessionIDRotatesAtSignIn: signing in again issues a new id and the
// old one stops working, so a planted or stolen pre-sign-in id is useless.
func TestSessionIDRotatesAtSignIn(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	first := h.sessionCookie(c)
	if first == nil || len(first.Name)+len(first.Value) > 200 {
		t.Fatalf("cookie %v", first)
	}
	// FusionAuth's SSO session is alive: /login completes without a form.
	resp := h.get(c, h.portalURL+"/login")
	readBody(t, resp)
	second := h.sessionCookie(c)
	if second == nil || second.Value == first.Value {
		t.Fatalf("session id not rotated: %v -> %v", first, second)
	}
	old := &http.Client{}
	req, _ := http.NewRequest(http.MethodGet, h.portalURL+"/", nil)
	req.AddCookie(first)
	resp, err := old.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); strings.Contains(body, demoEmail) {
		t.Errorf("the old session id still works")
	}
}

// TestIssuerMismatchAtStartup: a configured issuer that differs from
// discovery's (here by a trailing slash) stops start-up, naming both.
func TestIssuerMismatchAtStartup(t *testing.T) {
	h := newHarness(t, nil)
	vals := map[string]string{
		"PORTAL_PUBLIC_URL":        "http://127.0.0.1:1",
		"PORTAL_DATA_DIR":          t.TempDir(),
		"FUSIONAUTH_URL":           h.idpURL,
		"FUSIONAUTH_ISSUER":        h.idpURL + "/",
		"FUSIONAUTH_CLIENT_ID":     h.seed.Variables.ApplicationID,
		"FUSIONAUTH_CLIENT_SECRET": h.seed.Variables.ClientSecret,
		"FUSIONAUTH_API_KEY":       h.seed.Variables.APIKey,
	}
	err := run(t.Context(), []string{"serve"}, func(k string) string { return vals[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `"`+h.idpURL+`/"`) || !strings.Contains(err.Error(), `"`+h.idpURL+`"`) {
		t.Fatalf("got %v", err)
	}
}

// callbackURL signs in at the dev server with c and returns the callback
// URL it redirects to, without visiting it.
func (h *harness) callbackURL(c *http.Client, email, password string) string {
	h.t.Helper()
	c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/callback" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	defer func() { c.CheckRedirect = nil }()
	resp := h.get(c, h.portalURL+"/login")
	body := readBody(h.t, resp)
	if resp.StatusCode == http.StatusFound {
		return resp.Header.Get("Location") // the SSO session was still alive
	}
	action, vals := formValues(body, `action="/oauth2/authorize"`)
	vals.Set("loginId", email)
	vals.Set("password", password)
	resp = h.post(c, resolve(resp.Request.URL, action), vals)
	readBody(h.t, resp)
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, h.portalURL+"/callback?") {
		h.t.Fatalf("no callback redirect: %d %q", resp.StatusCode, loc)
	}
	return loc
}

// TestCallbackIsBoundToTheBrowser: a callback URL only completes the
// sign-in in the browser that started it. Otherwise an attacker could sign
// in as themselves, keep the callback URL and get a victim to open it: the
// victim would be signed in to the attacker's account (login CSRF) and type
// personal data into it.
func TestCallbackIsBoundToTheBrowser(t *testing.T) {
	h := newHarness(t, nil)
	cb := h.callbackURL(h.browser(), demoEmail, demoPassword)
	h.idp.ResetCounts()
	victim := h.browser()
	resp := h.get(victim, cb)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "could not be matched") || !strings.Contains(body, "Try again") {
		t.Fatalf("callback in another browser: %d %s", resp.StatusCode, body)
	}
	if n := h.idp.Counts()["POST /oauth2/token"]; n != 0 {
		t.Errorf("token requests = %d, want 0", n)
	}
	if page := readBody(t, h.get(victim, h.portalURL+"/")); strings.Contains(page, demoEmail) {
		t.Fatal("the victim's browser was signed in to the attacker's account")
	}

	// Several tabs of one browser still sign in at once, in any order.
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	first := h.callbackURL(c, demoEmail, demoPassword)
	second := h.callbackURL(c, demoEmail, demoPassword)
	for _, u := range []string{second, first} {
		resp := h.get(c, u)
		if body := readBody(t, resp); resp.Request.URL.String() != h.portalURL+"/" || !strings.Contains(body, demoEmail) {
			t.Errorf("tab sign-in: %d at %s", resp.StatusCode, resp.Request.URL)
		}
	}
}

// TestPendingSignInExpires: a callback for a sign-in started more than the
// pending lifetime ago is refused without a token request, even when the
// store still holds it.
func TestPendingSignInExpires(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	cb := h.callbackURL(c, demoEmail, demoPassword)
	h.app.Web.SetNow(func() time.Time { return time.Now().Add(16 * time.Minute) })
	h.idp.ResetCounts()
	resp := h.get(c, cb)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "expired") || !strings.Contains(body, "Try again") {
		t.Fatalf("stale callback: %d %s", resp.StatusCode, body)
	}
	if n := h.idp.Counts()["POST /oauth2/token"]; n != 0 {
		t.Errorf("token requests = %d, want 0", n)
	}
}

// TestHTTPSHeadersAndCookies: with an https public URL every response
// carries HSTS, and the portal's cookies are Secure with the __Host- prefix;
// with http there is no HSTS (browsers would ignore it, and it would pin a
// development host).
func TestHTTPSHeadersAndCookies(t *testing.T) {
	h := newHarness(t, map[string]string{"PORTAL_PUBLIC_URL": "https://portal.example"})
	c := h.browser()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, path := range []string{"/", "/login", "/nope", "/callback", "/logout", "/assets/nope.css"} {
		resp := h.get(c, h.portalURL+path)
		readBody(t, resp)
		if hsts := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(hsts, "max-age=") {
			t.Errorf("%s: HSTS %q", path, hsts)
		}
		for _, ck := range resp.Cookies() {
			if !strings.HasPrefix(ck.Name, "__Host-") || !ck.Secure || !ck.HttpOnly || ck.Path != "/" || ck.Domain != "" || ck.SameSite != http.SameSiteLaxMode {
				t.Errorf("%s: cookie %+v", path, ck)
			}
		}
		if path == "/login" && len(resp.Cookies()) != 1 {
			t.Errorf("/login set %d cookies, want the sign-in binding", len(resp.Cookies()))
		}
	}
	plain := newHarness(t, nil)
	resp := plain.get(plain.browser(), plain.portalURL+"/")
	readBody(t, resp)
	if hsts := resp.Header.Get("Strict-Transport-Security"); hsts != "" {
		t.Errorf("HSTS over http: %q", hsts)
	}
}

// TestRateLimitPerClient: besides the per-IP limit, one client is limited
// whatever address it comes from: a signed-in user's saves, and before
// sign-in a browser's sign-ins and callbacks (by its sign-in cookie).
func TestRateLimitPerClient(t *testing.T) {
	h := newHarness(t, map[string]string{"PORTAL_RATE_LIMIT": "3", "PORTAL_TRUSTED_PROXIES": "127.0.0.1"})
	from := func(c *http.Client, method, u string, vals url.Values, ip string) *http.Response {
		t.Helper()
		var body io.Reader
		if vals != nil {
			body = strings.NewReader(vals.Encode())
		}
		req, _ := http.NewRequest(method, u, body)
		if vals != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	// Before sign-in: one browser, a new address for each callback.
	c := h.browser()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	readBody(t, from(c, http.MethodGet, h.portalURL+"/login", nil, "198.51.100.1")) // sets the sign-in cookie
	var codes []int
	for i := range 4 {
		resp := from(c, http.MethodGet, h.portalURL+"/callback?state=x", nil, fmt.Sprintf("198.51.100.%d", 10+i))
		readBody(t, resp)
		codes = append(codes, resp.StatusCode)
	}
	if codes[3] != http.StatusTooManyRequests {
		t.Errorf("one browser's callbacks from 4 addresses: %v, want the 4th limited", codes)
	}
	// Another browser from yet another address is not limited by it.
	other := h.browser()
	if resp := from(other, http.MethodGet, h.portalURL+"/callback?state=x", nil, "198.51.100.99"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("another browser: %d, want the ordinary 400", resp.StatusCode)
	}

	// Signed in: saves from four addresses.
	u := h.browser()
	h.login(u, demoEmail, demoPassword)
	page := readBody(t, h.get(u, h.portalURL+"/"))
	_, vals := formValues(page, `action="/profile"`)
	codes = codes[:0]
	var last string
	for i := range 4 {
		resp := from(u, http.MethodPost, h.portalURL+"/profile", vals, fmt.Sprintf("203.0.113.%d", 50+i))
		last = readBody(t, resp)
		codes = append(codes, resp.StatusCode)
	}
	if codes[3] != http.StatusTooManyRequests || !strings.Contains(last, "You saved many times") {
		t.Errorf("one user's saves from 4 addresses: %v, want the 4th limited with the save message", codes)
	}
}
