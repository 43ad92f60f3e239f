// Package auth signs users in with OpenID Connect (authorization code flow
// with PKCE) against FusionAuth or any OIDC provider: discovery, the
// authorization URL, code exchange, ID token verification, refresh, the
// end-session URL and safe return paths.
//
// A Provider is immutable after New and safe for concurrent use.
package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// DefaultScopes are requested when Config.Scopes is empty: offline_access
// for a refresh token, profile and email so FusionAuth's Strict scope mode
// still returns names and email from userinfo.
var DefaultScopes = []string{oidc.ScopeOpenID, oidc.ScopeOfflineAccess, "profile", "email"}

// DefaultAlgs are the ID token signature algorithms accepted when
// Config.AllowedAlgs is empty: asymmetric only, because those are the ones
// FusionAuth publishes in its JWKS.
var DefaultAlgs = []string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512"}

// DefaultClockSkew is the tolerance for exp, iat and nbf when
// Config.ClockSkew is zero.
const DefaultClockSkew = 30 * time.Second

var knownAlgs = map[string]bool{
	"RS256": true, "RS384": true, "RS512": true, "ES256": true, "ES384": true, "ES512": true,
	"PS256": true, "PS384": true, "PS512": true, "EdDSA": true, "HS256": true, "HS384": true, "HS512": true,
}

// Config configures a Provider.
type Config struct {
	// Issuer is compared exactly (no trimming) with the issuer that discovery
	// reports and with every ID token's iss claim.
	Issuer                string
	ClientID              string
	ClientSecret          string // empty for a public client
	RedirectURL           string
	PostLogoutRedirectURL string   // optional; sent on logout
	Scopes                []string // DefaultScopes when empty; openid is always added
	HTTPClient            *http.Client
	// ClockSkew is the tolerance for exp, iat and nbf (DefaultClockSkew when
	// zero). We check these ourselves rather than with go-oidc, which has no
	// tolerance for exp and a fixed five minutes for nbf.
	ClockSkew time.Duration
	// AllowedAlgs lists accepted ID token algorithms (DefaultAlgs when empty).
	// "none" is refused. HS256/384/512 are accepted only when listed; such
	// tokens are verified with the client secret.
	AllowedAlgs []string
	Now         func() time.Time // time.Now when nil; for tests
	// Logger receives the few warnings sign-in can recover from (a failed
	// userinfo call); slog.Default() when nil.
	Logger *slog.Logger
}

// Provider is a configured OIDC relying party.
type Provider struct {
	issuer      string
	clientID    string
	oauth       oauth2.Config
	registerURL string // FusionAuth's /oauth2/register, or the authorize URL
	userinfoURL string
	endSession  string
	postLogout  string
	hc          *http.Client
	verifier    *oidc.IDTokenVerifier
	skew        time.Duration
	now         func() time.Time
	log         *slog.Logger
}

// discovery is the part of the provider metadata we use.
type discovery struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	UserinfoEndpoint      string   `json:"userinfo_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	EndSessionEndpoint    string   `json:"end_session_endpoint"`
	TokenAuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
	ScopesSupported       []string `json:"scopes_supported"`
}

// New fetches the discovery document at Issuer + "/.well-known/openid-configuration"
// (a trailing "/" on Issuer is not doubled) and returns a Provider. The ctx
// bounds discovery only.
func New(ctx context.Context, c Config) (*Provider, error) {
	if err := checkConfig(c); err != nil {
		return nil, err
	}
	algs := c.AllowedAlgs
	if len(algs) == 0 {
		algs = DefaultAlgs
	}
	var hmacAlgs []string
	for _, a := range algs {
		if !knownAlgs[a] {
			return nil, fmt.Errorf("auth: signature algorithm %q is not supported (\"none\" is never allowed)", a)
		}
		if strings.HasPrefix(a, "HS") {
			hmacAlgs = append(hmacAlgs, a)
		}
	}
	if len(hmacAlgs) > 0 && c.ClientSecret == "" {
		return nil, errors.New("auth: HS* signature algorithms need a client secret")
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}

	d, err := discover(ctx, hc, c.Issuer)
	if err != nil {
		return nil, err
	}
	if d.Issuer != c.Issuer {
		return nil, fmt.Errorf("auth: issuer mismatch: configured %q but discovery says %q", c.Issuer, d.Issuer)
	}
	if d.AuthorizationEndpoint == "" || d.TokenEndpoint == "" || d.JWKSURI == "" {
		return nil, errors.New("auth: discovery document lacks authorization_endpoint, token_endpoint or jwks_uri")
	}

	// Basic auth is the OIDC default, but oauth2 form-encodes the secret
	// inside it; when the provider accepts client_secret_post (FusionAuth
	// does) the body is the less surprising choice.
	style := oauth2.AuthStyleInHeader
	if c.ClientSecret == "" || slices.Contains(d.TokenAuthMethods, "client_secret_post") {
		style = oauth2.AuthStyleInParams
	}
	scopes := c.Scopes
	if len(scopes) == 0 {
		scopes = defaultScopesFor(d.ScopesSupported)
	}
	if !slices.Contains(scopes, oidc.ScopeOpenID) {
		scopes = append([]string{oidc.ScopeOpenID}, scopes...)
	}

	keys := &keySet{remote: &remoteKeys{url: d.JWKSURI, hc: hc}, hmacAlgs: hmacAlgs}
	if len(hmacAlgs) > 0 {
		keys.secret = []byte(c.ClientSecret)
	}
	now := c.Now
	if now == nil {
		now = time.Now
	}
	skew := c.ClockSkew
	if skew <= 0 {
		skew = DefaultClockSkew
	}
	p := &Provider{
		issuer:   c.Issuer,
		clientID: c.ClientID,
		oauth: oauth2.Config{
			ClientID:     c.ClientID,
			ClientSecret: c.ClientSecret,
			RedirectURL:  c.RedirectURL,
			Scopes:       slices.Clone(scopes),
			Endpoint: oauth2.Endpoint{
				AuthURL:   d.AuthorizationEndpoint,
				TokenURL:  d.TokenEndpoint,
				AuthStyle: style,
			},
		},
		registerURL: registerURL(d.AuthorizationEndpoint),
		userinfoURL: d.UserinfoEndpoint,
		endSession:  d.EndSessionEndpoint,
		postLogout:  c.PostLogoutRedirectURL,
		hc:          hc,
		// go-oidc checks signature and algorithm; issuer, audience and
		// times are checked in verify.go to get clear reasons and our skew.
		verifier: oidc.NewVerifier(c.Issuer, keys, &oidc.Config{
			SupportedSigningAlgs: slices.Clone(algs),
			SkipClientIDCheck:    true,
			SkipIssuerCheck:      true,
			SkipExpiryCheck:      true,
		}),
		skew: skew,
		now:  now,
		log:  c.Logger,
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	return p, nil
}

// defaultScopesFor returns DefaultScopes without offline_access when the
// provider advertises scopes_supported and offline_access is not in it: some
// providers (Google, mockoidc) refuse the whole request for an unknown scope.
// FusionAuth advertises offline_access, so it keeps its refresh tokens.
// profile and email stay even when not advertised (FusionAuth lists only
// openid and offline_access but honours both).
func defaultScopesFor(supported []string) []string {
	if len(supported) == 0 || slices.Contains(supported, oidc.ScopeOfflineAccess) {
		return DefaultScopes
	}
	return slices.DeleteFunc(slices.Clone(DefaultScopes), func(s string) bool { return s == oidc.ScopeOfflineAccess })
}

func checkConfig(c Config) error {
	u, err := url.Parse(c.Issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("auth: issuer %q is not an http(s) URL (FusionAuth's default tenant issuer \"acme.com\" must be changed to its base URL)", c.Issuer)
	}
	if c.ClientID == "" {
		return errors.New("auth: client id is empty")
	}
	if r, err := url.Parse(c.RedirectURL); err != nil || !r.IsAbs() {
		return fmt.Errorf("auth: redirect URL %q is not absolute", c.RedirectURL)
	}
	return nil
}

func discover(ctx context.Context, hc *http.Client, issuer string) (discovery, error) {
	var d discovery
	wellKnown := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, wellKnown, nil)
	if err != nil {
		return d, fmt.Errorf("auth: discovery: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return d, fmt.Errorf("auth: discovery: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return d, fmt.Errorf("auth: discovery: reading %s: %w", wellKnown, err)
	}
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Errorf("auth: discovery: %s answered %s", wellKnown, resp.Status)
	}
	if err := json.Unmarshal(body, &d); err != nil {
		return d, fmt.Errorf("auth: discovery: %s is not a JSON discovery document: %w", wellKnown, err)
	}
	return d, nil
}

// registerURL derives FusionAuth's registration page URL: same parameters
// as authorize, path ending /oauth2/register. Other providers have no such
// page, so they get the authorize URL.
func registerURL(authURL string) string {
	u, err := url.Parse(authURL)
	if err != nil || !strings.HasSuffix(u.Path, "/oauth2/authorize") {
		return authURL
	}
	u.Path = strings.TrimSuffix(u.Path, "authorize") + "register"
	u.RawPath = ""
	return u.String()
}

// Issuer returns the configured (and verified) issuer.
func (p *Provider) Issuer() string { return p.issuer }

// LogoutForm returns the end-session endpoint and the fields to post to it:
// client_id, id_token_hint (when given) and post_logout_redirect_uri (when
// configured). action is "" when the provider advertises no
// end_session_endpoint. The portal posts these (OpenID Connect RP-Initiated
// Logout allows POST; FusionAuth accepts it since 1.37) rather than putting
// them in a URL, so the ID token never lands in browser history or in
// access logs.
func (p *Provider) LogoutForm(idTokenHint string) (action string, fields url.Values) {
	if p.endSession == "" {
		return "", nil
	}
	if _, err := url.Parse(p.endSession); err != nil {
		return "", nil
	}
	fields = url.Values{"client_id": {p.clientID}}
	if idTokenHint != "" {
		fields.Set("id_token_hint", idTokenHint)
	}
	if p.postLogout != "" {
		fields.Set("post_logout_redirect_uri", p.postLogout)
	}
	return p.endSession, fields
}
