package session_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"portal/internal/session"
)

// Requests of one user run concurrently: page loads, saves, and sign-ins in
// other tabs. No pending sign-in may be lost or taken twice, and the session
// must stay intact. Run with -race.
func TestManagerConcurrentRequests(t *testing.T) {
	stores := map[string]func(t *testing.T) session.Store{
		"memory": func(t *testing.T) session.Store { return session.NewMemory() },
		"sqlite": func(t *testing.T) session.Store {
			return openSQLite(t, filepath.Join(t.TempDir(), "s.db"))
		},
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) {
			c := newClock()
			m := newManager(newStore(t), c, false)
			cookie := start(t, m, &session.Session{UserID: "u"})
			csrf := load(t, m, cookie).CSRF
			ctx := context.Background()

			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for i := range 25 {
						r := httptest.NewRequest(http.MethodGet, "/", nil)
						r.AddCookie(cookie)
						s, err := m.Load(r)
						if err != nil || s == nil {
							t.Errorf("Load = %v, %v", s, err)
							return
						}
						state := fmt.Sprintf("state-%d-%d", g, i)
						want := []byte(state)
						if err := m.PutPending(ctx, state, want, time.Minute); err != nil {
							t.Errorf("PutPending: %v", err)
						}
						if i%3 == 0 {
							s.SetFlash(state)
						}
						if g == 0 {
							c.Advance(30 * time.Second) // force touch writes too
						}
						if err := m.Save(ctx, s); err != nil {
							t.Errorf("Save: %v", err)
						}
						got, err := m.TakePending(ctx, state)
						if err != nil || string(got) != state {
							t.Errorf("TakePending(%s) = %q, %v: pending sign-in lost", state, got, err)
						}
					}
				})
			}
			wg.Wait()
			s := load(t, m, cookie)
			if s == nil || s.CSRF != csrf || s.UserID != "u" {
				t.Fatalf("session damaged by concurrent requests: %+v", s)
			}
			if n, err := m.Count(ctx); err != nil || n != 1 {
				t.Errorf("Count = %d, %v; want only the session left", n, err)
			}
		})
	}
}
