package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"portal/internal/auth"
	"portal/internal/session"
)

// Rotating through the addresses of one IPv6 /64 must not dodge the limit.
func TestRateLimitKeysIPv6ByPrefix(t *testing.T) {
	s, err := New(Options{
		Sessions:  session.NewManager(session.Options{Store: session.NewMemory()}),
		Auth:      fakeAuth{},
		RateLimit: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	get := func(remote string) int {
		r := httptest.NewRequest(http.MethodGet, "/callback?state=x", nil)
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w.Code
	}
	var codes []int
	for _, a := range []string{"[2001:db8::1]:1000", "[2001:db8::2]:1000", "[2001:db8::ffff:1]:1000"} {
		codes = append(codes, get(a))
	}
	if codes[2] != http.StatusTooManyRequests {
		t.Errorf("three addresses of one /64: %v, want the third limited", codes)
	}
	if c := get("[2001:db8:0:1::1]:1000"); c != http.StatusBadRequest {
		t.Errorf("another /64: %d, want 400 (not limited)", c)
	}
	for in, want := range map[string]string{
		"2001:db8::1":      "2001:db8::/64",
		"fe80::1%eth0":     "fe80::/64",
		"::ffff:192.0.2.1": "192.0.2.1",
		"192.0.2.1":        "192.0.2.1",
		"not-an-ip":        "not-an-ip",
	} {
		if got := rateKey(in); got != want {
			t.Errorf("rateKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// A panic's error page must not carry what the handler had set up: a
// redirect, a cookie, an asset's year of caching, gzip encoding.
func TestPanicPageDropsHandlerHeaders(t *testing.T) {
	s := newTestServer(t)
	h := s.withRecover(s.withSecurityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("Location", "https://evil.example/")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Security-Policy", "default-src *")
		http.SetCookie(w, &http.Cookie{Name: "x", Value: "y"})
		panic("boom")
	})))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", w.Code)
	}
	hd := w.Header()
	if got := hd.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	for _, k := range []string{"Location", "Content-Encoding", "Set-Cookie"} {
		if v := hd.Get(k); v != "" {
			t.Errorf("%s: %q carried onto the error page", k, v)
		}
	}
	if csp := hd.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if strings.Contains(w.Body.String(), "boom") {
		t.Error("panic value shown to the user")
	}
}

// A callback whose state names a kept draft's key must not take (and so
// destroy) the draft; a resume token must be what randomToken makes.
func TestCallbackStateCannotTakeDraft(t *testing.T) {
	s := newTestServer(t)
	ctx := context.Background()
	tok, err := s.stashDraft(ctx, "u1", url.Values{"registration.data.area": {"Zürich"}})
	if err != nil {
		t.Fatal(err)
	}
	w := do(t, s, http.MethodGet, "/callback?state=draft:"+tok+"&code=c", nil)
	if w.Code != http.StatusBadRequest {
		t.Errorf("callback with a draft key as state: %d, want 400", w.Code)
	}
	if got := s.takeDraft(ctx, "u1", tok); got.Get("registration.data.area") != "Zürich" {
		t.Errorf("draft gone after the callback: %v", got)
	}
	for _, bad := range []string{"", "x", strings.Repeat("a", 43), tok[:31] + "."} {
		if got := s.takeDraft(ctx, "u1", bad); got != nil {
			t.Errorf("takeDraft(%q) = %v", bad, got)
		}
	}
}

// Anyone can post the profile form without a session; what is kept for
// after the sign-in is bounded.
func TestOversizedDraftIsNotKept(t *testing.T) {
	s := newTestServer(t)
	pending := func(draft url.Values) auth.Pending {
		t.Helper()
		r := httptest.NewRequest(http.MethodPost, "/profile", nil)
		w := httptest.NewRecorder()
		s.startSignIn(w, r, false, draft)
		if w.Code != http.StatusFound {
			t.Fatalf("startSignIn: %d", w.Code)
		}
		raw, err := s.opt.Sessions.TakePending(context.Background(), "s1")
		if err != nil {
			t.Fatal(err)
		}
		var p auth.Pending
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := pending(url.Values{"registration.data.area": {"Zürich"}}); p.Draft["registration.data.area"][0] != "Zürich" {
		t.Errorf("small draft not kept: %v", p.Draft)
	}
	big := url.Values{"registration.data.bio": {strings.Repeat("x", 200<<10)}}
	if p := pending(big); len(p.Draft) != 0 || p.ReturnTo != "/" {
		t.Errorf("200 KiB draft kept (%d keys), return %q", len(p.Draft), p.ReturnTo)
	}
	many := url.Values{}
	for i := range 5000 {
		many.Set(fmt.Sprintf("registration.data.k%d", i), "v")
	}
	if p := pending(many); len(p.Draft) != 0 {
		t.Errorf("draft of %d keys kept", len(p.Draft))
	}
}

// /profile left in the address bar by a re-rendered form opens the profile.
func TestGetProfileRedirectsHome(t *testing.T) {
	s := newTestServer(t)
	for _, m := range []string{http.MethodGet, http.MethodHead} {
		w := do(t, s, m, "/profile", nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
			t.Errorf("%s /profile: %d %q", m, w.Code, w.Header().Get("Location"))
		}
	}
}

// Behind a proxy that rewrites Host, an older browser (no Sec-Fetch-Site)
// posting from the public origin is not refused; another origin still is.
func TestPublicOriginTrustedBehindProxy(t *testing.T) {
	pub, _ := url.Parse("https://portal.example")
	s, err := New(Options{
		Sessions:  session.NewManager(session.Options{Store: session.NewMemory()}),
		Auth:      fakeAuth{},
		PublicURL: pub,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	post := func(origin string) int {
		r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/logout", strings.NewReader(""))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", origin)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w.Code
	}
	if c := post("https://portal.example"); c == http.StatusForbidden {
		t.Errorf("post from the public origin refused")
	}
	if c := post("https://evil.example"); c != http.StatusForbidden {
		t.Errorf("post from another origin: %d, want 403", c)
	}
}
