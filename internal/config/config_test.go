package config

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"portal/demo"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func valid() map[string]string {
	return map[string]string{
		"PORTAL_PUBLIC_URL":        "http://localhost:8080",
		"FUSIONAUTH_URL":           "http://localhost:9011",
		"FUSIONAUTH_CLIENT_ID":     "85a03867-dccf-4882-adde-1a79aeec50df",
		"FUSIONAUTH_CLIENT_SECRET": "s3cret",
		"FUSIONAUTH_API_KEY":       "key",
	}
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(valid()))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.Issuer != "http://localhost:9011" || c.IdleTimeout != 2*time.Hour || c.Env != "development" {
		t.Errorf("unexpected defaults: %+v", c)
	}
	if c.CallbackURL() != "http://localhost:8080/callback" || c.PostLogoutURL() != "http://localhost:8080/signed-out" || c.Secure() {
		t.Errorf("callback %q secure %v", c.CallbackURL(), c.Secure())
	}
}

func TestIssuerNotTrimmed(t *testing.T) {
	m := valid()
	m["FUSIONAUTH_URL"] = "http://localhost:9011/"
	c, err := Load(env(m))
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "http://localhost:9011/" {
		t.Errorf("issuer %q was changed", c.Issuer)
	}
	if c.FusionAuthURL != "http://localhost:9011" {
		t.Errorf("api base %q", c.FusionAuthURL)
	}
}

func TestLoadErrorsNameTheVariable(t *testing.T) {
	cases := []struct {
		name, key, value, want string
	}{
		{"missing public url", "PORTAL_PUBLIC_URL", "", "PORTAL_PUBLIC_URL is required"},
		{"relative public url", "PORTAL_PUBLIC_URL", "localhost:8080", "PORTAL_PUBLIC_URL must be an absolute"},
		{"bad addr", "PORTAL_ADDR", "8080", "PORTAL_ADDR must be host:port"},
		{"bad metrics addr", "PORTAL_METRICS_ADDR", "9090", "PORTAL_METRICS_ADDR must be host:port"},
		{"metrics addr same as addr", "PORTAL_METRICS_ADDR", ":8080", "PORTAL_METRICS_ADDR must differ from PORTAL_ADDR"},
		{"missing client id", "FUSIONAUTH_CLIENT_ID", "", "FUSIONAUTH_CLIENT_ID is required"},
		{"client id not uuid", "FUSIONAUTH_CLIENT_ID", "abc", "FUSIONAUTH_CLIENT_ID must be the FusionAuth application id"},
		{"missing secret", "FUSIONAUTH_CLIENT_SECRET", "", "FUSIONAUTH_CLIENT_SECRET is required"},
		{"bad tenant", "FUSIONAUTH_TENANT_ID", "x", "FUSIONAUTH_TENANT_ID must be a UUID"},
		{"bad form", "FUSIONAUTH_FORM_ID", "1234", "FUSIONAUTH_FORM_ID must be a UUID"},
		{"bad duration", "PORTAL_SESSION_IDLE_TIMEOUT", "forever", "PORTAL_SESSION_IDLE_TIMEOUT must be a positive duration"},
		{"negative duration", "PORTAL_FORM_CACHE_TTL", "-1s", "PORTAL_FORM_CACHE_TTL must be a positive duration"},
		{"bad proxy", "PORTAL_TRUSTED_PROXIES", "10.0.0.0/8,nope", "PORTAL_TRUSTED_PROXIES has \"nope\""},
		{"bad env", "PORTAL_ENV", "prod", "PORTAL_ENV must be one of"},
		{"bad redis", "PORTAL_REDIS_URL", "http://x", "PORTAL_REDIS_URL must be"},
		{"bad colour", "PORTAL_PRIMARY_COLOR", "red;}", "PORTAL_PRIMARY_COLOR must be a hex colour"},
		{"bad rate", "PORTAL_RATE_LIMIT", "lots", "PORTAL_RATE_LIMIT must be a whole number"},
		{"missing api url", "FUSIONAUTH_URL", "", "FUSIONAUTH_URL is required"},
		{"http logo (blocked by the CSP)", "PORTAL_LOGO_URL", "http://cdn.example/logo.svg", "PORTAL_LOGO_URL must be an https:// URL"},
		{"protocol-relative logo", "PORTAL_LOGO_URL", "//cdn.example/logo.svg", "PORTAL_LOGO_URL must be"},
		{"javascript logo", "PORTAL_LOGO_URL", "javascript:alert(1)", "PORTAL_LOGO_URL must be"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := valid()
			m[tc.key] = tc.value
			_, err := Load(env(m))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestProductionRefusesHTTP(t *testing.T) {
	m := valid()
	m["PORTAL_ENV"] = "production"
	_, err := Load(env(m))
	if err == nil || !strings.Contains(err.Error(), "PORTAL_PUBLIC_URL must be https") ||
		!strings.Contains(err.Error(), "cookies would not be Secure") ||
		!strings.Contains(err.Error(), "FUSIONAUTH_ISSUER must be https") {
		t.Fatalf("got %v", err)
	}
	// The same settings are fine in development and staging.
	for _, e := range []string{"development", "staging"} {
		m["PORTAL_ENV"] = e
		if _, err := Load(env(m)); err != nil {
			t.Errorf("%s: %v", e, err)
		}
	}
}

// productionValid passes every production rule.
func productionValid() map[string]string {
	m := valid()
	m["PORTAL_ENV"] = "production"
	m["PORTAL_PUBLIC_URL"] = "https://account.example.com"
	m["FUSIONAUTH_URL"] = "https://auth.example.com"
	return m
}

func TestProductionAcceptsHTTPS(t *testing.T) {
	c, err := Load(env(productionValid()))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Secure() {
		t.Error("cookies not Secure with an https public URL")
	}
}

// TestProductionRefusesDemoSecrets: the demo's client secret and API key
// are public (demo/kickstart.json); production must not start with them.
func TestProductionRefusesDemoSecrets(t *testing.T) {
	var seed struct {
		Variables struct {
			APIKey       string `json:"apiKey"`
			ClientSecret string `json:"clientSecret"`
		} `json:"variables"`
	}
	if err := json.Unmarshal(demo.Kickstart, &seed); err != nil {
		t.Fatal(err)
	}
	if seed.Variables.ClientSecret != DemoClientSecret || seed.Variables.APIKey != DemoAPIKey {
		t.Fatalf("DemoClientSecret/DemoAPIKey out of step with demo/kickstart.json: %+v", seed.Variables)
	}
	m := productionValid()
	m["FUSIONAUTH_CLIENT_SECRET"] = seed.Variables.ClientSecret
	m["FUSIONAUTH_API_KEY"] = seed.Variables.APIKey
	_, err := Load(env(m))
	if err == nil || !strings.Contains(err.Error(), "FUSIONAUTH_CLIENT_SECRET is the published demo secret") ||
		!strings.Contains(err.Error(), "FUSIONAUTH_API_KEY is the published demo key") {
		t.Fatalf("got %v", err)
	}
	m["PORTAL_ENV"] = "development"
	if _, err := Load(env(m)); err != nil {
		t.Errorf("development refuses the demo secrets: %v", err)
	}
}

func TestLogoURLsTheCSPAllows(t *testing.T) {
	for _, v := range []string{"https://cdn.example/logo.svg", "/static/logo.png", "data:image/svg+xml;base64,PHN2Zy8+"} {
		m := valid()
		m["PORTAL_LOGO_URL"] = v
		if c, err := Load(env(m)); err != nil || c.LogoURL != v {
			t.Errorf("%s: %v", v, err)
		}
	}
}

func TestSecretFile(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "secret")
	if err := os.WriteFile(f, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := valid()
	delete(m, "FUSIONAUTH_CLIENT_SECRET")
	m["FUSIONAUTH_CLIENT_SECRET_FILE"] = f
	c, err := Load(env(m))
	if err != nil {
		t.Fatal(err)
	}
	if c.ClientSecret != "from-file" {
		t.Errorf("secret %q", c.ClientSecret)
	}
	m["FUSIONAUTH_CLIENT_SECRET"] = "also"
	if _, err := Load(env(m)); err == nil || !strings.Contains(err.Error(), "both set") {
		t.Errorf("both set: %v", err)
	}
	m = valid()
	delete(m, "FUSIONAUTH_CLIENT_SECRET")
	m["FUSIONAUTH_CLIENT_SECRET_FILE"] = filepath.Join(dir, "missing")
	if _, err := Load(env(m)); err == nil || !strings.Contains(err.Error(), "FUSIONAUTH_CLIENT_SECRET_FILE cannot be read") {
		t.Errorf("missing file: %v", err)
	}
}

// TestSecretFileOneMessage: a bad _FILE, or both variants set, gives one
// message naming what to fix, not also "is required"; an empty file says so.
func TestSecretFileOneMessage(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		set  map[string]string
		want string
	}{
		"unreadable": {map[string]string{"FUSIONAUTH_CLIENT_SECRET_FILE": filepath.Join(dir, "missing")}, "FUSIONAUTH_CLIENT_SECRET_FILE cannot be read"},
		"both":       {map[string]string{"FUSIONAUTH_CLIENT_SECRET": "a", "FUSIONAUTH_CLIENT_SECRET_FILE": empty}, "both set"},
		"empty":      {map[string]string{"FUSIONAUTH_CLIENT_SECRET_FILE": empty}, "FUSIONAUTH_CLIENT_SECRET_FILE names an empty file"},
	}
	for name, c := range cases {
		m := valid()
		delete(m, "FUSIONAUTH_CLIENT_SECRET")
		maps.Copy(m, c.set)
		_, err := Load(env(m))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), "is required") {
			t.Errorf("%s: also says required: %v", name, err)
		}
	}
}

// TestTemplateDirMustExist: a mistyped override directory stops start-up
// instead of silently serving the built-in look.
func TestTemplateDirMustExist(t *testing.T) {
	m := valid()
	m["PORTAL_TEMPLATE_DIR"] = filepath.Join(t.TempDir(), "nope")
	if _, err := Load(env(m)); err == nil || !strings.Contains(err.Error(), "PORTAL_TEMPLATE_DIR must be an existing directory") {
		t.Errorf("missing dir: %v", err)
	}
	m["PORTAL_TEMPLATE_DIR"] = t.TempDir()
	if _, err := Load(env(m)); err != nil {
		t.Errorf("existing dir: %v", err)
	}
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "portal.env")
	content := "# comment\nFUSIONAUTH_CLIENT_SECRET=\"quoted\"\nPORTAL_ADDR=127.0.0.1:9999\n"
	if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	m := valid()
	delete(m, "FUSIONAUTH_CLIENT_SECRET")
	m["PORTAL_CONFIG_FILE"] = f
	m["PORTAL_ADDR"] = "127.0.0.1:7777" // the environment wins over the file
	c, err := Load(env(m))
	if err != nil {
		t.Fatal(err)
	}
	if c.ClientSecret != "quoted" || c.Addr != "127.0.0.1:7777" {
		t.Errorf("got secret %q addr %q", c.ClientSecret, c.Addr)
	}
	if err := os.WriteFile(f, []byte("garbage line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(env(m)); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("bad file: %v", err)
	}
}

func TestPlainOIDCModeNeedsNoAPIURL(t *testing.T) {
	m := valid()
	delete(m, "FUSIONAUTH_API_KEY")
	delete(m, "FUSIONAUTH_URL")
	m["FUSIONAUTH_ISSUER"] = "https://accounts.example.com"
	m["FUSIONAUTH_CLIENT_ID"] = "not-a-uuid-client"
	c, err := Load(env(m))
	if err != nil {
		t.Fatal(err)
	}
	if c.APIKey != "" || c.Issuer != "https://accounts.example.com" {
		t.Errorf("%+v", c)
	}
}

// TestIDTokenAlgs: PORTAL_ID_TOKEN_ALGS opts in to HS* (or narrows the
// list); "none" and unknown names stop start-up naming the variable.
func TestIDTokenAlgs(t *testing.T) {
	m := valid()
	c, err := Load(env(m))
	if err != nil || c.IDTokenAlgs != nil {
		t.Fatalf("default: %v %v", c.IDTokenAlgs, err)
	}
	m["PORTAL_ID_TOKEN_ALGS"] = "RS256, hs256"
	if c, err := Load(env(m)); err != nil || !slices.Equal(c.IDTokenAlgs, []string{"RS256", "HS256"}) {
		t.Errorf("RS256, hs256: %v %v", c, err)
	}
	for _, bad := range []string{"none", "RS256,none", "RS256,,ES256", "HS1"} {
		m["PORTAL_ID_TOKEN_ALGS"] = bad
		if _, err := Load(env(m)); err == nil || !strings.Contains(err.Error(), "PORTAL_ID_TOKEN_ALGS") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
