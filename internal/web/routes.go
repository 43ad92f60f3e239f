package web

import "net/http"

// routes lists every route of the portal, and the middleware around them.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	// Pages.
	mux.HandleFunc("GET /{$}", s.showHome)
	mux.HandleFunc("POST /profile", s.limit("save", s.saveProfile))
	// A re-rendered form (after a failed save) leaves /profile in the
	// address bar; opening that URL again shows the profile.
	mux.HandleFunc("GET /profile", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /signed-out", s.showSignedOut)

	// Sign-in, registration and sign-out.
	mux.HandleFunc("GET /login", s.limit("login", s.startLogin))
	mux.HandleFunc("GET /register", s.limit("login", s.startRegister))
	mux.HandleFunc("GET /callback", s.limit("callback", s.finishLogin))
	mux.HandleFunc("GET /logout", s.showLogout)
	mux.HandleFunc("POST /logout", s.logout)

	// Operations.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if !s.opt.PrivateMetrics { // else on PORTAL_METRICS_ADDR only
		mux.Handle("GET /metrics", s.metrics.Handler())
	}

	// Static assets, fingerprinted and cached for a year.
	mux.HandleFunc("GET /assets/{file}", s.serveAsset)

	// Anything else: a friendly 404.
	mux.HandleFunc("/", s.notFound)

	// Outermost first: ids and logging see everything, including panics
	// turned into error pages; CSRF and sessions run inside.
	s.mux = mux
	var h http.Handler = mux
	h = s.withSession(h)
	h = s.withCSRF(h)
	h = s.withBodyLimit(h)
	h = s.withSecurityHeaders(h)
	h = s.withRecover(h)
	h = s.withRequestLog(h)
	h = s.withRequestID(h)
	return h
}
