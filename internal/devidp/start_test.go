package devidp

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestStartAndDiscovery(t *testing.T) {
	c, cancel := context.WithCancel(t.Context())
	defer cancel()
	s, base, err := Start(c, "127.0.0.1:0", Options{Kickstart: demoKickstart(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") || s.Issuer() != base {
		t.Fatalf("base %q issuer %q", base, s.Issuer())
	}
	resp, err := http.Get(base + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d["issuer"] != base || d["token_endpoint"] != base+"/oauth2/token" || d["end_session_endpoint"] != base+"/oauth2/logout" {
		t.Errorf("discovery %v", d)
	}
	if got := s.Counts()["GET /.well-known/openid-configuration"]; got != 1 {
		t.Errorf("count %d", got)
	}

	s2, err := New(Options{Issuer: "https://issuer.example", BaseURL: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if s2.Issuer() != "https://issuer.example" {
		t.Errorf("explicit issuer %q", s2.Issuer())
	}
}

func TestAllowRedirects(t *testing.T) {
	s, ts := newDemo(t)
	if err := s.AllowRedirects(demoAppID, "http://127.0.0.1:1234/callback"); err != nil {
		t.Fatal(err)
	}
	if err := s.AllowRedirects("no-such-app", "http://x/"); err == nil {
		t.Error("unknown application accepted")
	}
	q := authorizeParams(newPKCE(), "openid", "s", "n")
	q.Set("redirect_uri", "http://127.0.0.1:1234/callback")
	resp, err := browser(t).Get(ts.URL + "/oauth2/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.StatusCode != 200 {
		t.Errorf("added redirect refused: %d", resp.StatusCode)
	}
}
