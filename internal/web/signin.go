package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"portal/internal/auth"
	"portal/internal/session"
)

// pendingTTL bounds how long a started sign-in stays valid. FusionAuth's
// login page may take a while (registration, forgotten passwords), so it is
// generous, but each pending sign-in is single use.
const pendingTTL = 15 * time.Minute

// signinCookie names the cookie that binds pending sign-ins to the browser
// that started them. Without it, anyone could start a sign-in, log in at the
// identity provider as themselves and send a victim the callback URL: the
// victim's browser would end up signed in to the attacker's account (login
// CSRF). One value serves all tabs, so several sign-ins can run at once.
const signinCookie = "portal_signin"

func (s *Server) signinCookieName() string {
	if s.opt.Secure {
		return "__Host-" + signinCookie
	}
	return signinCookie
}

// browserBinding returns this browser's sign-in binding value, making and
// setting a new one when the request has none, and refreshing its lifetime.
func (s *Server) browserBinding(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if c, err := r.Cookie(s.signinCookieName()); err == nil && validBinding(c.Value) {
		v = c.Value
	} else {
		v = randomToken()
	}
	http.SetCookie(w, &http.Cookie{Name: s.signinCookieName(), Value: v, Path: "/", MaxAge: int(pendingTTL / time.Second),
		HttpOnly: true, Secure: s.opt.Secure, SameSite: http.SameSiteLaxMode})
	return v
}

// boundToThisBrowser reports whether the pending sign-in was started by the
// browser sending r.
func (s *Server) boundToThisBrowser(r *http.Request, p auth.Pending) bool {
	c, err := r.Cookie(s.signinCookieName())
	if err != nil || !validBinding(c.Value) || p.Browser == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(hashBinding(c.Value)), []byte(p.Browser)) == 1
}

func hashBinding(v string) string {
	h := sha256.Sum256([]byte("signin:" + v))
	return hex.EncodeToString(h[:])
}

// validBinding accepts exactly what randomToken makes.
func validBinding(v string) bool {
	if len(v) != 32 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func (s *Server) startLogin(w http.ResponseWriter, r *http.Request) {
	s.startSignIn(w, r, false, nil)
}

func (s *Server) startRegister(w http.ResponseWriter, r *http.Request) {
	s.startSignIn(w, r, true, nil)
}

// startSignIn stores a pending sign-in under its own state and sends the
// browser to the identity provider. Several tabs may sign in at once: each
// has its own state key, and none can overwrite another's.
func (s *Server) startSignIn(w http.ResponseWriter, r *http.Request, register bool, draft url.Values) {
	authURL, p := s.opt.Auth.AuthURL(register)
	p.ReturnTo = auth.SafeReturnPath(r.URL.Query().Get("return"))
	p.Browser = hashBinding(s.browserBinding(w, r))
	if draft != nil {
		p.ReturnTo = "/"
		if draftSize(draft) <= maxDraftBytes {
			p.Draft = map[string][]string(draft)
		} else {
			s.log.Warn("input too large to keep across sign-in; not kept", "request_id", requestID(r.Context()), "bytes", draftSize(draft))
		}
	}
	b, err := json.Marshal(p)
	if err == nil {
		err = s.opt.Sessions.PutPending(r.Context(), p.State, b, pendingTTL)
	}
	if err != nil {
		s.log.Error("storing pending sign-in failed", "request_id", requestID(r.Context()), "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.signin.start")
		return
	}
	http.Redirect(w, r, authURL, http.StatusFound)
}

// finishLogin is the OAuth redirect target. Every failure is a friendly 400
// page with a way to try again; no token request is made unless the state is
// known, unused and unexpired and a code is present.
func (s *Server) finishLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	retry := "/login"
	fail := func(key string, args ...any) {
		s.errorPageRetry(w, r, http.StatusBadRequest, key, retry, args...)
	}
	state := q.Get("state")
	if state == "" || len(state) > 512 || strings.HasPrefix(state, draftPrefix) {
		// A state naming a kept draft's key must not consume it.
		fail("error.signin.incomplete")
		return
	}
	raw, err := s.opt.Sessions.TakePending(ctx, state)
	if errors.Is(err, session.ErrNotFound) {
		fail("error.signin.expired")
		return
	}
	if err != nil {
		s.log.Error("reading pending sign-in failed", "request_id", requestID(ctx), "err", err)
		s.errorPageRetry(w, r, http.StatusServiceUnavailable, "error.signin.finish", retry)
		return
	}
	var p auth.Pending
	if err := json.Unmarshal(raw, &p); err != nil {
		fail("error.signin.unmatched")
		return
	}
	if p.Register {
		retry = "/register"
	}
	if !s.boundToThisBrowser(r, p) {
		// Taken above, so the URL is dead for its rightful browser too.
		s.log.Warn("callback from a browser that did not start the sign-in", "request_id", requestID(ctx))
		fail("error.signin.unmatched")
		return
	}
	// The store's TTL normally removes old sign-ins; this also holds when
	// a store keeps them longer (clock differences, a slow sweeper).
	if !p.Created.IsZero() && s.now().Sub(p.Created) > pendingTTL {
		fail("error.signin.expired")
		return
	}
	if e := q.Get("error"); e != "" {
		// Only a code-shaped value is logged: the parameter is whatever
		// the link's author put there.
		s.log.Info("identity provider returned an error", "request_id", requestID(ctx), "error", safeErrorCode(e))
		if e == "access_denied" {
			fail("error.signin.cancelled")
			return
		}
		fail("error.signin.failed", safeErrorCode(e))
		return
	}
	// RFC 9207 (FusionAuth 1.69+ sends it): when the provider names itself
	// on the redirect, it must be ours, or a mix-up attack is under way.
	if iss := q.Get("iss"); iss != "" && s.opt.Issuer != "" && iss != s.opt.Issuer {
		s.log.Warn("callback from another issuer", "request_id", requestID(ctx))
		fail("error.signin.issuer")
		return
	}
	code := q.Get("code")
	if code == "" {
		fail("error.signin.nocode")
		return
	}
	tokens, id, err := s.opt.Auth.Exchange(ctx, p, code)
	if err != nil {
		s.log.Warn("sign-in failed", "request_id", requestID(ctx), "err", err)
		fail("error.signin.unverified")
		return
	}

	// A new session id at sign-in: any session the browser had before
	// (possibly planted by someone else) is dropped.
	if old := currentSession(r); old != nil {
		s.opt.Sessions.Destroy(ctx, w, old)
	}
	sess := &session.Session{
		UserID: id.Subject,
		Email:  id.Email,
		Name:   displayName(id),

		AccessToken:  tokens.AccessToken,
		RefreshToken: tokens.RefreshToken,
		IDToken:      tokens.IDToken,
		TokenExpiry:  tokens.Expiry,
		Nonce:        p.Nonce,
	}
	if s.opt.FusionAuth == nil {
		// Only plain-OIDC mode shows claims; with FusionAuth the profile
		// comes from the API, and a smaller session is cheaper to load.
		sess.Claims = id.Claims
	}
	if err := s.opt.Sessions.Start(ctx, w, sess); err != nil {
		s.log.Error("starting session failed", "request_id", requestID(ctx), "err", err)
		s.errorPageRetry(w, r, http.StatusServiceUnavailable, "error.signin.session", retry)
		return
	}
	s.log.Info("signed in", "request_id", requestID(ctx), "user_id", id.Subject)
	target := p.ReturnTo
	if len(p.Draft) > 0 {
		if tok, err := s.stashDraft(ctx, id.Subject, p.Draft); err == nil {
			target = "/?resume=" + tok
		}
	}
	http.Redirect(w, r, auth.SafeReturnPath(target), http.StatusSeeOther)
}

func displayName(id auth.Identity) string {
	if id.Name != "" {
		return id.Name
	}
	if n := strings.TrimSpace(id.GivenName + " " + id.FamilyName); n != "" {
		return n
	}
	if id.PreferredUsername != "" {
		return id.PreferredUsername
	}
	return id.Email
}

// draftPrefix starts the pending-store key of kept input; pending sign-ins
// share the store, so the callback refuses states that start with it.
const draftPrefix = "draft:"

// maxDraftBytes bounds the input kept across a re-sign-in. Anyone can post
// the profile form without a session, and each such post stores its input
// for pendingTTL: without a bound, one client could park up to the body
// limit (256 KiB) per request. Real profile input is far smaller; larger
// input is not kept (the user signs in and finds the saved profile).
const maxDraftBytes = 64 << 10

func draftSize(v url.Values) int {
	n := 0
	for k, vs := range v {
		n += len(k) + 8
		for _, x := range vs {
			n += len(x) + 4
		}
	}
	return n
}

// draft is form input kept while the user signs in again.
type draft struct {
	UserID string              `json:"u"`
	Values map[string][]string `json:"v"`
}

func (s *Server) stashDraft(ctx context.Context, userID string, values map[string][]string) (string, error) {
	tok := randomToken()
	b, err := json.Marshal(draft{UserID: userID, Values: values})
	if err != nil {
		return "", err
	}
	return tok, s.opt.Sessions.PutPending(ctx, draftPrefix+tok, b, pendingTTL)
}

// takeDraft returns the stashed input, only for the user who typed it.
func (s *Server) takeDraft(ctx context.Context, userID, tok string) url.Values {
	if !validBinding(tok) { // exactly what randomToken makes
		return nil
	}
	raw, err := s.opt.Sessions.TakePending(ctx, draftPrefix+tok)
	if err != nil {
		return nil
	}
	var d draft
	if json.Unmarshal(raw, &d) != nil || d.UserID != userID {
		return nil
	}
	return url.Values(d.Values)
}

// withoutSecrets drops password inputs and the CSRF token from kept input.
func withoutSecrets(in url.Values, isPassword func(key string) bool) url.Values {
	out := url.Values{}
	for k, v := range in {
		if k == "csrf_token" || isPassword(k) {
			continue
		}
		out[k] = v
	}
	return out
}

func (s *Server) showLogout(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "logout", &pageData{Title: "title.signout"})
}

// logout ends the portal session, then FusionAuth's. A second sign-out, with
// no session left, is harmless and still ends the provider's session.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	hint := ""
	if sess := currentSession(r); sess != nil {
		hint = sess.IDToken
		if err := s.opt.Sessions.Destroy(r.Context(), w, sess); err != nil {
			s.log.Error("deleting session failed", "request_id", requestID(r.Context()), "err", err)
		}
		s.log.Info("signed out", "request_id", requestID(r.Context()), "user_id", sess.UserID)
	} else {
		s.opt.Sessions.ClearCookie(w)
	}
	action, fields := s.opt.Auth.LogoutForm(hint)
	if action == "" {
		http.Redirect(w, r, "/signed-out", http.StatusSeeOther)
		return
	}
	// A form posted to the provider (by app.js at once, or by the user's
	// click without script) keeps the ID token out of URLs and history.
	leave := &leaveView{Action: action}
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		leave.Fields = append(leave.Fields, leaveField{k, fields.Get(k)})
	}
	if u, err := url.Parse(action); err == nil && u.Host != "" {
		// The endpoint may be on another origin than the issuer.
		csp := w.Header().Get("Content-Security-Policy")
		w.Header().Set("Content-Security-Policy", strings.Replace(csp, "form-action ", "form-action "+u.Scheme+"://"+u.Host+" ", 1))
	}
	// The session is gone: render as signed out.
	r = r.WithContext(context.WithValue(r.Context(), keySession, (*session.Session)(nil)))
	s.render(w, r, http.StatusOK, "leaving", &pageData{Title: "title.leaving", Leave: leave})
}

func (s *Server) showSignedOut(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signedout", &pageData{Title: "title.signedout"})
}

func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// safeErrorCode is the provider's error parameter when it looks like an
// OAuth error code (RFC 6749 section 4.1.2.1: a short ASCII token), so the
// page cannot be made to show text of an attacker's choosing.
func safeErrorCode(e string) string {
	if len(e) > 64 {
		return "unknown_error"
	}
	for _, c := range e {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' && c != '-' && c != '.' {
			return "unknown_error"
		}
	}
	return e
}
