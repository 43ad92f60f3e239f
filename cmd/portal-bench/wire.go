package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"

	"portal/internal/auth"
	"portal/internal/config"
	"portal/internal/fusionauth"
	"portal/internal/session"
	"portal/internal/web"
)

// portalApp is a wired portal plus the session manager, which the bench
// child needs to create live sessions directly for the memory figure.
type portalApp struct {
	handler  http.Handler
	web      *web.Server
	store    session.Store
	sessions *session.Manager
}

func (a *portalApp) Close() {
	if a.web != nil {
		a.web.Close()
	}
	if a.store != nil {
		a.store.Close()
	}
}

// wirePortal duplicates newApp in cmd/portal/app.go (package main there, so
// it cannot be imported) with the same constructors in the same order, so
// the figures are those of the real portal. Keep the two in step; the lead
// may move both into one package later. Differences: no discovery retry
// loop (the dev server is already up) and storeKind "memory" is allowed.
func wirePortal(ctx context.Context, cfg *config.Config, storeKind string, log *slog.Logger) (*portalApp, error) {
	hc := fusionauth.NewHTTPClient()
	metrics := web.NewMetrics(nil)
	ac := auth.Config{
		Issuer:                cfg.Issuer,
		ClientID:              cfg.ClientID,
		ClientSecret:          cfg.ClientSecret,
		RedirectURL:           cfg.CallbackURL(),
		PostLogoutRedirectURL: cfg.PostLogoutURL(),
		HTTPClient:            hc,
		ClockSkew:             cfg.ClockSkew,
	}
	provider, err := auth.New(ctx, ac)
	if err != nil {
		return nil, fmt.Errorf("FUSIONAUTH_ISSUER %s: %w", cfg.Issuer, err)
	}
	var store session.Store
	switch {
	case storeKind == "memory":
		store = session.NewMemory()
	case cfg.RedisURL != "":
		if store, err = session.NewRedis(cfg.RedisURL); err != nil {
			return nil, fmt.Errorf("redis: %w", err)
		}
	default:
		if store, err = session.NewSQLite(filepath.Join(cfg.DataDir, "sessions.db")); err != nil {
			return nil, fmt.Errorf("sqlite in %s: %w", cfg.DataDir, err)
		}
	}
	a := &portalApp{store: store}
	a.sessions = session.NewManager(session.Options{
		Store:           store,
		Secure:          cfg.Secure(),
		IdleTimeout:     cfg.IdleTimeout,
		AbsoluteTimeout: cfg.AbsoluteTimeout,
		Logger:          log,
	})
	client := fusionauth.New(cfg.FusionAuthURL, cfg.APIKey, cfg.TenantID, hc)
	client.Observer = metrics.ObserveFusionAuth
	issuerOrigin := ""
	if u, err := url.Parse(cfg.Issuer); err == nil {
		issuerOrigin = u.Scheme + "://" + u.Host
	}
	srv, err := web.New(web.Options{
		Logger:         log,
		Sessions:       a.sessions,
		Auth:           provider,
		FusionAuth:     client,
		ApplicationID:  cfg.ClientID,
		FormID:         cfg.FormID,
		FormCacheTTL:   cfg.FormCacheTTL,
		PublicURL:      cfg.PublicURL,
		IssuerOrigin:   issuerOrigin,
		Secure:         cfg.Secure(),
		TrustedProxies: cfg.TrustedProxies,
		RateLimit:      cfg.RateLimit,
		Brand: web.Brand{
			AppName: cfg.AppName, LogoURL: cfg.LogoURL, PrimaryColor: cfg.PrimaryColor, TemplateDir: cfg.TemplateDir,
		},
		Ready: func(ctx context.Context) error {
			_, err := client.RetrieveApplication(ctx, cfg.ClientID)
			return err
		},
		Metrics: metrics,
	})
	if err != nil {
		store.Close()
		return nil, err
	}
	a.web = srv
	metrics.Register("portal_active_sessions", func() float64 {
		n, _ := a.sessions.Count(context.Background())
		return float64(n)
	})
	metrics.Register("portal_form_cache_age_seconds", func() float64 { return srv.FormCacheAge().Seconds() })
	if err := srv.WarmForms(ctx); err != nil {
		log.Warn("form definitions not loaded at start-up; will retry", "err", err)
	}
	a.handler = srv
	return a, nil
}
