package devidp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

func TestFullFlow(t *testing.T) {
	s, ts := newDemo(t)
	provider, err := oidc.NewProvider(ctx(t), ts.URL) // checks the issuer exactly
	if err != nil {
		t.Fatal(err)
	}
	c := browser(t)
	p := newPKCE()
	q := authorizeParams(p, "openid offline_access email profile", "st-1", "n-1")

	// Login page.
	resp, err := c.Get(ts.URL + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(page, `name="loginId"`) || !strings.Contains(page, `name="password"`) {
		t.Fatalf("login page: %d %s", resp.StatusCode, page)
	}
	if !strings.Contains(page, `/oauth2/register?`) {
		t.Error("login page does not link to registration")
	}

	// Wrong password: page again with the login id kept, never the password.
	bad := authorizeParams(p, "openid", "st-1", "n-1")
	bad.Set("loginId", "demo@example.com")
	bad.Set("password", "not-the-password-xyz")
	resp, err = c.PostForm(ts.URL+"/oauth2/authorize", bad)
	if err != nil {
		t.Fatal(err)
	}
	page = readAll(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(page, "Invalid login credentials") || !strings.Contains(page, `value="demo@example.com"`) || strings.Contains(page, "not-the-password-xyz") {
		t.Fatalf("wrong password page: %d %s", resp.StatusCode, page)
	}

	// Correct login: redirect with code, locale, state and userState.
	form := authorizeParams(p, "openid offline_access email profile", "st-1", "n-1")
	form.Set("loginId", "DEMO@example.com")
	form.Set("password", "demo-password")
	resp, err = c.PostForm(ts.URL+"/oauth2/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), demoRedirect+"?") {
		t.Fatalf("login: %d %s", resp.StatusCode, loc)
	}
	lq := loc.Query()
	if lq.Get("code") == "" || lq.Get("state") != "st-1" || lq.Get("locale") != "en" || lq.Get("userState") != "Authenticated" {
		t.Fatalf("redirect query %v", lq)
	}

	// Code exchange through golang.org/x/oauth2, as the portal does.
	conf := oauth2.Config{ClientID: demoAppID, ClientSecret: demoSecret, Endpoint: provider.Endpoint(), RedirectURL: demoRedirect}
	tok, err := conf.Exchange(ctx(t), lq.Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		t.Fatal(err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: demoAppID}).Verify(ctx(t), rawID)
	if err != nil {
		t.Fatal(err)
	}
	if idt.Nonce != "n-1" || idt.Subject != demoUserID {
		t.Errorf("id token nonce %q sub %q", idt.Nonce, idt.Subject)
	}
	var idc map[string]any
	_ = idt.Claims(&idc)
	if idc["email"] != "demo@example.com" || idc["given_name"] != "Demo" || idc["at_hash"] == nil {
		t.Errorf("id token claims %v", idc)
	}
	if tok.RefreshToken == "" || tok.Extra("refresh_token_id") == nil || tok.Extra("userId") != demoUserID {
		t.Errorf("token response lacks refresh token or userId: %+v", tok)
	}

	// The access token is a JWT verifiable with the JWKS.
	at, err := provider.Verifier(&oidc.Config{ClientID: demoAppID}).Verify(ctx(t), tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	var atc map[string]any
	_ = at.Claims(&atc)
	if atc["applicationId"] != demoAppID || atc["tid"] != demoTenantID || atc["sid"] != tok.Extra("refresh_token_id") ||
		atc["authenticationType"] != "PASSWORD" || atc["scope"] != "openid offline_access email profile" {
		t.Errorf("access token claims %v", atc)
	}
	if _, ok := atc["email"]; ok {
		t.Error("Strict access token must not carry email")
	}

	// userinfo, Strict: claims by scope, no applicationId/roles.
	ui := userinfo(t, ts, tok.AccessToken, 200)
	if ui["sub"] != demoUserID || ui["email"] != "demo@example.com" || ui["family_name"] != "User" || ui["applicationId"] != nil {
		t.Errorf("strict userinfo %v", ui)
	}
	userinfo(t, ts, rawID, 400) // id_token not accepted in Strict
	userinfo(t, ts, "garbage", 401)
	userinfo(t, ts, "", 401)

	// Compatibility: applicationId and roles from the token.
	s.st.mu.Lock()
	s.st.apps[demoAppID]["oauthConfiguration"].(map[string]any)["scopeHandlingPolicy"] = "Compatibility"
	s.st.mu.Unlock()
	ui = userinfo(t, ts, tok.AccessToken, 200)
	if ui["applicationId"] != demoAppID || ui["roles"] == nil || ui["email"] != "demo@example.com" {
		t.Errorf("compatibility userinfo %v", ui)
	}

	// SSO: a second authorize goes straight back with a code.
	resp, err = c.Get(ts.URL + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "code=") {
		t.Fatalf("SSO authorize: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}

	// Logout with an unregistered post_logout_redirect_uri is refused.
	resp, err = c.Get(ts.URL + "/oauth2/logout?" + url.Values{"client_id": {demoAppID}, "post_logout_redirect_uri": {"https://evil.example/"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page = readAll(t, resp)
	if resp.StatusCode != 400 || !strings.Contains(page, "invalid_post_logout_redirect_uri") || resp.Header.Get("Location") != "" {
		t.Fatalf("bad logout: %d %s", resp.StatusCode, page)
	}
	// Being the application's logoutURL does not make a URL an allowed
	// post_logout_redirect_uri: FusionAuth checks the authorized redirect URLs.
	resp, err = c.Get(ts.URL + "/oauth2/logout?" + url.Values{"client_id": {demoAppID}, "post_logout_redirect_uri": {"http://localhost:8080/"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page = readAll(t, resp)
	if resp.StatusCode != 400 || !strings.Contains(page, "invalid_post_logout_redirect_uri") {
		t.Fatalf("logoutURL as post_logout_redirect_uri: %d %s", resp.StatusCode, page)
	}
	// An authorized redirect URL is accepted.
	resp, err = c.Get(ts.URL + "/oauth2/logout?" + url.Values{"client_id": {demoAppID}, "post_logout_redirect_uri": {"http://localhost:8080/signed-out"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "http://localhost:8080/signed-out" {
		t.Fatalf("authorized post_logout_redirect_uri: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Logout by id_token_hint with state goes to the app's logout URL.
	resp, err = c.Get(ts.URL + "/oauth2/logout?" + url.Values{"id_token_hint": {rawID}, "state": {"bye"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "http://localhost:8080/?state=bye" {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The SSO session is gone: the login page is shown again.
	resp, err = c.Get(ts.URL + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.StatusCode != 200 {
		t.Fatalf("after logout authorize: %d", resp.StatusCode)
	}
}

func userinfo(t *testing.T, ts *httptest.Server, tok string, want int) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", ts.URL+"/oauth2/userinfo", nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != want {
		t.Fatalf("userinfo: status %d want %d: %s", resp.StatusCode, want, body)
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	return m
}
