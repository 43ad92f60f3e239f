package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"portal/internal/app"
	"portal/internal/auth"
	"portal/internal/config"
	"portal/internal/form"
	"portal/internal/fusionauth"
)

// checklist prints one line per check with the fix for each failure.
type checklist struct {
	w      io.Writer
	failed int
}

func (c *checklist) ok(what string) { fmt.Fprintf(c.w, "  ok    %s\n", what) }

func (c *checklist) fail(what, fix string) {
	c.failed++
	fmt.Fprintf(c.w, "  FAIL  %s\n        fix: %s\n", what, fix)
}

// runCheck validates the configuration and the FusionAuth side and exits
// non-zero when anything is wrong.
func runCheck(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	c := &checklist{w: stdout}
	fmt.Fprintln(stdout, "portal check")
	cfg, err := config.Load(getenv)
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			for _, p := range ce.Problems {
				c.fail("configuration: "+p, "set the variable as the README's configuration table describes")
			}
		} else {
			c.fail("configuration: "+err.Error(), "see the README's configuration table")
		}
		return fmt.Errorf("%d check(s) failed", c.failed)
	}
	c.ok("configuration loads (PORTAL_ENV=" + cfg.Env + ")")
	if cfg.MessagesFile != "" {
		if _, err := app.LoadMessages(cfg); err != nil {
			c.fail("messages file loads: "+err.Error(), "fix the line named, in FusionAuth's theme messages format (key=value, one per line)")
		} else {
			c.ok("messages file loads: " + cfg.MessagesFile)
		}
	}
	hc := fusionauth.NewHTTPClient()

	checkDiscovery(ctx, c, cfg, hc)
	if cfg.APIKey != "" {
		checkFusionAuth(ctx, c, cfg, hc)
	} else {
		c.ok("no FUSIONAUTH_API_KEY: plain OIDC mode, profile shown read-only from claims")
	}
	if st, err := app.OpenStore(cfg); err != nil {
		c.fail("session store opens: "+err.Error(), "check PORTAL_DATA_DIR is writable, or PORTAL_REDIS_URL points at a running Redis")
	} else {
		if _, err := st.Count(ctx, ""); err != nil {
			c.fail("session store answers: "+err.Error(), "check the store is running and reachable")
		} else {
			c.ok("session store opens and answers")
		}
		st.Close()
	}
	if c.failed > 0 {
		fmt.Fprintf(stdout, "%d check(s) failed\n", c.failed)
		return fmt.Errorf("%d check(s) failed", c.failed)
	}
	fmt.Fprintln(stdout, "all checks passed")
	return nil
}

func checkDiscovery(ctx context.Context, c *checklist, cfg *config.Config, hc *http.Client) {
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	discoveryURL := cfg.Issuer + "/.well-known/openid-configuration"
	if cfg.Issuer[len(cfg.Issuer)-1] == '/' {
		discoveryURL = cfg.Issuer + ".well-known/openid-configuration"
	}
	if err := getJSON(ctx, hc, discoveryURL, &doc); err != nil {
		c.fail("discovery reachable at "+discoveryURL+": "+err.Error(), "check FUSIONAUTH_ISSUER and that FusionAuth is running and reachable from here")
		return
	}
	c.ok("discovery reachable")
	if doc.Issuer != cfg.Issuer {
		fix := "set FUSIONAUTH_ISSUER to exactly the discovery issuer, or set the tenant's issuer in FusionAuth (Tenants > Edit > General > Issuer) to the URL"
		if strings.TrimSuffix(doc.Issuer, "/") == strings.TrimSuffix(cfg.Issuer, "/") {
			fix = fmt.Sprintf("the two differ only by a trailing slash, which OIDC does not ignore: set FUSIONAUTH_ISSUER=%s", doc.Issuer)
		}
		c.fail(fmt.Sprintf("issuer matches: configured %q but discovery says %q", cfg.Issuer, doc.Issuer), fix)
	} else {
		c.ok("issuer matches exactly: " + doc.Issuer)
	}
	var jwks struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := getJSON(ctx, hc, doc.JWKSURI, &jwks); err != nil || len(jwks.Keys) == 0 {
		c.fail("JWKS loads from "+doc.JWKSURI, "FusionAuth needs an asymmetric (RSA or EC) signing key for the application's ID tokens (Applications > JWT)")
	} else {
		c.ok(fmt.Sprintf("JWKS loads (%d key(s))", len(jwks.Keys)))
	}
	ac := app.AuthConfig(cfg, hc, slog.New(slog.DiscardHandler))
	if doc.Issuer != cfg.Issuer {
		// Reported above; still check the client against the token
		// endpoint that discovery names, so both problems show at once.
		ac.Issuer = doc.Issuer
	}
	p, err := auth.New(ctx, ac)
	if err != nil {
		if doc.Issuer == cfg.Issuer {
			c.fail("OIDC client configures: "+err.Error(), "check the discovery document")
		}
		return
	}
	checkClient(ctx, c, p)
}

// checkClient asks the token endpoint whether it accepts the client id and
// secret, the way sign-in authenticates, with a code that cannot exist: a
// wrong secret otherwise only shows when the first user signs in.
func checkClient(ctx context.Context, c *checklist, p *auth.Provider) {
	const what = "token endpoint accepts FUSIONAUTH_CLIENT_ID and FUSIONAUTH_CLIENT_SECRET"
	res, err := p.CheckClient(ctx)
	switch {
	case err != nil:
		c.fail(what+": "+err.Error(), "check that FusionAuth's token endpoint "+res.TokenURL+" is reachable from here")
	case res.Accepted:
		c.ok("token endpoint accepts the client id and secret")
	case res.Code == "invalid_client":
		c.fail(fmt.Sprintf("%s: it answered %d invalid_client (%s)", what, res.Status, res.Description),
			"set FUSIONAUTH_CLIENT_SECRET to the application's client secret (Applications > Edit > OAuth > Client secret) and FUSIONAUTH_CLIENT_ID to its client id (the application's id); every sign-in fails until they match")
	case res.Code == "unauthorized_client":
		c.fail(fmt.Sprintf("token endpoint allows the authorization code grant: it answered %d unauthorized_client (%s)", res.Status, res.Description),
			"enable Authorization Code under Applications > Edit > OAuth > Enabled grants")
	default:
		c.fail(fmt.Sprintf("%s: it answered %d %s %s (%s)", what, res.Status, res.Code, res.Reason, res.Description),
			"check the application's OAuth settings in FusionAuth (Applications > Edit > OAuth) and FusionAuth's logs")
	}
}

func checkFusionAuth(ctx context.Context, c *checklist, cfg *config.Config, hc *http.Client) {
	fa := fusionauth.New(cfg.FusionAuthURL, cfg.APIKey, cfg.TenantID, hc)
	application, err := fa.RetrieveApplication(ctx, cfg.ClientID)
	switch {
	case errors.Is(err, fusionauth.ErrUnauthorized):
		c.fail("API key may GET /api/application", "give the API key GET on /api/application (Settings > API Keys), or check FUSIONAUTH_API_KEY")
		return
	case errors.Is(err, fusionauth.ErrNotFound):
		c.fail("application "+cfg.ClientID+" exists", "set FUSIONAUTH_CLIENT_ID to the application's id")
		return
	case err != nil:
		c.fail("FusionAuth API reachable at "+cfg.FusionAuthURL+": "+err.Error(), "check FUSIONAUTH_URL")
		return
	}
	c.ok("application exists: " + application.Name)
	if slices.Contains(application.OAuthConfiguration.AuthorizedRedirectURLs, cfg.CallbackURL()) {
		c.ok("authorized redirect URLs include " + cfg.CallbackURL())
	} else {
		c.fail("authorized redirect URLs include "+cfg.CallbackURL(), "add it under Applications > Edit > OAuth > Authorized redirect URLs")
	}
	postLogout := cfg.PostLogoutURL()
	if slices.Contains(application.OAuthConfiguration.AuthorizedRedirectURLs, postLogout) {
		c.ok("post-logout URL allowed: " + postLogout)
	} else {
		c.fail("post-logout URL "+postLogout+" is an authorized redirect URL", "add it under Applications > Edit > OAuth > Authorized redirect URLs (FusionAuth only redirects there after logout)")
	}

	oc := application.OAuthConfiguration
	for _, g := range []struct{ grant, label string }{{"authorization_code", "Authorization Code"}, {"refresh_token", "Refresh Token"}} {
		if slices.Contains(oc.EnabledGrants, g.grant) {
			c.ok("OAuth grant enabled: " + g.grant)
		} else {
			c.fail("OAuth grant enabled: "+g.grant, "enable "+g.label+" under Applications > Edit > OAuth > Enabled grants")
		}
	}
	if oc.GenerateRefreshTokens {
		c.ok("application generates refresh tokens")
	} else {
		c.fail("application generates refresh tokens", "turn on Applications > Edit > OAuth > Generate refresh tokens (FusionAuth returns a refresh token for the offline_access scope only when this is on)")
	}

	// Probe each endpoint and method with an id that cannot exist: 404 means
	// the key is allowed, 401 means it is not. Nothing is changed.
	probe := newUUID()
	probes := []struct {
		name string
		call func() error
	}{
		{"GET /api/user", func() error { _, err := fa.RetrieveUser(ctx, probe); return err }},
		{"PATCH /api/user", func() error { return fa.PatchUser(ctx, probe, map[string]any{}) }},
		{"PATCH /api/user/registration", func() error { return fa.PatchRegistration(ctx, probe, cfg.ClientID, map[string]any{}) }},
		{"GET /api/form", func() error { _, err := fa.RetrieveForm(ctx, probe); return err }},
	}
	for _, p := range probes {
		err := p.call()
		if errors.Is(err, fusionauth.ErrUnauthorized) {
			c.fail("API key may "+p.name, "allow "+p.name+" for the API key (Settings > API Keys > Endpoints)")
		} else if err != nil && !errors.Is(err, fusionauth.ErrNotFound) {
			c.fail("API key may "+p.name+": "+err.Error(), "check FusionAuth's logs")
		} else {
			c.ok("API key may " + p.name)
		}
	}

	formID := cfg.FormID
	if formID == "" {
		formID = application.FormConfiguration.SelfServiceFormID
		if formID == "" && application.RegistrationConfiguration.Type == "advanced" {
			formID = application.RegistrationConfiguration.FormID
		}
	}
	if formID == "" {
		c.fail("the application has a form", "set the application's self-service form (Applications > Edit > Registration > Form settings), an advanced registration form, or FUSIONAUTH_FORM_ID")
		return
	}
	f, err := fa.RetrieveForm(ctx, formID)
	if err != nil {
		c.fail("form "+formID+" loads: "+err.Error(), "check FUSIONAUTH_FORM_ID, or that the API key may GET /api/form")
		return
	}
	fields, err := fa.RetrieveFormFields(ctx)
	if err != nil {
		c.fail("form fields load: "+err.Error(), "allow GET /api/form/field for the API key")
		return
	}
	def, err := form.NewDefinition(f, fields)
	if err != nil {
		c.fail("form "+f.Name+" builds: "+err.Error(), "check the form in FusionAuth (Customizations > Forms)")
		return
	}
	if probs := def.Problems(); len(probs) > 0 {
		for _, p := range probs {
			c.fail("form "+f.Name+": "+p, "fix the form or field in FusionAuth (Customizations > Forms / Form Fields)")
		}
		return
	}
	c.ok(fmt.Sprintf("form %q loads with all its fields (%d keys)", f.Name, len(def.Keys())))
}

func getJSON(ctx context.Context, hc *http.Client, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out)
}

func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
