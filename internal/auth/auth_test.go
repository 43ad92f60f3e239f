package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestAuthURLAndExchange(t *testing.T) {
	op, k := newOP(t)
	p := op.provider(t, nil)

	raw, pend := p.AuthURL(false)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	sum := sha256.Sum256([]byte(pend.Verifier))
	switch {
	case u.Path != "/oauth2/authorize":
		t.Errorf("path = %s", u.Path)
	case q.Get("client_id") != testClientID || q.Get("redirect_uri") != testRedirect || q.Get("response_type") != "code":
		t.Errorf("query = %v", q)
	case q.Get("state") != pend.State || q.Get("nonce") != pend.Nonce || len(pend.State) < 40 || len(pend.Nonce) < 40:
		t.Errorf("state/nonce: query %v pending %+v", q, pend)
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") != base64.RawURLEncoding.EncodeToString(sum[:]):
		t.Errorf("pkce: %v", q)
	case q.Get("scope") != "openid offline_access profile email":
		t.Errorf("scope = %q", q.Get("scope"))
	case !pend.Created.Equal(testNow) || pend.Register:
		t.Errorf("pending = %+v", pend)
	}
	_, pend2 := p.AuthURL(false)
	if pend2.State == pend.State || pend2.Nonce == pend.Nonce || pend2.Verifier == pend.Verifier {
		t.Error("state, nonce or verifier repeated")
	}

	op.replyTokens(sign(t, k, op.claims(pend.Nonce)), "rt-1")
	toks, id, err := p.Exchange(context.Background(), pend, "the-code")
	if err != nil {
		t.Fatal(err)
	}
	form := op.lastTokenForm()
	if form.Get("grant_type") != "authorization_code" || form.Get("code") != "the-code" || form.Get("code_verifier") != pend.Verifier ||
		form.Get("redirect_uri") != testRedirect || form.Get("client_id") != testClientID || form.Get("client_secret") != testSecret {
		t.Errorf("token form = %v", form)
	}
	if toks.AccessToken != "at-1" || toks.RefreshToken != "rt-1" || toks.IDToken == "" || toks.Expiry.IsZero() {
		t.Errorf("tokens = %+v", toks)
	}
	// userinfo overrides the ID token's email and adds given_name.
	if id.Subject != testSubject || id.Email != "jo@example.com" || !id.EmailVerified || id.GivenName != "Jo" || id.Name != "Jo Doe" {
		t.Errorf("identity = %+v", id)
	}
	if id.Claims["iss"] != op.srv.URL {
		t.Errorf("claims = %v", id.Claims)
	}
	var gotAuth string
	op.set(func() { gotAuth = op.userinfoAuth })
	if gotAuth != "Bearer at-1" {
		t.Errorf("userinfo Authorization = %q", gotAuth)
	}
}

func TestRegisterURL(t *testing.T) {
	op, _ := newOP(t)
	p := op.provider(t, nil)
	raw, pend := p.AuthURL(true)
	u, _ := url.Parse(raw)
	if u.Path != "/oauth2/register" || u.Query().Get("code_challenge") == "" || !pend.Register {
		t.Fatalf("register URL = %s", raw)
	}
	if got := registerURL("https://idp.example/authorize?x=1"); got != "https://idp.example/authorize?x=1" {
		t.Fatalf("non-FusionAuth register URL = %s", got)
	}
	if got := registerURL("https://idp.example/t/oauth2/authorize"); got != "https://idp.example/t/oauth2/register" {
		t.Fatalf("prefixed register URL = %s", got)
	}
}

// TestBadIDTokens drives Exchange with each kind of bad ID token.
func TestBadIDTokens(t *testing.T) {
	op, k := newOP(t)
	p := op.provider(t, nil)
	other := testKey{kid: "k1", key: rsaKey(t, 1)} // same kid, wrong key
	skew := DefaultClockSkew

	cases := []struct {
		name   string
		token  func(nonce string) string
		reason string // "" = accepted
	}{
		{"valid", func(n string) string { return sign(t, k, op.claims(n)) }, ""},
		{"wrong nonce", func(n string) string { return sign(t, k, op.claims("other")) }, "nonce mismatch"},
		{"no nonce", func(n string) string { return sign(t, k, op.claims("")) }, "nonce mismatch"},
		{"wrong aud", func(n string) string { c := op.claims(n); c["aud"] = "someone-else"; return sign(t, k, c) }, "wrong audience"},
		{"aud list with us and azp", func(n string) string {
			c := op.claims(n)
			c["aud"] = []string{"x", testClientID}
			c["azp"] = testClientID
			return sign(t, k, c)
		}, ""},
		{"aud list without azp", func(n string) string { c := op.claims(n); c["aud"] = []string{"x", testClientID}; return sign(t, k, c) }, "wrong authorized party"},
		{"wrong azp", func(n string) string { c := op.claims(n); c["azp"] = "x"; return sign(t, k, c) }, "wrong authorized party"},
		{"wrong iss", func(n string) string { c := op.claims(n); c["iss"] = op.srv.URL + "/"; return sign(t, k, c) }, "wrong issuer"},
		{"expired just outside skew", func(n string) string {
			c := op.claims(n)
			c["exp"] = testNow.Add(-skew - time.Second).Unix()
			return sign(t, k, c)
		}, "expired"},
		{"expired just inside skew", func(n string) string {
			c := op.claims(n)
			c["exp"] = testNow.Add(-skew + time.Second).Unix()
			return sign(t, k, c)
		}, ""},
		{"no exp", func(n string) string { c := op.claims(n); delete(c, "exp"); return sign(t, k, c) }, "missing expiry"},
		{"iat future beyond skew", func(n string) string {
			c := op.claims(n)
			c["iat"] = testNow.Add(skew + time.Second).Unix()
			return sign(t, k, c)
		}, "issued in the future"},
		{"iat future inside skew", func(n string) string {
			c := op.claims(n)
			c["iat"] = testNow.Add(skew - time.Second).Unix()
			return sign(t, k, c)
		}, ""},
		{"nbf beyond skew", func(n string) string {
			c := op.claims(n)
			c["nbf"] = testNow.Add(skew + time.Second).Unix()
			return sign(t, k, c)
		}, "not yet valid"},
		{"nbf future inside skew", func(n string) string {
			c := op.claims(n)
			c["nbf"] = testNow.Add(skew - time.Second).Unix()
			return sign(t, k, c)
		}, ""},
		{"no sub", func(n string) string { c := op.claims(n); delete(c, "sub"); return sign(t, k, c) }, "missing subject"},
		{"bad signature", func(n string) string { return sign(t, other, op.claims(n)) }, "bad signature or algorithm"},
		{"alg none", func(n string) string { return unsignedToken(op.claims(n)) }, "bad signature or algorithm"},
		{"HS256 with client secret", func(n string) string { return signHS256(t, testSecret, op.claims(n)) }, "bad signature or algorithm"},
		{"garbage", func(n string) string { return "not.a.jwt" }, "bad signature or algorithm"},
		{"at_hash mismatch", func(n string) string {
			c := op.claims(n)
			c["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA"
			return sign(t, k, c)
		}, "access token hash mismatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, pend := p.AuthURL(false)
			op.replyTokens(tc.token(pend.Nonce), "rt")
			_, id, err := p.Exchange(context.Background(), pend, "code")
			if tc.reason == "" {
				if err != nil || id.Subject != testSubject {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			var ve *VerificationError
			if !errors.As(err, &ve) || ve.Reason != tc.reason {
				t.Fatalf("err = %v, want reason %q", err, tc.reason)
			}
			if ve.SafeMessage() == "" || strings.Contains(ve.SafeMessage(), testSubject) {
				t.Fatalf("safe message = %q", ve.SafeMessage())
			}
		})
	}
}

func TestHS256WhenAllowed(t *testing.T) {
	op, _ := newOP(t)
	p := op.provider(t, func(c *Config) { c.AllowedAlgs = []string{"RS256", "HS256"} })
	_, pend := p.AuthURL(false)
	op.replyTokens(signHS256(t, testSecret, op.claims(pend.Nonce)), "")
	if _, _, err := p.Exchange(context.Background(), pend, "c"); err != nil {
		t.Fatalf("HS256 with secret rejected: %v", err)
	}
	_, pend = p.AuthURL(false)
	op.replyTokens(signHS256(t, testSecret+"-wrong", op.claims(pend.Nonce)), "")
	var ve *VerificationError
	if _, _, err := p.Exchange(context.Background(), pend, "c"); !errors.As(err, &ve) {
		t.Fatalf("HS256 with wrong secret: err = %v", err)
	}
}

func TestKeyRotation(t *testing.T) {
	op, k1 := newOP(t)
	p := op.provider(t, nil)
	_, pend := p.AuthURL(false)
	op.replyTokens(sign(t, k1, op.claims(pend.Nonce)), "")
	if _, _, err := p.Exchange(context.Background(), pend, "c"); err != nil {
		t.Fatal(err)
	}
	if op.fetches() != 1 {
		t.Fatalf("jwks fetches = %d", op.fetches())
	}
	// Same key again: served from cache.
	_, pend = p.AuthURL(false)
	op.replyTokens(sign(t, k1, op.claims(pend.Nonce)), "")
	if _, _, err := p.Exchange(context.Background(), pend, "c"); err != nil || op.fetches() != 1 {
		t.Fatalf("err = %v, fetches = %d", err, op.fetches())
	}
	// A new kid: JWKS refetched once, then accepted.
	k2 := testKey{kid: "k2", key: rsaKey(t, 2)}
	op.publish(k2)
	_, pend = p.AuthURL(false)
	op.replyTokens(sign(t, k2, op.claims(pend.Nonce)), "")
	if _, _, err := p.Exchange(context.Background(), pend, "c"); err != nil || op.fetches() != 2 {
		t.Fatalf("err = %v, fetches = %d", err, op.fetches())
	}
	// A kid the provider never published: rejected after one more fetch.
	k3 := testKey{kid: "k3", key: rsaKey(t, 1)}
	_, pend = p.AuthURL(false)
	op.replyTokens(sign(t, k3, op.claims(pend.Nonce)), "")
	var ve *VerificationError
	if _, _, err := p.Exchange(context.Background(), pend, "c"); !errors.As(err, &ve) || op.fetches() != 3 {
		t.Fatalf("unknown kid: err = %v, fetches = %d", err, op.fetches())
	}
}

func TestIssuerMismatch(t *testing.T) {
	op, _ := newOP(t)
	c := op.config()
	c.Issuer = op.srv.URL + "/"
	_, err := New(context.Background(), c)
	want := `issuer mismatch: configured "` + op.srv.URL + `/" but discovery says "` + op.srv.URL + `"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want %s", err, want)
	}
	op.set(func() { op.discIssuer = "acme.com" })
	c.Issuer = op.srv.URL
	if _, err := New(context.Background(), c); err == nil || !strings.Contains(err.Error(), `"acme.com"`) {
		t.Fatalf("acme.com issuer: err = %v", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	op, _ := newOP(t)
	cases := map[string]func(*Config){
		"alg none":          func(c *Config) { c.AllowedAlgs = []string{"RS256", "none"} },
		"unknown alg":       func(c *Config) { c.AllowedAlgs = []string{"XX1"} },
		"HS256 no secret":   func(c *Config) { c.AllowedAlgs = []string{"HS256"}; c.ClientSecret = "" },
		"issuer not URL":    func(c *Config) { c.Issuer = "acme.com" },
		"no client id":      func(c *Config) { c.ClientID = "" },
		"relative redirect": func(c *Config) { c.RedirectURL = "/callback" },
		"no discovery":      func(c *Config) { c.Issuer = op.srv.URL + "/nothing" },
	}
	for name, mod := range cases {
		c := op.config()
		mod(&c)
		if p, err := New(context.Background(), c); err == nil || p != nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRefresh(t *testing.T) {
	op, k := newOP(t)
	p := op.provider(t, nil)
	orig := Tokens{AccessToken: "old-at", RefreshToken: "rt-old", IDToken: sign(t, k, op.claims("n1"))}
	ctx := context.Background()

	// Rotation: the new refresh token is taken.
	op.replyTokens(sign(t, k, op.claims("n1")), "rt-new")
	nt, err := p.Refresh(ctx, orig, "n1")
	if err != nil || nt.RefreshToken != "rt-new" || nt.AccessToken != "at-1" {
		t.Fatalf("rotation: %+v, %v", nt, err)
	}
	if f := op.lastTokenForm(); f.Get("grant_type") != "refresh_token" || f.Get("refresh_token") != "rt-old" {
		t.Fatalf("form = %v", f)
	}
	// No rotation, no ID token: old refresh token and ID token kept.
	op.replyTokens("", "")
	nt, err = p.Refresh(ctx, orig, "n1")
	if err != nil || nt.RefreshToken != "rt-old" || nt.IDToken != orig.IDToken {
		t.Fatalf("no rotation: %+v, %v", nt, err)
	}
	// A new ID token without nonce is fine.
	op.replyTokens(sign(t, k, op.claims("")), "")
	if _, err = p.Refresh(ctx, orig, "n1"); err != nil {
		t.Fatalf("missing nonce: %v", err)
	}
	// A different nonce is not.
	op.replyTokens(sign(t, k, op.claims("n2")), "")
	var ve *VerificationError
	if _, err = p.Refresh(ctx, orig, "n1"); !errors.As(err, &ve) || ve.Reason != "nonce mismatch" {
		t.Fatalf("different nonce: %v", err)
	}
	// A different subject is not.
	c := op.claims("n1")
	c["sub"] = "user-2"
	op.replyTokens(sign(t, k, c), "")
	if _, err = p.Refresh(ctx, orig, "n1"); !errors.As(err, &ve) || ve.Reason != "subject changed" {
		t.Fatalf("different subject: %v", err)
	}
	// An expired new ID token is rejected too.
	c = op.claims("n1")
	c["exp"] = testNow.Add(-time.Hour).Unix()
	op.replyTokens(sign(t, k, c), "")
	if _, err = p.Refresh(ctx, orig, "n1"); !errors.As(err, &ve) || ve.Reason != "expired" {
		t.Fatalf("expired: %v", err)
	}
}

func TestInvalidGrant(t *testing.T) {
	op, _ := newOP(t)
	p := op.provider(t, nil)
	op.set(func() {
		op.tokenReply = func(url.Values) (int, any) {
			return 400, map[string]string{"error": "invalid_grant", "error_description": "The refresh_token is invalid.", "error_reason": "refresh_token_not_found"}
		}
	})
	_, err := p.Refresh(context.Background(), Tokens{RefreshToken: "gone"}, "")
	if !errors.Is(err, ErrInvalidGrant) {
		t.Fatalf("refresh: err = %v", err)
	}
	// FusionAuth's older bad-code answer.
	op.set(func() {
		op.tokenReply = func(url.Values) (int, any) {
			return 400, map[string]string{"error": "invalid_request", "error_reason": "auth_code_not_found"}
		}
	})
	_, pend := p.AuthURL(false)
	if _, _, err := p.Exchange(context.Background(), pend, "used"); !errors.Is(err, ErrInvalidGrant) {
		t.Fatalf("exchange: err = %v", err)
	}
	// Other token endpoint errors are not ErrInvalidGrant.
	op.set(func() {
		op.tokenReply = func(url.Values) (int, any) { return 401, map[string]string{"error": "invalid_client"} }
	})
	if _, err := p.Refresh(context.Background(), Tokens{RefreshToken: "x"}, ""); err == nil || errors.Is(err, ErrInvalidGrant) {
		t.Fatalf("invalid_client: err = %v", err)
	}
	if _, err := p.Refresh(context.Background(), Tokens{}, ""); !errors.Is(err, ErrInvalidGrant) {
		t.Fatalf("no refresh token: err = %v", err)
	}
}

func TestRefreshConcurrent(t *testing.T) {
	op, k := newOP(t)
	p := op.provider(t, nil)
	op.replyTokens(sign(t, k, op.claims("n")), "rt-2")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nt, err := p.Refresh(context.Background(), Tokens{RefreshToken: "rt-1"}, "n")
			if err == nil && nt.RefreshToken != "rt-2" {
				err = errors.New("wrong refresh token " + nt.RefreshToken)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestUserinfo(t *testing.T) {
	op, k := newOP(t)
	var logs bytes.Buffer
	p := op.provider(t, func(c *Config) { c.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })

	// Different sub: rejected.
	op.set(func() { op.userinfo = map[string]any{"sub": "someone-else", "email": "x@y"} })
	_, pend := p.AuthURL(false)
	op.replyTokens(sign(t, k, op.claims(pend.Nonce)), "")
	var ve *VerificationError
	if _, _, err := p.Exchange(context.Background(), pend, "c"); !errors.As(err, &ve) || ve.Reason != "userinfo subject mismatch" {
		t.Fatalf("sub mismatch: %v", err)
	}
	// userinfo cannot override protected claims.
	op.set(func() { op.userinfo = map[string]any{"sub": testSubject, "iss": "http://evil", "email": "u@x"} })
	_, pend = p.AuthURL(false)
	op.replyTokens(sign(t, k, op.claims(pend.Nonce)), "")
	_, id, err := p.Exchange(context.Background(), pend, "c")
	if err != nil || id.Claims["iss"] != op.srv.URL || id.Email != "u@x" {
		t.Fatalf("protected claims: %+v, %v", id, err)
	}
	// userinfo failing: sign-in proceeds with ID token claims.
	op.set(func() { op.userinfoCode = 500 })
	_, pend = p.AuthURL(false)
	op.replyTokens(sign(t, k, op.claims(pend.Nonce)), "")
	_, id, err = p.Exchange(context.Background(), pend, "c")
	if err != nil || id.Email != "id@example.com" || id.Subject != testSubject {
		t.Fatalf("userinfo down: %+v, %v", id, err)
	}
	// The warning goes to the configured logger (so it follows
	// PORTAL_LOG_FORMAT) and carries no token.
	if !strings.Contains(logs.String(), `"msg":"userinfo failed; using id token claims only"`) || strings.Contains(logs.String(), "eyJ") {
		t.Errorf("userinfo warning not in the configured logger, or with a token: %q", logs.String())
	}
	// No ID token at all: rejected.
	op.replyTokens("", "")
	_, pend = p.AuthURL(false)
	if _, _, err := p.Exchange(context.Background(), pend, "c"); !errors.As(err, &ve) || ve.Reason != "missing id token" {
		t.Fatalf("no id token: %v", err)
	}
	// Empty pending: rejected before any request.
	if _, _, err := p.Exchange(context.Background(), Pending{}, "c"); err == nil {
		t.Fatal("empty pending accepted")
	}
}

func TestLogoutForm(t *testing.T) {
	op, _ := newOP(t)
	p := op.provider(t, nil)
	action, f := p.LogoutForm("the.id.token")
	u, err := url.Parse(action)
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != "/oauth2/logout" || u.RawQuery != "" || f.Get("client_id") != testClientID || f.Get("id_token_hint") != "the.id.token" ||
		f.Get("post_logout_redirect_uri") != "http://portal.test/" || len(f) != 3 {
		t.Fatalf("logout form = %s %v", action, f)
	}
	if _, f := p.LogoutForm(""); f.Has("id_token_hint") {
		t.Fatal("empty hint sent")
	}
	if p.Issuer() != op.srv.URL {
		t.Fatalf("Issuer() = %s", p.Issuer())
	}
	op.set(func() { op.noEndSession = true })
	if action, f := op.provider(t, nil).LogoutForm("x"); action != "" || f != nil {
		t.Fatalf("logout form without end_session_endpoint = %q %v", action, f)
	}
}

func TestPendingJSON(t *testing.T) {
	op, _ := newOP(t)
	p := op.provider(t, nil)
	_, pend := p.AuthURL(true)
	pend.ReturnTo = "/profile"
	pend.Draft = map[string][]string{"user.firstName": {"Jo"}}
	pend.Browser = "b1"
	b, err := json.Marshal(pend)
	if err != nil {
		t.Fatal(err)
	}
	var back Pending
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.State != pend.State || back.Nonce != pend.Nonce || back.Verifier != pend.Verifier || !back.Register ||
		back.ReturnTo != "/profile" || !back.Created.Equal(pend.Created) || back.Draft["user.firstName"][0] != "Jo" ||
		back.Browser != "b1" {
		t.Fatalf("round trip = %+v", back)
	}
}

func TestJWKSUnavailable(t *testing.T) {
	op, k := newOP(t)
	p := op.provider(t, nil)
	op.set(func() { op.jwksDown = true })
	_, pend := p.AuthURL(false)
	op.replyTokens(sign(t, k, op.claims(pend.Nonce)), "")
	var ve *VerificationError
	if _, _, err := p.Exchange(context.Background(), pend, "c"); !errors.As(err, &ve) || ve.Reason != "signing keys unavailable" {
		t.Fatalf("err = %v", err)
	}
	// Back up: the next sign-in fetches again and succeeds.
	op.set(func() { op.jwksDown = false })
	_, pend = p.AuthURL(false)
	op.replyTokens(sign(t, k, op.claims(pend.Nonce)), "")
	if _, _, err := p.Exchange(context.Background(), pend, "c"); err != nil || op.fetches() != 2 {
		t.Fatalf("err = %v, fetches = %d", err, op.fetches())
	}
}
