// Package devidp is a small FusionAuth-compatible identity server for
// development, demos and tests. Real FusionAuth cannot run here, so this
// package implements the subset of FusionAuth the portal relies on (OIDC
// hosted login/registration pages, token and userinfo endpoints, and a few
// REST APIs) with the same paths, JSON names, status codes and error bodies.
// It is seeded from a FusionAuth kickstart file, so the same file seeds a real
// FusionAuth.
package devidp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configures a Server.
type Options struct {
	// Issuer is the "iss" of every token and the discovery issuer. Clients
	// compare it exactly. Empty means BaseURL.
	Issuer string
	// BaseURL is the server's own URL, e.g. http://127.0.0.1:9011. It must be
	// set before serving; Start sets it from the real port when empty.
	BaseURL string
	// Kickstart is a FusionAuth kickstart file (JSON).
	Kickstart []byte
	// Getenv resolves #{ENV.NAME} in the kickstart. nil means no variables.
	Getenv func(string) string
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
}

// Server is one in-memory FusionAuth-like instance.
type Server struct {
	log    *slog.Logger
	faults *Faults
	keys   *keyring
	st     *store
	mux    *http.ServeMux

	cfgMu   sync.RWMutex
	issuer  string
	baseURL string

	countMu sync.Mutex
	counts  map[string]int
}

// New builds a Server and seeds it from opts.Kickstart. A kickstart request
// the server does not implement is an error naming the method and URL.
func New(opts Options) (*Server, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	kr, err := newKeyring()
	if err != nil {
		return nil, fmt.Errorf("devidp: generate signing key: %w", err)
	}
	s := &Server{
		log:     log,
		faults:  &Faults{},
		keys:    kr,
		st:      newStore(),
		counts:  map[string]int{},
		issuer:  opts.Issuer, // used verbatim: clients compare it exactly
		baseURL: strings.TrimSuffix(opts.BaseURL, "/"),
	}
	s.routes()
	if len(opts.Kickstart) > 0 {
		getenv := opts.Getenv
		if getenv == nil {
			getenv = func(string) string { return "" }
		}
		if err := s.runKickstart(opts.Kickstart, getenv); err != nil {
			return nil, err
		}
	}
	s.ResetCounts()
	return s, nil
}

// Start listens on addr (":0" is fine), serves until ctx is done and returns
// the base URL. When opts.BaseURL is empty it is derived from the real port.
func Start(ctx context.Context, addr string, opts Options) (*Server, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("devidp: listen on %s: %w", addr, err)
	}
	if opts.BaseURL == "" {
		host, port, _ := net.SplitHostPort(ln.Addr().String())
		if host == "" || host == "::" || host == "0.0.0.0" {
			host = "127.0.0.1"
		}
		opts.BaseURL = "http://" + net.JoinHostPort(host, port)
	}
	s, err := New(opts)
	if err != nil {
		ln.Close()
		return nil, "", err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("devidp: serve failed", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		shutCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutCtx)
	}()
	return s, s.BaseURL(), nil
}

// SetBaseURL sets the base URL (and the issuer when no explicit issuer was
// given); tests call it after httptest.NewServer has chosen a port.
func (s *Server) SetBaseURL(u string) {
	s.cfgMu.Lock()
	s.baseURL = strings.TrimSuffix(u, "/")
	s.cfgMu.Unlock()
}

// BaseURL returns the configured base URL.
func (s *Server) BaseURL() string {
	s.cfgMu.RLock()
	defer s.cfgMu.RUnlock()
	return s.baseURL
}

// Issuer returns the effective issuer: Options.Issuer, else the base URL.
func (s *Server) Issuer() string {
	s.cfgMu.RLock()
	defer s.cfgMu.RUnlock()
	if s.issuer != "" {
		return s.issuer
	}
	return s.baseURL
}

// Faults returns the switches for misbehaving on purpose.
func (s *Server) Faults() *Faults { return s.faults }

// Counts returns how many API/OAuth requests were served per route pattern,
// e.g. "GET /api/user/{id}".
func (s *Server) Counts() map[string]int {
	s.countMu.Lock()
	defer s.countMu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// ResetCounts sets all counters to zero.
func (s *Server) ResetCounts() {
	s.countMu.Lock()
	s.counts = map[string]int{}
	s.countMu.Unlock()
}

// Handler returns the HTTP handler of the whole server.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	f := s.faults.Get()
	if f.Down {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	}
	_, pattern := s.mux.Handler(r)
	if pattern == "" {
		s.log.Warn("devidp: request not implemented", "method", r.Method, "path", r.URL.Path)
		http.Error(w, fmt.Sprintf("devidp: %s %s is not implemented by the development server", r.Method, r.URL.Path), http.StatusNotImplemented)
		return
	}
	if pattern != "GET /{$}" {
		s.countMu.Lock()
		s.counts[pattern]++
		s.countMu.Unlock()
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /.well-known/openid-configuration", s.handleDiscovery)
	m.HandleFunc("GET /.well-known/jwks.json", s.handleJWKS)

	m.HandleFunc("GET /oauth2/authorize", s.handleAuthorize)
	m.HandleFunc("POST /oauth2/authorize", s.handleLogin)
	m.HandleFunc("GET /oauth2/register", s.handleRegisterStart)
	m.HandleFunc("POST /oauth2/register", s.handleRegisterStep)
	m.HandleFunc("POST /oauth2/token", s.handleToken)
	m.HandleFunc("GET /oauth2/userinfo", s.handleUserinfo)
	m.HandleFunc("POST /oauth2/userinfo", s.handleUserinfo)
	m.HandleFunc("GET /oauth2/logout", s.handleLogout)
	m.HandleFunc("POST /oauth2/logout", s.handleLogout)

	api := func(pattern string, h http.HandlerFunc) { m.Handle(pattern, s.apiMiddleware(h)) }
	api("GET /api/user", s.apiSearchUserByEmail)
	api("POST /api/user", s.apiCreateUser)
	api("POST /api/user/{id}", s.apiCreateUser)
	api("GET /api/user/{id}", s.apiGetUser)
	api("PUT /api/user/{id}", s.apiUpdateUser)
	api("PATCH /api/user/{id}", s.apiUpdateUser)

	api("POST /api/user/registration", s.apiCreateRegistration)
	api("POST /api/user/registration/{userId}", s.apiCreateRegistration)
	api("GET /api/user/registration/{userId}/{applicationId}", s.apiGetRegistration)
	api("PUT /api/user/registration/{userId}/{applicationId}", s.apiUpdateRegistration)
	api("PATCH /api/user/registration/{userId}/{applicationId}", s.apiUpdateRegistration)
	api("PUT /api/user/registration/{userId}", s.apiUpdateRegistration)
	api("PATCH /api/user/registration/{userId}", s.apiUpdateRegistration)

	api("GET /api/form", s.apiListForms)
	api("GET /api/form/{id}", s.apiGetForm)
	api("POST /api/form", s.apiSaveForm)
	api("POST /api/form/{id}", s.apiSaveForm)
	api("PUT /api/form/{id}", s.apiSaveForm)
	api("GET /api/form/field", s.apiListFields)
	api("GET /api/form/field/{id}", s.apiGetField)
	api("POST /api/form/field", s.apiSaveField)
	api("POST /api/form/field/{id}", s.apiSaveField)
	api("PUT /api/form/field/{id}", s.apiSaveField)

	api("GET /api/application", s.apiListApplications)
	api("GET /api/application/{id}", s.apiGetApplication)
	api("POST /api/application", s.apiCreateApplication)
	api("POST /api/application/{id}", s.apiCreateApplication)
	api("GET /api/tenant/{id}", s.apiGetTenant)
	api("PATCH /api/tenant/{id}", s.apiPatchTenant)
	api("POST /api/key/generate", s.apiGenerateKey)
	api("GET /api/jwt/refresh", s.apiListRefreshTokens)
	api("GET /api/jwt/refresh/{tokenId}", s.apiGetRefreshToken)
	api("DELETE /api/jwt/refresh", s.apiRevokeRefreshTokens)
	api("DELETE /api/jwt/refresh/{tokenId}", s.apiRevokeRefreshTokens)
	api("POST /api/key/generate/{id}", s.apiGenerateKey)

	m.HandleFunc("GET /{$}", s.handleHome)
	s.mux = m
}
