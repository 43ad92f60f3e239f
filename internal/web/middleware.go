package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"portal/internal/session"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keySession
)

// maxBodyBytes bounds every request body. The largest legitimate body is the
// profile form; 256 KiB leaves room for long textareas.
const maxBodyBytes = 256 << 10

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

func currentSession(r *http.Request) *session.Session {
	s, _ := r.Context().Value(keySession).(*session.Session)
	return s
}

func (s *Server) withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyRequestID, id)))
	})
}

// statusWriter remembers the status code for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withRequestLog logs one line per request: method, route pattern, path
// (never the query string, which carries codes and state), status, duration.
func (s *Server) withRequestLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		// The route pattern (not the path) labels metrics, so ids in URLs
		// cannot blow up their cardinality.
		_, route := s.mux.Handler(r)
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observeRequest(route, sw.status, d)
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		if route == "GET /healthz" || route == "GET /readyz" || route == "GET /metrics" || strings.HasPrefix(route, "GET /assets/") {
			level = slog.LevelDebug
		}
		s.log.Log(r.Context(), level, "request",
			"request_id", requestID(r.Context()), "method", r.Method, "route", route,
			"path", r.URL.Path, "status", sw.status, "duration_ms", float64(d.Microseconds())/1000)
	})
}

func (s *Server) withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "request_id", requestID(r.Context()), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				// Whatever the handler had set up (a redirect, a cookie,
				// a year of caching for an asset, gzip) must not ride
				// along with the error page.
				h := w.Header()
				id := h.Get("X-Request-Id")
				clear(h)
				if id != "" {
					h.Set("X-Request-Id", id)
				}
				s.setSecurityHeaders(h)
				s.errorPage(w, r, http.StatusInternalServerError, "error.internal")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// withSecurityHeaders sets the headers every response carries. Pages default
// to no-store so Back after sign-out shows nothing; assets override it.
func (s *Server) withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.setSecurityHeaders(w.Header())
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy is the CSP of every response (built once, in New).
func (s *Server) contentSecurityPolicy() string {
	formAction := "'self'"
	if s.opt.IssuerOrigin != "" {
		// Sign-out posts to /logout, which redirects to the identity
		// provider; browsers check form-action against that redirect too.
		formAction += " " + s.opt.IssuerOrigin
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; font-src 'self'; " +
		"connect-src 'self'; form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'"
}

func (s *Server) setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", s.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if s.opt.Secure {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

func (s *Server) withBodyLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBodyBytes {
			s.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.toolarge")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// withCSRF rejects cross-origin state changes using the browser's Fetch
// Metadata (http.CrossOriginProtection). The per-session token is checked in
// withSession, once the session is known.
func (s *Server) withCSRF(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	if u := s.opt.PublicURL; u != nil && u.Scheme != "" && u.Host != "" {
		// Behind a proxy that rewrites Host, an older browser's Origin
		// (checked when there is no Sec-Fetch-Site) is the public origin.
		_ = cop.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Warn("cross-origin request refused", "request_id", requestID(r.Context()), "path", r.URL.Path)
		s.errorPage(w, r, http.StatusForbidden, "error.crosssite")
	}))
	return cop.Handler(next)
}

// withSession loads the session named by the cookie. For state-changing
// requests of a signed-in user it also checks the form's CSRF token.
func (s *Server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/assets/") || r.URL.Path == "/healthz" || r.URL.Path == "/metrics" {
			next.ServeHTTP(w, r)
			return
		}
		sess, err := s.opt.Sessions.Load(r)
		if err != nil {
			s.log.Error("session store unavailable", "request_id", requestID(r.Context()), "err", err)
			s.errorPage(w, r, http.StatusServiceUnavailable, "error.store")
			return
		}
		if r.Method == http.MethodPost {
			if err := r.ParseForm(); err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					s.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.toolarge")
					return
				}
				s.errorPage(w, r, http.StatusBadRequest, "error.garbled")
				return
			}
			if sess != nil && !validToken(r.PostForm.Get("csrf_token"), sess.CSRF) {
				s.log.Warn("csrf token mismatch", "request_id", requestID(r.Context()), "path", r.URL.Path)
				s.errorPage(w, r, http.StatusForbidden, "error.csrf")
				return
			}
		}
		ctx := r.Context()
		if sess != nil {
			ctx = context.WithValue(ctx, keySession, sess)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func validToken(got, want string) bool {
	return want != "" && len(got) == len(want) && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// limit wraps a handler with two rate limits of its bucket: one per client
// IP (an IPv6 client by its /64), and one per client whatever address it
// comes from: the signed-in user, or before sign-in the browser's sign-in
// binding cookie. The second stops one client that spreads its requests
// over many addresses (or many clients behind one NAT from sharing its
// limit with it).
func (s *Server) limit(bucket string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, retry := s.limiter.allow(bucket + "|ip|" + rateKey(s.clientIP(r))); !ok {
			s.tooMany(w, r, retry, "error.ratelimit")
			return
		}
		if id := s.rateClient(r); id != "" {
			if ok, retry := s.limiter.allow(bucket + "|" + id); !ok {
				msg := "error.ratelimit"
				if bucket == "save" {
					msg = "error.ratelimit.save"
				}
				s.tooMany(w, r, retry, msg)
				return
			}
		}
		h(w, r)
	}
}

// rateClient names the client for the per-client limit: the signed-in
// user, else the sign-in binding this browser holds, else "" (a first
// visit is limited by IP alone).
func (s *Server) rateClient(r *http.Request) string {
	if sess := currentSession(r); sess != nil && sess.UserID != "" {
		return "user|" + sess.UserID
	}
	if c, err := r.Cookie(s.signinCookieName()); err == nil && validBinding(c.Value) {
		return "browser|" + hashBinding(c.Value)
	}
	return ""
}

func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, retry time.Duration, msg string) {
	w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
	s.errorPage(w, r, http.StatusTooManyRequests, msg)
}
