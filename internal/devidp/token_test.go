package devidp

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

func wantOAuthError(t *testing.T, status int, body map[string]any, wantStatus int, code, reason string) {
	t.Helper()
	if status != wantStatus || body["error"] != code || body["error_reason"] != reason {
		t.Fatalf("got %d %v; want %d error=%s reason=%s", status, body, wantStatus, code, reason)
	}
	if body["error_description"] == nil {
		t.Errorf("no error_description in %v", body)
	}
}

func TestTokenErrors(t *testing.T) {
	_, ts := newDemo(t)
	c := browser(t)

	t.Run("pkce mismatch", func(t *testing.T) {
		p := newPKCE()
		code := login(t, c, ts, p, "openid", "n")
		f := codeForm(code, p)
		f.Set("code_verifier", newPKCE().verifier)
		st, body := token(t, ts, f)
		wantOAuthError(t, st, body, 400, "invalid_grant", "invalid_pkce_code_verifier")
	})
	t.Run("pkce missing", func(t *testing.T) {
		p := newPKCE()
		f := codeForm(login(t, c, ts, p, "openid", "n"), p)
		f.Del("code_verifier")
		st, body := token(t, ts, f)
		wantOAuthError(t, st, body, 400, "invalid_request", "missing_code_verifier")
	})
	t.Run("code reuse", func(t *testing.T) {
		p := newPKCE()
		f := codeForm(login(t, c, ts, p, "openid", "n"), p)
		if st, body := token(t, ts, f); st != 200 || body["access_token"] == nil {
			t.Fatalf("first exchange: %d %v", st, body)
		}
		st, body := token(t, ts, f)
		wantOAuthError(t, st, body, 400, "invalid_request", "auth_code_not_found")
	})
	t.Run("redirect uri differs", func(t *testing.T) {
		p := newPKCE()
		f := codeForm(login(t, c, ts, p, "openid", "n"), p)
		f.Set("redirect_uri", "http://localhost:8080/other")
		st, body := token(t, ts, f)
		wantOAuthError(t, st, body, 400, "invalid_request", "invalid_redirect_uri")
	})
	t.Run("bad secret post", func(t *testing.T) {
		p := newPKCE()
		f := codeForm(login(t, c, ts, p, "openid", "n"), p)
		f.Set("client_secret", "wrong")
		st, body := token(t, ts, f)
		wantOAuthError(t, st, body, 401, "invalid_client", "invalid_client_authentication")
	})
	t.Run("bad secret basic", func(t *testing.T) {
		p := newPKCE()
		f := codeForm(login(t, c, ts, p, "openid", "n"), p)
		f.Del("client_secret")
		f.Del("client_id")
		req, _ := http.NewRequest("POST", ts.URL+"/oauth2/token", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(demoAppID, "wrong")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		wantOAuthError(t, resp.StatusCode, decode(t, readAll(t, resp)), 401, "invalid_client", "invalid_client_authentication")
	})
	t.Run("good secret basic", func(t *testing.T) {
		p := newPKCE()
		f := codeForm(login(t, c, ts, p, "openid", "n"), p)
		f.Del("client_secret")
		req, _ := http.NewRequest("POST", ts.URL+"/oauth2/token", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(demoAppID, demoSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if body := decode(t, readAll(t, resp)); resp.StatusCode != 200 || body["id_token"] == nil {
			t.Fatalf("basic auth exchange: %d %v", resp.StatusCode, body)
		}
	})
	// portal check's probe: a code that was never issued. The client is
	// authenticated before the code is looked up, so a wrong secret is
	// invalid_client and a right one gets FusionAuth's unknown-code answer.
	t.Run("never issued code", func(t *testing.T) {
		f := codeForm("portal-check-never-issued", newPKCE())
		f.Set("client_secret", "wrong-secret")
		st, body := token(t, ts, f)
		wantOAuthError(t, st, body, 401, "invalid_client", "invalid_client_authentication")
		f.Set("client_secret", demoSecret)
		st, body = token(t, ts, f)
		wantOAuthError(t, st, body, 400, "invalid_request", "auth_code_not_found")
		if body["error_description"] != "Invalid Authorization Code" {
			t.Errorf("description: %v", body)
		}
	})
	t.Run("secret missing", func(t *testing.T) {
		st, body := token(t, ts, url.Values{"grant_type": {"authorization_code"}, "code": {"x"}, "client_id": {demoAppID}})
		wantOAuthError(t, st, body, 401, "invalid_client", "client_authentication_missing")
	})
	t.Run("unsupported grant", func(t *testing.T) {
		st, body := token(t, ts, url.Values{"grant_type": {"password"}, "client_id": {demoAppID}, "client_secret": {demoSecret}})
		wantOAuthError(t, st, body, 400, "unsupported_grant_type", "invalid_grant_type")
	})
}

func TestAuthorizeValidation(t *testing.T) {
	_, ts := newDemo(t)
	c := browser(t)
	get := func(q url.Values) (*http.Response, string) {
		resp, err := c.Get(ts.URL + "/oauth2/authorize?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		return resp, readAll(t, resp)
	}
	p := newPKCE()

	q := authorizeParams(p, "openid", "s", "n")
	q.Set("redirect_uri", "https://evil.example/cb")
	resp, body := get(q)
	if resp.StatusCode != 400 || resp.Header.Get("Location") != "" || !strings.Contains(body, "invalid_redirect_uri") {
		t.Errorf("unregistered redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	q = authorizeParams(p, "openid", "s", "n")
	q.Set("client_id", "00000000-0000-0000-0000-000000000000")
	if resp, _ := get(q); resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
		t.Errorf("unknown client: %d", resp.StatusCode)
	}

	q = authorizeParams(p, "openid", "s", "n")
	q.Del("code_challenge")
	resp, _ = get(q)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || loc.Query().Get("error") != "invalid_request" || loc.Query().Get("error_reason") != "missing_code_challenge" || loc.Query().Get("state") != "s" {
		t.Errorf("missing PKCE: %d %s", resp.StatusCode, loc)
	}

	q = authorizeParams(p, "openid", "s", "n")
	q.Set("code_challenge_method", "plain")
	resp, _ = get(q)
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc.Query().Get("error_reason") != "invalid_pkce_code_challenge_method" {
		t.Errorf("plain PKCE: %d %s", resp.StatusCode, loc)
	}

	q = authorizeParams(p, "openid bogus", "s", "n")
	resp, _ = get(q)
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc.Query().Get("error") != "invalid_scope" {
		t.Errorf("unknown scope: %d %s", resp.StatusCode, loc)
	}
}

func TestRefresh(t *testing.T) {
	s, ts := newDemo(t)
	c := browser(t)
	refresh := func(rt string) (int, map[string]any) {
		return token(t, ts, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {demoAppID}, "client_secret": {demoSecret}})
	}
	p := newPKCE()
	st, first := token(t, ts, codeForm(login(t, c, ts, p, "openid offline_access", "n-r"), p))
	if st != 200 {
		t.Fatalf("exchange: %d %v", st, first)
	}
	rt, _ := first["refresh_token"].(string)
	if rt == "" {
		t.Fatal("no refresh token")
	}

	t.Run("reusable", func(t *testing.T) {
		for i := range 2 {
			st, body := refresh(rt)
			if st != 200 || body["access_token"] == nil || body["id_token"] == nil {
				t.Fatalf("refresh %d: %d %v", i, st, body)
			}
			if _, rotated := body["refresh_token"]; rotated {
				t.Errorf("reusable refresh returned a new refresh token")
			}
		}
	})

	t.Run("one time", func(t *testing.T) {
		s.Faults().Update(func(c *FaultConfig) { c.OneTimeRefreshTokens = true })
		defer s.Faults().Reset()
		st, body := refresh(rt)
		next, _ := body["refresh_token"].(string)
		if st != 200 || next == "" || next == rt || body["refresh_token_id"] != first["refresh_token_id"] {
			t.Fatalf("rotate: %d %v", st, body)
		}
		st, body = refresh(rt)
		wantOAuthError(t, st, body, 400, "invalid_grant", "refresh_token_not_found")
		if st, _ := refresh(next); st != 200 {
			t.Errorf("rotated token refused: %d", st)
		}
	})

	t.Run("application policy OneTimeUse", func(t *testing.T) {
		s.st.mu.Lock()
		s.st.apps[demoAppID]["jwtConfiguration"].(map[string]any)["refreshTokenUsagePolicy"] = "OneTimeUse"
		s.st.mu.Unlock()
		p := newPKCE()
		_, b := token(t, ts, codeForm(login(t, c, ts, p, "openid offline_access", "n"), p))
		old, _ := b["refresh_token"].(string)
		if st, body := refresh(old); st != 200 || body["refresh_token"] == nil {
			t.Fatalf("refresh: %d %v", st, body)
		}
		if st, _ := refresh(old); st != 400 {
			t.Errorf("old token reused: %d", st)
		}
	})

	t.Run("ttl fault", func(t *testing.T) {
		s.Faults().Update(func(c *FaultConfig) { c.AccessTokenTTL = 2 * time.Second })
		defer s.Faults().Reset()
		p := newPKCE()
		_, b := token(t, ts, codeForm(login(t, c, ts, p, "openid offline_access", "n"), p))
		if n, _ := b["expires_in"].(json.Number); n != "2" {
			t.Errorf("expires_in %v", b["expires_in"])
		}
	})

	t.Run("bad token", func(t *testing.T) {
		st, body := refresh("nope")
		wantOAuthError(t, st, body, 400, "invalid_grant", "refresh_token_not_found")
	})
}

func TestTokenFaults(t *testing.T) {
	s, ts := newDemo(t)
	provider, err := oidc.NewProvider(ctx(t), ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	verifier := provider.Verifier(&oidc.Config{ClientID: demoAppID})
	c := browser(t)
	idToken := func() string {
		p := newPKCE()
		st, body := token(t, ts, codeForm(login(t, c, ts, p, "openid", "n-f"), p))
		if st != 200 {
			t.Fatalf("exchange %d %v", st, body)
		}
		return body["id_token"].(string)
	}
	if _, err := verifier.Verify(ctx(t), idToken()); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	for name, set := range map[string]func(*FaultConfig){
		"WrongAudience":       func(c *FaultConfig) { c.WrongAudience = true },
		"WrongIssuer":         func(c *FaultConfig) { c.WrongIssuer = true },
		"ExpiredIDToken":      func(c *FaultConfig) { c.ExpiredIDToken = true },
		"FutureIssuedIDToken": func(c *FaultConfig) { c.FutureIssuedIDToken = true },
		"BadSignature":        func(c *FaultConfig) { c.BadSignature = true },
		"AlgNone":             func(c *FaultConfig) { c.AlgNone = true },
		"UnknownKID":          func(c *FaultConfig) { c.UnknownKID = true },
	} {
		s.Faults().Set(FaultConfig{})
		s.Faults().Update(set)
		if _, err := verifier.Verify(ctx(t), idToken()); err == nil {
			t.Errorf("%s: token verified", name)
		}
	}
	s.Faults().Set(FaultConfig{WrongNonce: true})
	if idt, err := verifier.Verify(ctx(t), idToken()); err != nil || idt.Nonce == "n-f" {
		t.Errorf("WrongNonce: err %v, or the nonce was right", err)
	}
	s.Faults().Reset()

	// After a rotation the verifier meets an unknown kid, refetches the JWKS and succeeds.
	if err := s.RotateKey(); err != nil {
		t.Fatal(err)
	}
	if _, err := verifier.Verify(ctx(t), idToken()); err != nil {
		t.Errorf("after RotateKey: %v", err)
	}

	s.Faults().Set(FaultConfig{FailToken: true})
	p := newPKCE()
	code := login(t, c, ts, p, "openid", "n")
	if st, body := token(t, ts, codeForm(code, p)); st != 500 || body["error"] != "server_error" {
		t.Errorf("FailToken: %d %v", st, body)
	}
	s.Faults().Set(FaultConfig{Down: true})
	if resp, err := http.Get(ts.URL + "/.well-known/openid-configuration"); err == nil {
		resp.Body.Close()
		t.Errorf("Down: got status %d, want a connection error", resp.StatusCode)
	}
	s.Faults().Reset()
}

func TestRefreshTokenAPI(t *testing.T) {
	_, ts := newDemo(t)
	c := browser(t)
	var ids []string
	for range 2 {
		p := newPKCE()
		_, b := token(t, ts, codeForm(login(t, c, ts, p, "openid offline_access", "n"), p))
		ids = append(ids, b["refresh_token_id"].(string))
	}
	st, body := api(t, ts, "GET", "/api/jwt/refresh?userId="+demoUserID, "", "")
	if list, _ := decode(t, body)["refreshTokens"].([]any); st != 200 || len(list) != 2 {
		t.Fatalf("list: %d %s", st, body)
	}
	if st, body := api(t, ts, "GET", "/api/jwt/refresh/"+ids[0], "", ""); st != 200 || path(decode(t, body), "refreshToken", "userId") != demoUserID {
		t.Errorf("get: %d %s", st, body)
	}
	if st, _ := api(t, ts, "DELETE", "/api/jwt/refresh/"+ids[0], "", ""); st != 200 {
		t.Errorf("delete by id: %d", st)
	}
	if st, _ := api(t, ts, "GET", "/api/jwt/refresh/"+ids[0], "", ""); st != 404 {
		t.Errorf("deleted token still there: %d", st)
	}
	if st, body := api(t, ts, "DELETE", "/api/jwt/refresh?userId="+demoUserID, "", ""); st != 200 || body != "" {
		t.Errorf("delete by user: %d %q", st, body)
	}
	_, body = api(t, ts, "GET", "/api/jwt/refresh?userId="+demoUserID, "", "")
	if list, _ := decode(t, body)["refreshTokens"].([]any); len(list) != 0 {
		t.Errorf("tokens left: %s", body)
	}
	if st, _ := api(t, ts, "DELETE", "/api/jwt/refresh", "", ""); st != 400 {
		t.Errorf("delete without parameters: %d", st)
	}
}
