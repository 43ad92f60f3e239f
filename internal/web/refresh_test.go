package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"portal/internal/auth"
	"portal/internal/session"
)

// rejectingAuth refuses every refresh, as a provider does for a one-time
// refresh token that another instance has just spent.
type rejectingAuth struct{ fakeAuth }

func (rejectingAuth) Refresh(context.Context, auth.Tokens, string) (auth.Tokens, error) {
	return auth.Tokens{}, auth.ErrInvalidGrant
}

func newRefreshServer(t *testing.T) (*Server, *session.Manager, *http.Cookie) {
	t.Helper()
	m := session.NewManager(session.Options{Store: session.NewMemory()})
	s, err := New(Options{Sessions: m, Auth: rejectingAuth{}, FusionAuth: fakeFA{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	w := httptest.NewRecorder()
	sess := &session.Session{UserID: "u1", AccessToken: "at-1", RefreshToken: "rt-1", TokenExpiry: time.Now().Add(-time.Minute)}
	if err := m.Start(context.Background(), w, sess); err != nil {
		t.Fatal(err)
	}
	return s, m, w.Result().Cookies()[0]
}

func loadWith(t *testing.T, m *session.Manager, c *http.Cookie) *session.Session {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(c)
	sess, err := m.Load(r)
	if err != nil {
		t.Fatal(err)
	}
	return sess
}

// TestRefreshRejectedWhileAnotherInstanceRotates: with several instances,
// two requests of one session can refresh at once; the provider rejects the
// second use of a one-time refresh token. The loser must wait for the
// winner's tokens instead of ending the session.
func TestRefreshRejectedWhileAnotherInstanceRotates(t *testing.T) {
	s, m, cookie := newRefreshServer(t)
	done := make(chan struct{})
	defer func() { <-done }()
	go func() {
		defer close(done)
		time.Sleep(150 * time.Millisecond) // the other instance's refresh
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(cookie)
		other, err := m.Load(r)
		if err != nil || other == nil {
			t.Errorf("load: %v, %v", other, err)
			return
		}
		other.SetTokens("at-2", "rt-2", "", time.Now().Add(time.Hour))
		if err := m.Save(context.Background(), other); err != nil {
			t.Error(err)
		}
	}()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(cookie)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code == http.StatusSeeOther || strings.HasPrefix(w.Header().Get("Location"), "/login") {
		t.Fatalf("signed out although another instance rotated the token: %d %s", w.Code, w.Header().Get("Location"))
	}
	if got := loadWith(t, m, cookie); got == nil || got.RefreshToken != "rt-2" {
		t.Fatalf("session after the race: %+v", got)
	}
}

// TestRefreshRejectedEndsSessionAfterWait: with nobody rotating, invalid_grant ends
// the session (after the short wait) and sends the user to sign in.
func TestRefreshRejectedEndsSessionAfterWait(t *testing.T) {
	s, m, cookie := newRefreshServer(t)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(cookie)
	w := httptest.NewRecorder()
	start := time.Now()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
		t.Fatalf("%d %s", w.Code, w.Header().Get("Location"))
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %s", d)
	}
	if loadWith(t, m, cookie) != nil {
		t.Error("session still alive")
	}
}
