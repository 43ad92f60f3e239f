package session

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// Defaults for Options. Idle: a user who leaves the portal for two hours
// signs in again. Absolute: even an active session ends after a day, which
// bounds the life of a stolen cookie.
const (
	DefaultIdleTimeout     = 2 * time.Hour
	DefaultAbsoluteTimeout = 24 * time.Hour
)

// touchEvery is how stale LastSeen may get before a request that changed
// nothing still writes, to push the idle expiry forward. It saves a store
// write on almost every request at the cost of up to a minute of idle time.
const touchEvery = time.Minute

// maxSaveAttempts bounds how often Save re-reads a record that other
// requests keep changing under it.
const maxSaveAttempts = 32

const (
	idLen         = 43 // base64url of 32 random bytes, no padding
	sessionPrefix = "session:"
	pendingPrefix = "pending:"
)

// Options configure a Manager. Zero values get the documented defaults.
type Options struct {
	Store Store
	// CookieName defaults to "__Host-portal_session" when Secure, else
	// "portal_session" (browsers refuse __Host- cookies without Secure).
	CookieName string
	// Secure marks the cookie Secure; set it whenever the portal is served
	// over HTTPS.
	Secure          bool
	IdleTimeout     time.Duration // default DefaultIdleTimeout
	AbsoluteTimeout time.Duration // default DefaultAbsoluteTimeout
	Now             func() time.Time
	Logger          *slog.Logger
}

// Manager ties sessions in a Store to a cookie holding only an opaque id.
// The store key is a hash of the id, so a dump of the store yields no usable
// cookies. It is safe for concurrent use.
type Manager struct {
	store      Store
	cookieName string
	secure     bool
	idle, abs  time.Duration
	now        func() time.Time
	log        *slog.Logger
}

// NewManager returns a Manager for o. A nil Store falls back to an
// in-memory store (with a warning), so that a wiring mistake cannot panic.
func NewManager(o Options) *Manager {
	m := &Manager{store: o.Store, cookieName: o.CookieName, secure: o.Secure,
		idle: o.IdleTimeout, abs: o.AbsoluteTimeout, now: o.Now, log: o.Logger}
	if m.log == nil {
		m.log = slog.Default()
	}
	if m.store == nil {
		m.log.Warn("session manager has no store; using memory (sessions are lost on restart)")
		m.store = NewMemory()
	}
	if m.cookieName == "" {
		m.cookieName = "portal_session"
		if m.secure {
			m.cookieName = "__Host-portal_session"
		}
	}
	if m.idle <= 0 {
		m.idle = DefaultIdleTimeout
	}
	if m.abs <= 0 {
		m.abs = DefaultAbsoluteTimeout
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m
}

// CookieName returns the name of the session cookie.
func (m *Manager) CookieName() string { return m.cookieName }

// Load returns the session named by the request's cookie, or nil (and no
// error) when there is no cookie, it is malformed, unknown, or the session
// timed out. Malformed cookies never reach the store. An error means the
// store failed.
func (m *Manager) Load(r *http.Request) (*Session, error) {
	c, err := r.Cookie(m.cookieName)
	if err != nil || !validID(c.Value) {
		return nil, nil
	}
	ctx := r.Context()
	key := sessionKey(c.Value)
	b, err := m.store.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("session: load: %w", err)
	}
	s, err := decode(b)
	if err != nil {
		m.log.Warn("discarding unreadable session record", "err", err)
		m.forget(ctx, key)
		return nil, nil
	}
	if m.expired(s, m.now()) {
		m.forget(ctx, key)
		return nil, nil
	}
	s.id = c.Value
	return s, nil
}

// Start stores s under a new random id and sets the cookie. It gives s a new
// CSRF token and resets Created and LastSeen. Call it at sign-in, after
// Destroy of any earlier session, so the id changes (no session fixation).
// If s was itself loaded, its old record is deleted here.
func (m *Manager) Start(ctx context.Context, w http.ResponseWriter, s *Session) error {
	if s == nil {
		return errors.New("session: Start with nil session")
	}
	if s.id != "" {
		m.forget(ctx, sessionKey(s.id))
	}
	now := m.now()
	s.id = randomToken()
	s.CSRF = randomToken()
	s.Created, s.LastSeen = now, now
	if err := m.write(ctx, s, now); err != nil {
		return err
	}
	s.clean()
	// Replace a clearing cookie from an earlier Destroy in this response.
	dropSetCookie(w.Header(), m.cookieName)
	http.SetCookie(w, m.cookie(s.id, 0))
	return nil
}

// Save writes s if this request changed it, or if LastSeen is more than a
// minute old (to extend the idle timeout). It re-reads the record first: a
// session ended meanwhile (sign-out in another tab) stays ended, and a
// touch-only write keeps whatever another request stored since this one
// loaded. Save of a nil session does nothing.
func (m *Manager) Save(ctx context.Context, s *Session) error {
	if s == nil {
		return nil
	}
	if s.id == "" {
		return errors.New("session: Save before Start")
	}
	now := m.now()
	if !s.dirty && now.Sub(s.LastSeen) < touchEvery {
		return nil
	}
	key := sessionKey(s.id)
	var rec *Session
	for attempt := 1; ; attempt++ {
		cur, err := m.store.Get(ctx, key)
		if errors.Is(err, ErrNotFound) {
			s.clean()
			return nil
		}
		if err != nil {
			return fmt.Errorf("session: save: %w", err)
		}
		// Start from the stored record and apply only what this request
		// changed: a request that loaded the session before another one
		// refreshed the tokens must not write the old (possibly one-time,
		// already spent) refresh token back when it merely sets a flash.
		rec = s
		if stored, err := decode(cur); err == nil && !s.whole {
			stored.id = s.id
			if s.tokensSet {
				stored.AccessToken, stored.RefreshToken, stored.IDToken, stored.TokenExpiry = s.AccessToken, s.RefreshToken, s.IDToken, s.TokenExpiry
			}
			if s.flashSet {
				stored.Flash = s.Flash
			}
			rec = stored
		}
		if m.expired(rec, now) {
			m.forget(ctx, key)
			return nil
		}
		rec.LastSeen = now
		// Written only if the record is still what was read above: a
		// session deleted meanwhile stays deleted, and a change stored
		// meanwhile is read again and kept.
		b, ttl, err := m.encode(rec, now)
		if err != nil {
			return err
		}
		swapped, err := m.store.CompareAndSet(ctx, key, cur, b, ttl)
		if err != nil {
			return fmt.Errorf("session: write: %w", err)
		}
		if swapped {
			break
		}
		if !s.dirty {
			// Only a touch, and another request wrote the record since
			// it was read, pushing the idle expiry itself.
			return nil
		}
		if attempt == maxSaveAttempts {
			return errors.New("session: save: the record kept changing; not written")
		}
		// Another request wrote in between: it made progress, so this
		// one backs off a little (jittered) before merging again.
		select {
		case <-ctx.Done():
			return fmt.Errorf("session: save: %w", ctx.Err())
		case <-time.After(time.Duration(mrand.Int64N(int64(attempt)*int64(200*time.Microsecond)) + 1)):
		}
	}
	// This request goes on with the tokens that were written.
	s.AccessToken, s.RefreshToken, s.IDToken, s.TokenExpiry = rec.AccessToken, rec.RefreshToken, rec.IDToken, rec.TokenExpiry
	s.LastSeen = now
	s.clean()
	return nil
}

// Destroy deletes the session and expires the cookie. A nil or already
// deleted session is fine; the cookie is cleared either way.
func (m *Manager) Destroy(ctx context.Context, w http.ResponseWriter, s *Session) error {
	m.ClearCookie(w)
	if s == nil || s.id == "" {
		return nil
	}
	if err := m.store.Delete(ctx, sessionKey(s.id)); err != nil {
		return fmt.Errorf("session: destroy: %w", err)
	}
	s.id = ""
	s.clean()
	return nil
}

// ClearCookie tells the browser to drop the session cookie.
func (m *Manager) ClearCookie(w http.ResponseWriter) {
	http.SetCookie(w, m.cookie("", -1))
}

// PutPending stores a pending sign-in (PKCE verifier, nonce, return path)
// under its own key derived from state, never inside the session, so
// concurrent requests cannot overwrite it.
func (m *Manager) PutPending(ctx context.Context, state string, v []byte, ttl time.Duration) error {
	if state == "" {
		return errors.New("session: empty state")
	}
	if err := m.store.Set(ctx, pendingKey(state), v, ttl); err != nil {
		return fmt.Errorf("session: put pending sign-in: %w", err)
	}
	return nil
}

// TakePending returns and deletes the pending sign-in for state; a second
// call (a replayed callback) gets ErrNotFound.
func (m *Manager) TakePending(ctx context.Context, state string) ([]byte, error) {
	if state == "" {
		return nil, ErrNotFound
	}
	v, err := m.store.Take(ctx, pendingKey(state))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("session: take pending sign-in: %w", err)
	}
	return v, err
}

// Count returns the number of live sessions, for metrics. Pending sign-ins
// and kept form input share the store but are not counted: anyone can
// start a sign-in, and operators read the figure as signed-in users.
func (m *Manager) Count(ctx context.Context) (int, error) {
	return m.store.Count(ctx, sessionPrefix)
}

func (m *Manager) expired(s *Session, now time.Time) bool {
	return now.Sub(s.Created) >= m.abs || now.Sub(s.LastSeen) >= m.idle
}

// write stores s with a TTL ending at whichever timeout comes first.
func (m *Manager) write(ctx context.Context, s *Session, now time.Time) error {
	b, ttl, err := m.encode(s, now)
	if err != nil {
		return err
	}
	if err := m.store.Set(ctx, sessionKey(s.id), b, ttl); err != nil {
		return fmt.Errorf("session: write: %w", err)
	}
	return nil
}

// encode returns s as stored and its TTL, which ends at whichever timeout
// comes first.
func (m *Manager) encode(s *Session, now time.Time) ([]byte, time.Duration, error) {
	ttl := earliest(s.LastSeen.Add(m.idle), s.Created.Add(m.abs)).Sub(now)
	if ttl <= 0 {
		return nil, 0, errors.New("session: already expired")
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, 0, fmt.Errorf("session: encode: %w", err)
	}
	return b, ttl, nil
}

// forget deletes a record that is no longer wanted; failure only delays
// its removal until the store expires it, so it is logged, not returned.
func (m *Manager) forget(ctx context.Context, key string) {
	if err := m.store.Delete(ctx, key); err != nil {
		m.log.Warn("could not delete stale session", "err", err)
	}
}

func (m *Manager) cookie(value string, maxAge int) *http.Cookie {
	// No Expires/Max-Age on a live cookie: it ends with the browser, and the
	// server enforces the idle and absolute timeouts anyway.
	return &http.Cookie{Name: m.cookieName, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: m.secure, SameSite: http.SameSiteLaxMode}
}

func decode(b []byte) (*Session, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var s Session
	if err := d.Decode(&s); err != nil {
		return nil, err
	}
	return &s, nil
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// randomToken returns 32 random bytes as 43 characters of base64url.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (Go 1.24+ crashes instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// validID accepts exactly what randomToken produces.
func validID(v string) bool {
	if len(v) != idLen {
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

func sessionKey(id string) string { return sessionPrefix + hash(id) }

func pendingKey(state string) string { return pendingPrefix + hash(state) }

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// dropSetCookie removes Set-Cookie headers for name already added to h.
func dropSetCookie(h http.Header, name string) {
	old := h.Values("Set-Cookie")
	h.Del("Set-Cookie")
	for _, v := range old {
		if !strings.HasPrefix(v, name+"=") {
			h.Add("Set-Cookie", v)
		}
	}
}
