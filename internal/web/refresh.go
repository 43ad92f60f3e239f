package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"

	"portal/internal/auth"
	"portal/internal/session"
)

// refreshMargin refreshes a little before expiry so a token never dies
// between the check and its use.
const refreshMargin = 30 * time.Second

// ensureFresh refreshes the session's access token when it has expired.
// Concurrent requests of one session share a single refresh (single flight),
// and the new tokens are stored before the request goes on. When the
// refresh token is rejected, the session ends and the user signs in again,
// keeping draft (form input) if there is any. It reports whether the
// request may continue.
func (s *Server) ensureFresh(w http.ResponseWriter, r *http.Request, sess *session.Session, draft url.Values) bool {
	if sess.TokenExpiry.IsZero() || s.now().Add(refreshMargin).Before(sess.TokenExpiry) {
		return true
	}
	if sess.RefreshToken == "" {
		// Nothing to refresh with: the portal session's own idle and
		// absolute timeouts decide how long it lasts.
		return true
	}
	ctx := r.Context()
	if t, ok := s.recent.get(sess.RefreshToken); ok {
		// Another request of this session refreshed a moment ago.
		sess.SetTokens(t.AccessToken, t.RefreshToken, t.IDToken, t.Expiry)
		s.saveSession(r, sess)
		return true
	}
	v, err, _ := s.refresh.Do(sess.UserID+"|"+sess.RefreshToken, func() (any, error) {
		// A request that loaded the session just before another one's
		// refresh finished arrives here with the old tokens: the stored
		// session already has new ones, so use them instead of spending
		// (and, with one-time refresh tokens, burning) the old one.
		if stored, err := s.opt.Sessions.Load(r); err == nil && stored != nil &&
			stored.RefreshToken != sess.RefreshToken && s.now().Add(refreshMargin).Before(stored.TokenExpiry) {
			return auth.Tokens{AccessToken: stored.AccessToken, RefreshToken: stored.RefreshToken, IDToken: stored.IDToken, Expiry: stored.TokenExpiry}, nil
		}
		t, err := s.opt.Auth.Refresh(context.WithoutCancel(ctx), auth.Tokens{
			AccessToken: sess.AccessToken, RefreshToken: sess.RefreshToken, IDToken: sess.IDToken, Expiry: sess.TokenExpiry,
		}, sess.Nonce)
		if err != nil {
			return nil, err
		}
		// Remembered before the flight ends, so a request that arrives
		// after it, still holding the old tokens, does not refresh again.
		s.recent.put(sess.RefreshToken, t)
		return t, nil
	})
	if err == nil {
		t := v.(auth.Tokens)
		sess.SetTokens(t.AccessToken, t.RefreshToken, t.IDToken, t.Expiry)
		s.saveSession(r, sess)
		return true
	}
	if errors.Is(err, auth.ErrInvalidGrant) {
		// Another instance may be rotating a one-time refresh token at
		// this moment: if the stored session gets newer tokens, use them.
		if stored := s.awaitRotatedTokens(r, sess); stored != nil {
			sess.SetTokens(stored.AccessToken, stored.RefreshToken, stored.IDToken, stored.TokenExpiry)
			return true
		}
		s.log.Info("refresh token rejected; signing in again", "request_id", requestID(ctx), "user_id", sess.UserID)
		s.opt.Sessions.Destroy(ctx, w, sess)
		if draft != nil {
			s.startSignIn(w, r, false, draft)
			return false
		}
		http.Redirect(w, r, "/login?return="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
		return false
	}
	s.log.Error("token refresh failed", "request_id", requestID(ctx), "err", err)
	if draft != nil {
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.refresh.save")
	} else {
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.refresh")
	}
	return false
}

// rotationWait bounds how long a rejected refresh waits for another
// instance, which may have spent the same one-time refresh token a moment
// earlier, to store the tokens it got.
const (
	rotationWait = time.Second
	rotationPoll = 100 * time.Millisecond
)

// awaitRotatedTokens re-reads the session until it holds a refresh token
// other than sess's (then it returns it), the session is gone, or
// rotationWait has passed. Refreshes are single flight per instance only;
// with several instances, two requests of one session may refresh at once,
// and the loser must not end the session the winner is about to save.
func (s *Server) awaitRotatedTokens(r *http.Request, sess *session.Session) *session.Session {
	deadline := time.Now().Add(rotationWait)
	for {
		stored, err := s.opt.Sessions.Load(r)
		if err != nil || stored == nil {
			return nil
		}
		if stored.RefreshToken != sess.RefreshToken {
			return stored
		}
		if time.Now().Add(rotationPoll).After(deadline) {
			return nil
		}
		select {
		case <-r.Context().Done():
			return nil
		case <-time.After(rotationPoll):
		}
	}
}

// recentRefreshes maps a just-used refresh token to what it was exchanged
// for, for a short while. Requests of one session that loaded it before a
// refresh finished use this instead of refreshing again (which, with
// one-time refresh tokens, would fail).
type recentRefreshes struct {
	mu sync.Mutex
	m  map[string]recentRefresh
}

type recentRefresh struct {
	tokens auth.Tokens
	at     time.Time
}

const recentRefreshTTL = time.Minute

func (c *recentRefreshes) put(old string, t auth.Tokens) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.m == nil {
		c.m = map[string]recentRefresh{}
	}
	for k, v := range c.m {
		if now.Sub(v.at) > recentRefreshTTL {
			delete(c.m, k)
		}
	}
	c.m[old] = recentRefresh{t, now}
}

func (c *recentRefreshes) get(old string) (auth.Tokens, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[old]
	if !ok || time.Since(v.at) > recentRefreshTTL {
		return auth.Tokens{}, false
	}
	return v.tokens, true
}
