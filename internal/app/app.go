// Package app wires a configuration into a running portal: session store,
// OIDC provider, FusionAuth client, metrics and web server. `portal serve`,
// `portal demo` and the benchmark (cmd/portal-bench) all start the portal
// through New, so the benchmark measures exactly what operators run.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"portal/internal/auth"
	"portal/internal/config"
	"portal/internal/fusionauth"
	"portal/internal/i18n"
	"portal/internal/session"
	"portal/internal/web"
)

// App is a wired portal: its handlers and what must be closed after it.
type App struct {
	Handler  http.Handler     // the portal
	Metrics  http.Handler     // /metrics, for PORTAL_METRICS_ADDR
	Web      *web.Server      // for tests and the benchmark
	Store    session.Store    // closed by Close
	Sessions *session.Manager // for tests and the benchmark
}

// Options change how New wires the portal, for tests and the benchmark.
type Options struct {
	// Store, when set, is used instead of the store the configuration
	// names (the benchmark's in-memory run); Close closes it.
	Store session.Store
}

// Close stops background work and closes the session store.
func (a *App) Close() {
	if a.Web != nil {
		a.Web.Close()
	}
	if a.Store != nil {
		a.Store.Close()
	}
}

// OpenStore opens Redis when PORTAL_REDIS_URL is set, else the SQLite file
// in PORTAL_DATA_DIR.
func OpenStore(cfg *config.Config) (session.Store, error) {
	if cfg.RedisURL != "" {
		st, err := session.NewRedis(cfg.RedisURL)
		if err != nil {
			return nil, fmt.Errorf("PORTAL_REDIS_URL: %w", err)
		}
		return st, nil
	}
	if err := ensureDir(cfg.DataDir); err != nil {
		return nil, err
	}
	st, err := session.NewSQLite(filepath.Join(cfg.DataDir, "sessions.db"))
	if err != nil {
		return nil, fmt.Errorf("PORTAL_DATA_DIR %s: %w", cfg.DataDir, err)
	}
	return st, nil
}

// New wires configuration into a running portal. Discovery happens here,
// so a wrong issuer stops start-up with both strings in the message.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger, opt Options) (*App, error) {
	hc := fusionauth.NewHTTPClient()
	metrics := web.NewMetrics(nil)

	// The admin's theme messages are read before anything is started, so a
	// typo in the file stops start-up with the file and line.
	catalog, err := LoadMessages(cfg)
	if err != nil {
		return nil, err
	}
	// The OIDC calls (discovery, JWKS, token, userinfo) go through a client
	// of their own that feeds the same per-endpoint metrics as the REST API.
	oidcHC := observedClient(hc, metrics.ObserveFusionAuth)
	provider, err := discover(ctx, cfg, oidcHC, log)
	if err != nil {
		return nil, err
	}
	store := opt.Store
	if store == nil {
		if store, err = OpenStore(cfg); err != nil {
			return nil, err
		}
	}
	sessions := session.NewManager(session.Options{
		Store:           store,
		Secure:          cfg.Secure(),
		IdleTimeout:     cfg.IdleTimeout,
		AbsoluteTimeout: cfg.AbsoluteTimeout,
		Logger:          log,
	})

	a := &App{Store: store, Sessions: sessions}
	var fa web.FusionAuth
	var ready func(ctx context.Context) error
	if cfg.APIKey != "" {
		client := fusionauth.New(cfg.FusionAuthURL, cfg.APIKey, cfg.TenantID, hc)
		client.Observer = metrics.ObserveFusionAuth
		fa = client
		ready = func(ctx context.Context) error {
			_, err := client.RetrieveApplication(ctx, cfg.ClientID)
			return err
		}
	} else {
		ready = func(ctx context.Context) error {
			_, err := auth.New(ctx, AuthConfig(cfg, oidcHC, log))
			return err
		}
	}

	issuerOrigin := ""
	if u, err := url.Parse(cfg.Issuer); err == nil {
		issuerOrigin = u.Scheme + "://" + u.Host
	}
	srv, err := web.New(web.Options{
		Logger:         log,
		Sessions:       sessions,
		Auth:           provider,
		FusionAuth:     fa,
		ApplicationID:  cfg.ClientID,
		FormID:         cfg.FormID,
		FormCacheTTL:   cfg.FormCacheTTL,
		PublicURL:      cfg.PublicURL,
		Issuer:         cfg.Issuer,
		IssuerOrigin:   issuerOrigin,
		Secure:         cfg.Secure(),
		TrustedProxies: cfg.TrustedProxies,
		RateLimit:      cfg.RateLimit,
		Brand: web.Brand{
			AppName: cfg.AppName, LogoURL: cfg.LogoURL, PrimaryColor: cfg.PrimaryColor, TemplateDir: cfg.TemplateDir,
		},
		Catalog:        catalog,
		Ready:          ready,
		Metrics:        metrics,
		PrivateMetrics: cfg.MetricsAddr != "",
	})
	if err != nil {
		store.Close()
		return nil, err
	}
	a.Web = srv
	metrics.Register("portal_active_sessions", func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, _ := sessions.Count(ctx)
		return float64(n)
	})
	metrics.Register("portal_form_cache_age_seconds", func() float64 { return srv.FormCacheAge().Seconds() })
	// Warm the form cache so the first profile view is as fast as the rest;
	// a failure here is logged and retried on first use, not fatal.
	if err := srv.WarmForms(ctx); err != nil {
		log.Warn("form definitions not loaded at start-up; will retry", "err", err)
	}
	a.Handler = srv
	a.Metrics = metrics.Handler()
	return a, nil
}

// LoadMessages builds the UI text catalog: the built-in languages plus the
// FusionAuth theme messages file named by PORTAL_MESSAGES_FILE, if any.
func LoadMessages(cfg *config.Config) (*i18n.Catalog, error) {
	c, err := i18n.Load(cfg.MessagesFile)
	if err != nil {
		return nil, fmt.Errorf("PORTAL_MESSAGES_FILE: %w", err)
	}
	return c, nil
}

func AuthConfig(cfg *config.Config, hc *http.Client, log *slog.Logger) auth.Config {
	return auth.Config{
		Issuer:                cfg.Issuer,
		ClientID:              cfg.ClientID,
		ClientSecret:          cfg.ClientSecret,
		RedirectURL:           cfg.CallbackURL(),
		PostLogoutRedirectURL: cfg.PostLogoutURL(),
		HTTPClient:            hc,
		ClockSkew:             cfg.ClockSkew,
		AllowedAlgs:           cfg.IDTokenAlgs,
		Logger:                log,
	}
}

// discover runs OIDC discovery, retrying briefly so the portal can start
// alongside its identity provider (for example under docker compose).
func discover(ctx context.Context, cfg *config.Config, hc *http.Client, log *slog.Logger) (*auth.Provider, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		p, err := auth.New(ctx, AuthConfig(cfg, hc, log))
		if err == nil {
			return p, nil
		}
		lastErr = err
		if !isNetworkError(err) {
			break
		}
		// Say why start-up is waiting: retries take a few seconds.
		log.Warn("identity provider not reachable yet; retrying", "issuer", cfg.Issuer, "attempt", attempt+1, "of", 5, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 500 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("FUSIONAUTH_ISSUER %s: %w", cfg.Issuer, lastErr)
}

// observedClient is hc with every request reported to observe as
// "METHOD /path" (the OIDC endpoints' paths hold no user data), the status
// (0 when no answer came) and the duration.
func observedClient(hc *http.Client, observe func(endpoint string, status int, d time.Duration, err error)) *http.Client {
	c := *hc
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = roundTripFunc(func(req *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := base.RoundTrip(req)
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		observe(req.Method+" "+req.URL.EscapedPath(), status, time.Since(start), err)
		return resp, err
	})
	return &c
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// isNetworkError reports whether err is a connection problem worth a retry
// (rather than, say, an issuer mismatch, which no retry fixes).
func isNetworkError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne)
}

func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("PORTAL_DATA_DIR %s: %w", dir, err)
	}
	return nil
}
