// Package web is the portal's HTTP layer: routes, handlers, middleware,
// templates and assets. It depends on the other packages only through the
// small interfaces declared here, so handler tests can use fakes.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"portal/internal/auth"
	"portal/internal/fusionauth"
	"portal/internal/i18n"
	"portal/internal/session"
)

// FusionAuth is the part of the FusionAuth REST API the portal calls.
type FusionAuth interface {
	RetrieveUser(ctx context.Context, userID string) (map[string]any, error)
	PatchUser(ctx context.Context, userID string, user map[string]any) error
	PatchRegistration(ctx context.Context, userID, appID string, reg map[string]any) error
	RetrieveForm(ctx context.Context, id string) (fusionauth.Form, error)
	RetrieveFormFields(ctx context.Context) ([]fusionauth.FormField, error)
	RetrieveApplication(ctx context.Context, id string) (fusionauth.Application, error)
}

// Authenticator runs the OIDC sign-in.
type Authenticator interface {
	AuthURL(register bool) (string, auth.Pending)
	Exchange(ctx context.Context, p auth.Pending, code string) (auth.Tokens, auth.Identity, error)
	Refresh(ctx context.Context, t auth.Tokens, nonce string) (auth.Tokens, error)
	LogoutForm(idTokenHint string) (action string, fields url.Values)
}

// Options is everything the web layer needs. FusionAuth may be nil: then the
// portal runs against any OIDC provider and shows the claims read-only.
type Options struct {
	Logger         *slog.Logger
	Sessions       *session.Manager
	Auth           Authenticator
	FusionAuth     FusionAuth
	ApplicationID  string
	FormID         string
	FormCacheTTL   time.Duration
	PublicURL      *url.URL
	Issuer         string // checked against the callback's iss parameter (RFC 9207)
	IssuerOrigin   string // allowed as a form-action target (sign-out redirects there)
	Secure         bool
	TrustedProxies []netip.Prefix
	RateLimit      int // per minute per client IP on sign-in, callback and save; 0 = off

	Brand   Brand
	Catalog *i18n.Catalog // UI text and the admin's theme messages; nil: built-in only
	Ready   func(ctx context.Context) error
	Metrics *Metrics
	// PrivateMetrics leaves /metrics off the portal's routes: the caller
	// serves Metrics.Handler() on a separate, internal address.
	PrivateMetrics bool
	Now            func() time.Time
}

// Brand is the operator's look: name, logo, colour and optional overrides.
type Brand struct {
	AppName      string
	LogoURL      string
	PrimaryColor string
	TemplateDir  string
}

// Server holds the portal's handlers and their shared state.
type Server struct {
	opt     Options
	log     *slog.Logger
	catalog *i18n.Catalog
	pages   *pages
	forms   *formCache
	limiter *rateLimiter
	refresh singleflight.Group
	recent  recentRefreshes
	assets  *assets
	handler http.Handler
	mux     *http.ServeMux
	metrics *Metrics
	clock   atomic.Pointer[func() time.Time]
	csp     string
}

// New builds the server. Templates are parsed here, once.
func New(opt Options) (*Server, error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.FormCacheTTL <= 0 {
		opt.FormCacheTTL = time.Minute
	}
	if opt.Metrics == nil {
		opt.Metrics = NewMetrics(nil)
	}
	s := &Server{opt: opt, log: opt.Logger, metrics: opt.Metrics, catalog: opt.Catalog}
	var err error
	if s.catalog == nil {
		if s.catalog, err = i18n.New(nil); err != nil {
			return nil, err
		}
	}
	if s.assets, err = newAssets(opt.Brand); err != nil {
		return nil, err
	}
	if s.pages, err = newPages(opt.Brand, s.assets); err != nil {
		return nil, err
	}
	if opt.FusionAuth != nil {
		s.forms = newFormCache(opt.FusionAuth, opt.ApplicationID, opt.FormID, opt.FormCacheTTL, opt.Logger)
	}
	s.csp = s.contentSecurityPolicy()
	s.limiter = newRateLimiter(opt.RateLimit, time.Minute, opt.Now)
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// WarmForms loads the form definitions at start-up, so the first profile
// view is as fast as the rest.
func (s *Server) WarmForms(ctx context.Context) error {
	if s.forms == nil {
		return nil
	}
	_, err := s.forms.Get(ctx)
	return err
}

// Close stops background work.
func (s *Server) Close() {
	if s.forms != nil {
		s.forms.Close()
	}
}

// FormCacheAge is the age of the form definitions being served.
func (s *Server) FormCacheAge() time.Duration {
	if s.forms == nil {
		return 0
	}
	return s.forms.Age()
}

// SetNow replaces the clock (tests: token expiry without waiting).
func (s *Server) SetNow(now func() time.Time) { s.clock.Store(&now) }

// now is the server's clock.
func (s *Server) now() time.Time {
	if f := s.clock.Load(); f != nil {
		return (*f)()
	}
	return s.opt.Now()
}
