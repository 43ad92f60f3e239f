package session_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portal/internal/session"
)

// clock is a settable time source shared by a test and its Manager.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// countingStore counts calls into a Store, to prove what the Manager does
// (and does not do) with it.
type countingStore struct {
	session.Store
	gets, sets, deletes atomic.Int32
	fail                error // returned by every call when set
}

func (s *countingStore) Get(ctx context.Context, key string) ([]byte, error) {
	s.gets.Add(1)
	if s.fail != nil {
		return nil, s.fail
	}
	return s.Store.Get(ctx, key)
}

func (s *countingStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	s.sets.Add(1)
	if s.fail != nil {
		return s.fail
	}
	return s.Store.Set(ctx, key, val, ttl)
}

// CompareAndSet counts as a write: it is how the Manager saves a session.
func (s *countingStore) CompareAndSet(ctx context.Context, key string, old, val []byte, ttl time.Duration) (bool, error) {
	s.sets.Add(1)
	if s.fail != nil {
		return false, s.fail
	}
	return s.Store.CompareAndSet(ctx, key, old, val, ttl)
}

func (s *countingStore) Delete(ctx context.Context, key string) error {
	s.deletes.Add(1)
	if s.fail != nil {
		return s.fail
	}
	return s.Store.Delete(ctx, key)
}

var errStoreDown = errors.New("store down")

func newManager(store session.Store, c *clock, secure bool) *session.Manager {
	return session.NewManager(session.Options{Store: store, Secure: secure, Now: c.Now})
}

// start begins a session and returns its cookie.
func start(t *testing.T, m *session.Manager, s *session.Session) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	if err := m.Start(context.Background(), w, s); err != nil {
		t.Fatalf("Start: %v", err)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("Start set %d cookies, want 1", len(cookies))
	}
	return cookies[0]
}

// load runs Manager.Load for a request carrying cookie.
func load(t *testing.T, m *session.Manager, cookie *http.Cookie) *session.Session {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if cookie != nil {
		r.AddCookie(cookie)
	}
	s, err := m.Load(r)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func storeKey(prefix, raw string) string {
	h := sha256.Sum256([]byte(raw))
	return prefix + hex.EncodeToString(h[:])
}
