package auth

import (
	"context"
	"net/url"
	"testing"
)

func TestCheckClient(t *testing.T) {
	op, _ := newOP(t)
	p := op.provider(t, nil)
	cases := []struct {
		status   int
		body     map[string]any
		accepted bool
	}{
		{401, map[string]any{"error": "invalid_client", "error_description": "The client could not be verified.", "error_reason": "invalid_client_authentication"}, false},
		{400, map[string]any{"error": "invalid_request", "error_description": "Invalid Authorization Code", "error_reason": "auth_code_not_found"}, true},
		{400, map[string]any{"error": "invalid_grant", "error_description": "bad code"}, true},
		{400, map[string]any{"error": "unauthorized_client", "error_reason": "grant_type_disabled"}, false},
		{400, map[string]any{"error": "invalid_request", "error_reason": "invalid_redirect_uri"}, false},
	}
	for _, tc := range cases {
		op.set(func() { op.tokenReply = func(url.Values) (int, any) { return tc.status, tc.body } })
		res, err := p.CheckClient(context.Background())
		if err != nil || res.Accepted != tc.accepted || res.Status != tc.status || res.Code != tc.body["error"] ||
			res.TokenURL != op.srv.URL+"/oauth2/token" {
			t.Errorf("%v: got %+v, %v", tc.body, res, err)
		}
	}
	// The probe is an authorization code grant with the sign-in's redirect
	// URI and client authentication (the body, as discovery allows it).
	f := op.lastTokenForm()
	if f.Get("grant_type") != "authorization_code" || f.Get("code") == "" || f.Get("code_verifier") == "" ||
		f.Get("redirect_uri") != testRedirect || f.Get("client_id") != testClientID || f.Get("client_secret") != testSecret {
		t.Errorf("probe form: %v", f)
	}
	// No OAuth answer at all is an error, not a verdict.
	op.set(func() { op.tokenReply = func(url.Values) (int, any) { return 502, "bad gateway" } })
	if res, err := p.CheckClient(context.Background()); err == nil || res.Accepted {
		t.Errorf("502: %+v %v", res, err)
	}
}
