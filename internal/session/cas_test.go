package session_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"portal/internal/session"
)

// hookStore runs afterGet once, right after the Manager's next Get: the
// moment another request can change or delete the record before Save
// writes it.
type hookStore struct {
	*session.MemoryStore
	afterGet func()
}

func (s *hookStore) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := s.MemoryStore.Get(ctx, key)
	if f := s.afterGet; f != nil {
		s.afterGet = nil
		f()
	}
	return v, err
}

// A sign-out in another tab between Save's read and its write must not be
// undone: the session stays deleted.
func TestSaveDoesNotResurrectSessionDeletedMidway(t *testing.T) {
	c := newClock()
	st := &hookStore{MemoryStore: session.NewMemory()}
	m := newManager(st, c, false)
	cookie := start(t, m, &session.Session{UserID: "u1"})
	s := load(t, m, cookie)
	other := load(t, m, cookie)
	s.SetFlash("flash.saved")
	st.afterGet = func() {
		if err := m.Destroy(context.Background(), httptest.NewRecorder(), other); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Save(context.Background(), s); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if got := load(t, m, cookie); got != nil {
		t.Fatalf("session deleted during Save is back (flash %q)", got.Flash)
	}
}

// Tokens another request stores between Save's read and its write are kept,
// together with this request's own change.
func TestSaveKeepsChangeStoredMidway(t *testing.T) {
	c := newClock()
	st := &hookStore{MemoryStore: session.NewMemory()}
	m := newManager(st, c, false)
	cookie := start(t, m, &session.Session{UserID: "u1", AccessToken: "a1", RefreshToken: "r1"})
	s := load(t, m, cookie)
	other := load(t, m, cookie)
	s.SetFlash("flash.saved")
	st.afterGet = func() {
		other.SetTokens("a2", "r2", "", c.Now().Add(time.Hour))
		if err := m.Save(context.Background(), other); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Save(context.Background(), s); err != nil {
		t.Fatalf("Save: %v", err)
	}
	got := load(t, m, cookie)
	if got == nil {
		t.Fatal("session gone")
	}
	if got.RefreshToken != "r2" || got.AccessToken != "a2" || got.Flash != "flash.saved" {
		t.Fatalf("stored refresh %q access %q flash %q; want r2, a2 and flash.saved", got.RefreshToken, got.AccessToken, got.Flash)
	}
	if s.RefreshToken != "r2" {
		t.Errorf("the saving request goes on with refresh token %q, want r2", s.RefreshToken)
	}
}
