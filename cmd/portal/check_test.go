package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portal/demo"
	"portal/internal/devidp"
)

// checkIDP starts a dev server seeded from the demo kickstart after edit has
// changed it (nil: as shipped) and returns its URL.
func checkIDP(t *testing.T, issuer string, edit func(ks map[string]any)) string {
	t.Helper()
	return checkIDPAt(t, "127.0.0.1:0", issuer, edit)
}

func checkIDPAt(t *testing.T, addr, issuer string, edit func(ks map[string]any)) string {
	t.Helper()
	var ks map[string]any
	if err := json.Unmarshal(demo.Kickstart, &ks); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(ks)
	}
	b, err := json.Marshal(ks)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	_, u, err := devidp.Start(ctx, addr, devidp.Options{Kickstart: b, Issuer: issuer})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// demoApplication is the application object the demo kickstart creates.
func demoApplication(t *testing.T, ks map[string]any) map[string]any {
	t.Helper()
	for _, r := range ks["requests"].([]any) {
		r := r.(map[string]any)
		if strings.HasPrefix(r["url"].(string), "/api/application/") {
			return r["body"].(map[string]any)["application"].(map[string]any)
		}
	}
	t.Fatal("no application in the demo kickstart")
	return nil
}

// checkEnv is a configuration that passes every check against idpURL.
func checkEnv(t *testing.T, idpURL string) map[string]string {
	var seed demoSeed
	if err := json.Unmarshal(demo.Kickstart, &seed); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"PORTAL_PUBLIC_URL":        "http://localhost:8080",
		"PORTAL_DATA_DIR":          t.TempDir(),
		"FUSIONAUTH_URL":           idpURL,
		"FUSIONAUTH_CLIENT_ID":     seed.Variables.ApplicationID,
		"FUSIONAUTH_CLIENT_SECRET": seed.Variables.ClientSecret,
		"FUSIONAUTH_API_KEY":       seed.Variables.APIKey,
	}
}

func runCheckWith(t *testing.T, env map[string]string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), []string{"check"}, func(k string) string { return env[k] }, &out, &out)
	return out.String(), err
}

func TestCheckPasses(t *testing.T) {
	out, err := runCheckWith(t, checkEnv(t, checkIDP(t, "", nil)))
	if err != nil || strings.Contains(out, "FAIL") || !strings.Contains(out, "all checks passed") {
		t.Fatalf("err %v\n%s", err, out)
	}
	for _, want := range []string{
		"issuer matches exactly", "JWKS loads", "application exists", "authorized redirect URLs include http://localhost:8080/callback",
		"post-logout URL allowed", "token endpoint accepts the client id and secret", "OAuth grant enabled: authorization_code",
		"OAuth grant enabled: refresh_token", "application generates refresh tokens", "API key may GET /api/user", "API key may PATCH /api/user", "API key may PATCH /api/user/registration",
		"API key may GET /api/form", `form "Real Estate Registration" loads`, "session store opens and answers",
	} {
		if !strings.Contains(out, "ok    "+want) {
			t.Errorf("no ok line %q in\n%s", want, out)
		}
	}
}

// TestCheckFailures: each broken setting gives a FAIL line naming the
// problem, a fix line saying what to do, and a non-zero exit.
func TestCheckFailures(t *testing.T) {
	good := checkIDP(t, "", nil)
	limited := "limited-key-0123456789abcdef0123456789abcdef"
	narrow := checkIDP(t, "", func(ks map[string]any) {
		ks["apiKeys"] = append(ks["apiKeys"].([]any), map[string]any{
			"key": limited,
			"permissions": map[string]any{"endpoints": map[string]any{
				"/api/application": []string{"GET"}, "/api/user": []string{"GET"}, "/api/form": []string{"GET"},
			}},
		})
	})
	noRedirects := checkIDP(t, "", func(ks map[string]any) {
		demoApplication(t, ks)["oauthConfiguration"].(map[string]any)["authorizedRedirectURLs"] = []string{"http://elsewhere.example/callback"}
	})
	noRefresh := checkIDP(t, "", func(ks map[string]any) {
		oc := demoApplication(t, ks)["oauthConfiguration"].(map[string]any)
		oc["enabledGrants"] = []string{"authorization_code"}
		oc["generateRefreshTokens"] = false
	})
	noCodeGrant := checkIDP(t, "", func(ks map[string]any) {
		demoApplication(t, ks)["oauthConfiguration"].(map[string]any)["enabledGrants"] = []string{"refresh_token"}
	})
	// A provider whose issuer ends in a slash, configured without it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	slashIssuer := "http://" + ln.Addr().String() + "/"
	ln.Close()
	slashIDP := checkIDPAt(t, ln.Addr().String(), slashIssuer, nil)
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	messages := filepath.Join(t.TempDir(), "messages.properties")
	if err := os.WriteFile(messages, []byte("registration.data.minprice\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name string
		idp  string
		env  map[string]string
		want []string // each must appear in the output
	}{
		{"issuer with a trailing slash", good, map[string]string{"FUSIONAUTH_ISSUER": good + "/"},
			[]string{`FAIL  issuer matches: configured "` + good + `/" but discovery says "` + good + `"`, "trailing slash", "set FUSIONAUTH_ISSUER=" + good + "\n"}},
		{"issuer without the provider's trailing slash", slashIDP, nil,
			[]string{`FAIL  issuer matches: configured "` + slashIDP + `" but discovery says "` + slashIssuer + `"`, "trailing slash", "set FUSIONAUTH_ISSUER=" + slashIssuer + "\n"}},
		{"wrong issuer", good, map[string]string{"FUSIONAUTH_ISSUER": strings.Replace(good, "127.0.0.1", "localhost", 1)},
			[]string{"FAIL  issuer matches: configured", "fix: set FUSIONAUTH_ISSUER to exactly the discovery issuer"}},
		{"FusionAuth down", "http://127.0.0.1:1", nil,
			[]string{"FAIL  discovery reachable", "FAIL  FusionAuth API reachable at http://127.0.0.1:1", "fix: check FUSIONAUTH_URL"}},
		{"bad API key", good, map[string]string{"FUSIONAUTH_API_KEY": "not-a-key"},
			[]string{"FAIL  API key may GET /api/application", "fix: give the API key GET on /api/application"}},
		{"API key limited to too few endpoints", narrow, map[string]string{"FUSIONAUTH_API_KEY": limited},
			[]string{"ok    API key may GET /api/user", "FAIL  API key may PATCH /api/user\n", "fix: allow PATCH /api/user for the API key",
				"FAIL  API key may PATCH /api/user/registration", "FAIL  form fields load", "fix: allow GET /api/form/field"}},
		{"missing redirect URLs", noRedirects, nil,
			[]string{"FAIL  authorized redirect URLs include http://localhost:8080/callback", "fix: add it under Applications > Edit > OAuth > Authorized redirect URLs",
				"FAIL  post-logout URL http://localhost:8080/signed-out is an authorized redirect URL"}},
		{"unknown form id", good, map[string]string{"FUSIONAUTH_FORM_ID": "00000000-0000-4000-8000-000000000000"},
			[]string{"FAIL  form 00000000-0000-4000-8000-000000000000 loads", "fix: check FUSIONAUTH_FORM_ID"}},
		{"unwritable data dir", good, map[string]string{"PORTAL_DATA_DIR": filepath.Join(notADir, "data")},
			[]string{"FAIL  session store opens: PORTAL_DATA_DIR", "fix: check PORTAL_DATA_DIR is writable"}},
		{"malformed messages file", good, map[string]string{"PORTAL_MESSAGES_FILE": messages},
			[]string{"FAIL  messages file loads: PORTAL_MESSAGES_FILE", "line 1", "fix: "}},
		{"wrong client secret", good, map[string]string{"FUSIONAUTH_CLIENT_SECRET": "wrong-secret"},
			[]string{"FAIL  token endpoint accepts FUSIONAUTH_CLIENT_ID and FUSIONAUTH_CLIENT_SECRET: it answered 401 invalid_client",
				"fix: set FUSIONAUTH_CLIENT_SECRET to the application's client secret (Applications > Edit > OAuth > Client secret)"}},
		{"wrong client secret without an API key", good, map[string]string{"FUSIONAUTH_CLIENT_SECRET": "wrong-secret", "FUSIONAUTH_API_KEY": ""},
			[]string{"FAIL  token endpoint accepts FUSIONAUTH_CLIENT_ID and FUSIONAUTH_CLIENT_SECRET: it answered 401 invalid_client", "fix: set FUSIONAUTH_CLIENT_SECRET"}},
		{"wrong client secret and wrong issuer", good, map[string]string{"FUSIONAUTH_CLIENT_SECRET": "wrong-secret", "FUSIONAUTH_ISSUER": strings.Replace(good, "127.0.0.1", "localhost", 1)},
			[]string{"FAIL  issuer matches", "FAIL  token endpoint accepts FUSIONAUTH_CLIENT_ID and FUSIONAUTH_CLIENT_SECRET: it answered 401 invalid_client"}},
		{"refresh token grant off", noRefresh, nil,
			[]string{"ok    OAuth grant enabled: authorization_code", "FAIL  OAuth grant enabled: refresh_token", "fix: enable Refresh Token under Applications > Edit > OAuth > Enabled grants",
				"FAIL  application generates refresh tokens", "fix: turn on Applications > Edit > OAuth > Generate refresh tokens", "ok    token endpoint accepts the client id and secret"}},
		{"authorization code grant off", noCodeGrant, nil,
			[]string{"FAIL  OAuth grant enabled: authorization_code", "fix: enable Authorization Code under Applications > Edit > OAuth > Enabled grants",
				"FAIL  token endpoint allows the authorization code grant: it answered 400 unauthorized_client"}},
		{"missing setting", good, map[string]string{"FUSIONAUTH_CLIENT_SECRET": ""},
			[]string{"FAIL  configuration: FUSIONAUTH_CLIENT_SECRET is required", "fix: "}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := checkEnv(t, tc.idp)
			for k, v := range tc.env {
				env[k] = v
			}
			out, err := runCheckWith(t, env)
			if err == nil {
				t.Errorf("check succeeded; want a non-zero exit\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			// Every FAIL line is followed by its fix.
			lines := strings.Split(out, "\n")
			for i, l := range lines {
				if strings.HasPrefix(strings.TrimSpace(l), "FAIL") && (i+1 >= len(lines) || !strings.HasPrefix(strings.TrimSpace(lines[i+1]), "fix: ")) {
					t.Errorf("FAIL without a fix: %q", l)
				}
			}
		})
	}
}
