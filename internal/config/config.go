// Package config reads the portal's settings from environment variables.
//
// Every setting is one variable; secrets also have a _FILE variant so they can
// come from a mounted file instead of the environment. A missing or malformed
// setting stops start-up with a message that names the variable, because an
// operator reading a log line should not have to guess which of twenty
// variables is wrong.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is the portal's complete configuration.
type Config struct {
	Env       string   // development | staging | production
	PublicURL *url.URL // where browsers reach the portal
	Addr      string   // listen address
	// MetricsAddr, when set, is a second listen address that serves
	// /metrics alone, and the public address then has no /metrics.
	MetricsAddr string
	DataDir     string // SQLite session file lives here
	RedisURL    string // when set, sessions live in Redis instead of SQLite

	FusionAuthURL string // base URL for the REST API
	Issuer        string // OIDC issuer, compared exactly
	ClientID      string // = FusionAuth application id
	ClientSecret  string
	APIKey        string // empty: plain-OIDC mode, profile shown read-only from claims
	TenantID      string
	FormID        string

	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	FormCacheTTL    time.Duration
	ClockSkew       time.Duration
	IDTokenAlgs     []string // accepted ID token signature algorithms; empty = asymmetric only (auth.DefaultAlgs)
	TrustedProxies  []netip.Prefix
	RateLimit       int // requests per minute per client IP on sign-in, callback and save; 0 disables

	LogFormat string // json | text
	LogLevel  string // debug | info | warn | error

	AppName      string
	LogoURL      string
	PrimaryColor string
	TemplateDir  string // optional override directory for templates and a custom.css
	MessagesFile string // optional FusionAuth theme messages file for field labels
}

// Secure reports whether cookies must be Secure (the public URL is https).
func (c *Config) Secure() bool { return c.PublicURL != nil && c.PublicURL.Scheme == "https" }

// CallbackURL is the OAuth redirect URI to register at FusionAuth.
func (c *Config) CallbackURL() string { return c.PublicURL.JoinPath("/callback").String() }

// PostLogoutURL is where FusionAuth sends the browser after sign-out.
func (c *Config) PostLogoutURL() string { return c.PublicURL.JoinPath("/signed-out").String() }

// Error lists every problem found, one per line, each naming its variable.
type Error struct{ Problems []string }

func (e *Error) Error() string {
	return "configuration: " + strings.Join(e.Problems, "; ")
}

// Load reads the configuration through getenv (os.Getenv in production,
// a map in tests). PORTAL_CONFIG_FILE may name a KEY=VALUE file whose values
// apply where the environment has none.
func Load(getenv func(string) string) (*Config, error) {
	p := &parser{getenv: getenv}
	if f := getenv("PORTAL_CONFIG_FILE"); f != "" {
		vals, err := readEnvFile(f)
		if err != nil {
			return nil, &Error{Problems: []string{"PORTAL_CONFIG_FILE: " + err.Error()}}
		}
		p.file = vals
	}
	c := &Config{}
	c.Env = p.oneOf("PORTAL_ENV", "development", "development", "staging", "production")
	c.PublicURL = p.url("PORTAL_PUBLIC_URL", "", true)
	c.Addr = p.str("PORTAL_ADDR", ":8080")
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		p.fail("PORTAL_ADDR", "must be host:port such as :8080, got %q", c.Addr)
	}
	c.MetricsAddr = p.str("PORTAL_METRICS_ADDR", "")
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			p.fail("PORTAL_METRICS_ADDR", "must be host:port such as 127.0.0.1:9090, got %q", c.MetricsAddr)
		} else if c.MetricsAddr == c.Addr {
			p.fail("PORTAL_METRICS_ADDR", "must differ from PORTAL_ADDR (%s)", c.Addr)
		}
	}
	c.DataDir = p.str("PORTAL_DATA_DIR", "data")
	c.RedisURL = p.secret("PORTAL_REDIS_URL")
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			p.fail("PORTAL_REDIS_URL", "must be a redis://, rediss:// or unix:// URL")
		}
	}

	c.APIKey = p.secret("FUSIONAUTH_API_KEY")
	fa := p.url("FUSIONAUTH_URL", "", c.APIKey != "")
	if fa != nil {
		c.FusionAuthURL = strings.TrimRight(fa.String(), "/")
	}
	c.Issuer = p.str("FUSIONAUTH_ISSUER", "")
	if c.Issuer == "" {
		// The issuer defaults to the URL exactly as written (not trimmed),
		// because FusionAuth compares it character for character.
		c.Issuer = p.get("FUSIONAUTH_URL")
	}
	if c.Issuer == "" {
		p.fail("FUSIONAUTH_ISSUER", "is required (or set FUSIONAUTH_URL)")
	} else if u, err := url.Parse(c.Issuer); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail("FUSIONAUTH_ISSUER", "must be an absolute http(s) URL, got %q", c.Issuer)
	}
	c.ClientID = p.required("FUSIONAUTH_CLIENT_ID")
	c.ClientSecret = p.secret("FUSIONAUTH_CLIENT_SECRET")
	if c.ClientSecret == "" && !p.failed("FUSIONAUTH_CLIENT_SECRET") {
		p.fail("FUSIONAUTH_CLIENT_SECRET", "is required (or FUSIONAUTH_CLIENT_SECRET_FILE)")
	}
	c.TenantID = p.uuid("FUSIONAUTH_TENANT_ID")
	c.FormID = p.uuid("FUSIONAUTH_FORM_ID")
	if c.APIKey != "" && c.ClientID != "" && !uuidRE.MatchString(c.ClientID) {
		p.fail("FUSIONAUTH_CLIENT_ID", "must be the FusionAuth application id (a UUID), got %q", c.ClientID)
	}

	c.IdleTimeout = p.duration("PORTAL_SESSION_IDLE_TIMEOUT", 2*time.Hour)
	c.AbsoluteTimeout = p.duration("PORTAL_SESSION_ABSOLUTE_TIMEOUT", 24*time.Hour)
	c.FormCacheTTL = p.duration("PORTAL_FORM_CACHE_TTL", time.Minute)
	c.ClockSkew = p.duration("PORTAL_CLOCK_SKEW", 30*time.Second)
	c.IDTokenAlgs = p.algs("PORTAL_ID_TOKEN_ALGS")
	c.TrustedProxies = p.prefixes("PORTAL_TRUSTED_PROXIES")
	c.RateLimit = p.int("PORTAL_RATE_LIMIT", 60)

	c.LogFormat = p.oneOf("PORTAL_LOG_FORMAT", "text", "text", "json")
	c.LogLevel = p.oneOf("PORTAL_LOG_LEVEL", "info", "debug", "info", "warn", "error")

	c.AppName = p.str("PORTAL_APP_NAME", "Account")
	c.LogoURL = p.str("PORTAL_LOGO_URL", "")
	if c.LogoURL != "" && !logoAllowed(c.LogoURL) {
		// The pages' Content-Security-Policy loads images only from the
		// portal itself, https: and data: URLs; anything else would silently
		// show a broken image.
		p.fail("PORTAL_LOGO_URL", "must be an https:// URL, a data: URL or a path on the portal such as /assets/logo.svg, got %q", c.LogoURL)
	}
	c.PrimaryColor = p.str("PORTAL_PRIMARY_COLOR", "#2457c5")
	if !colorRE.MatchString(c.PrimaryColor) {
		p.fail("PORTAL_PRIMARY_COLOR", "must be a hex colour such as #2457c5, got %q", c.PrimaryColor)
	}
	c.TemplateDir = p.str("PORTAL_TEMPLATE_DIR", "")
	if c.TemplateDir != "" {
		if fi, err := os.Stat(c.TemplateDir); err != nil || !fi.IsDir() {
			p.fail("PORTAL_TEMPLATE_DIR", "must be an existing directory, got %q", c.TemplateDir)
		}
	}
	c.MessagesFile = p.str("PORTAL_MESSAGES_FILE", "")

	if c.Env == "production" {
		if c.PublicURL != nil && c.PublicURL.Scheme != "https" {
			p.fail("PORTAL_PUBLIC_URL", "must be https when PORTAL_ENV=production (cookies would not be Secure)")
		}
		if strings.HasPrefix(c.Issuer, "http://") {
			p.fail("FUSIONAUTH_ISSUER", "must be https when PORTAL_ENV=production")
		}
		// The demo's secrets are published in demo/kickstart.json.
		if c.ClientSecret == DemoClientSecret {
			p.fail("FUSIONAUTH_CLIENT_SECRET", "is the published demo secret from demo/kickstart.json; regenerate it in FusionAuth (Applications > Edit > OAuth) when PORTAL_ENV=production")
		}
		if c.APIKey == DemoAPIKey {
			p.fail("FUSIONAUTH_API_KEY", "is the published demo key from demo/kickstart.json; create a new key in FusionAuth (Settings > API Keys) when PORTAL_ENV=production")
		}
	}
	if len(p.problems) > 0 {
		return nil, &Error{Problems: p.problems}
	}
	return c, nil
}

// The client secret and API key demo/kickstart.json publishes; production
// refuses them (a test keeps them in step with the kickstart).
const (
	DemoClientSecret = "demo-client-secret-change-me"
	DemoAPIKey       = "portal-demo-api-key-0123456789abcdef0123456789abcdef"
)

var (
	uuidRE  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	colorRE = regexp.MustCompile(`^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)
)

func logoAllowed(v string) bool {
	if strings.HasPrefix(v, "data:image/") {
		return true
	}
	if strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//") {
		return true
	}
	u, err := url.Parse(v)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

type parser struct {
	getenv   func(string) string
	file     map[string]string
	problems []string
}

func (p *parser) get(name string) string {
	if v := p.getenv(name); v != "" {
		return v
	}
	return p.file[name]
}

func (p *parser) fail(name, format string, args ...any) {
	p.problems = append(p.problems, name+" "+fmt.Sprintf(format, args...))
}

func (p *parser) str(name, def string) string {
	if v := strings.TrimSpace(p.get(name)); v != "" {
		return v
	}
	return def
}

func (p *parser) required(name string) string {
	v := p.str(name, "")
	if v == "" {
		p.fail(name, "is required")
	}
	return v
}

// secret reads NAME, or the contents of the file named by NAME_FILE. A
// problem with either is reported once, under the name the operator set.
func (p *parser) secret(name string) string {
	v, f := p.get(name), p.get(name+"_FILE")
	if v != "" && f != "" {
		p.fail(name, "and %s_FILE are both set; use one", name)
		return ""
	}
	if f == "" {
		return strings.TrimSpace(v)
	}
	b, err := os.ReadFile(f)
	if err != nil {
		p.fail(name+"_FILE", "cannot be read: %v", errors.Unwrap(err))
		return ""
	}
	v = strings.TrimSpace(string(b))
	if v == "" {
		p.fail(name+"_FILE", "names an empty file (%s)", f)
	}
	return v
}

// failed reports whether a problem was already recorded for name or its
// _FILE variant, so one mistake gives one message.
func (p *parser) failed(name string) bool {
	for _, pr := range p.problems {
		if strings.HasPrefix(pr, name+" ") || strings.HasPrefix(pr, name+"_FILE ") {
			return true
		}
	}
	return false
}

func (p *parser) url(name, def string, required bool) *url.URL {
	v := p.str(name, def)
	if v == "" {
		if required {
			p.fail(name, "is required")
		}
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		p.fail(name, "must be an absolute http(s) URL without query, got %q", v)
		return nil
	}
	return u
}

func (p *parser) uuid(name string) string {
	v := p.str(name, "")
	if v != "" && !uuidRE.MatchString(v) {
		p.fail(name, "must be a UUID, got %q", v)
		return ""
	}
	return v
}

// idTokenAlgs are the JWS algorithms PORTAL_ID_TOKEN_ALGS may name: "none"
// never, and HS* (verified with the client secret) only when listed.
var idTokenAlgs = []string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "HS256", "HS384", "HS512"}

// algs reads a comma-separated list of ID token algorithms.
func (p *parser) algs(name string) []string {
	v := p.str(name, "")
	if v == "" {
		return nil
	}
	var out []string
	for _, a := range strings.Split(v, ",") {
		a = strings.ToUpper(strings.TrimSpace(a))
		if !slices.Contains(idTokenAlgs, a) {
			p.fail(name, "lists %q; allowed: %s", a, strings.Join(idTokenAlgs, ", "))
			return nil
		}
		out = append(out, a)
	}
	return out
}

func (p *parser) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(p.str(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(name, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
	return def
}

func (p *parser) duration(name string, def time.Duration) time.Duration {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.fail(name, "must be a positive duration such as 30m or 2h, got %q", v)
		return def
	}
	return d
}

func (p *parser) int(name string, def int) int {
	v := p.str(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		p.fail(name, "must be a whole number ≥ 0, got %q", v)
		return def
	}
	return n
}

func (p *parser) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range strings.Split(p.str(name, ""), ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !strings.Contains(s, "/") {
			if a, err := netip.ParseAddr(s); err == nil {
				out = append(out, netip.PrefixFrom(a, a.BitLen()))
				continue
			}
		}
		pr, err := netip.ParsePrefix(s)
		if err != nil {
			p.fail(name, "has %q, which is not an IP address or CIDR range", s)
			continue
		}
		out = append(out, pr.Masked())
	}
	return out
}
