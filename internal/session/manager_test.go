package session_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portal/internal/session"
)

// bigSession has a 5 KB ID token and about 6 KB of claims, like a FusionAuth
// user with many registrations and custom data.
func bigSession() *session.Session {
	claims := map[string]any{"sub": "u-1", "exp": json.Number("12345678901234567890")}
	for i := range 60 {
		claims[fmt.Sprintf("custom_%02d", i)] = strings.Repeat("v", 90)
	}
	return &session.Session{
		UserID: "u-1", Email: "ada@example.com", Name: "Ada",
		Claims:       claims,
		AccessToken:  strings.Repeat("a", 1500),
		RefreshToken: strings.Repeat("r", 64),
		IDToken:      strings.Repeat("i", 5*1024),
		TokenExpiry:  time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		Nonce:        "n-1",
	}
}

func TestManagerStartLoad(t *testing.T) {
	c := newClock()
	store := session.NewMemory()
	m := newManager(store, c, false)
	in := bigSession()
	w := httptest.NewRecorder()
	if err := m.Start(context.Background(), w, in); err != nil {
		t.Fatal(err)
	}
	header := w.Header().Get("Set-Cookie")
	if len(header) >= 200 {
		t.Errorf("Set-Cookie is %d bytes, want < 200: %s", len(header), header)
	}
	for _, want := range []string{"portal_session=", "Path=/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(header, want) {
			t.Errorf("Set-Cookie %q lacks %q", header, want)
		}
	}
	if strings.Contains(header, "Secure") || strings.Contains(header, "Max-Age") {
		t.Errorf("insecure session cookie %q has Secure or Max-Age", header)
	}
	cookie := w.Result().Cookies()[0]
	if len(cookie.Value) != 43 {
		t.Errorf("cookie value is %d chars, want 43", len(cookie.Value))
	}

	// The store is keyed by the hash of the id, never the id itself.
	if _, err := store.Get(context.Background(), storeKey("session:", cookie.Value)); err != nil {
		t.Errorf("record not under session:+sha256(id): %v", err)
	}
	if _, err := store.Get(context.Background(), "session:"+cookie.Value); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("record stored under the raw id")
	}

	got := load(t, m, cookie)
	if got == nil {
		t.Fatal("Load returned nil for a fresh session")
	}
	if got.UserID != in.UserID || got.IDToken != in.IDToken || got.AccessToken != in.AccessToken ||
		got.RefreshToken != in.RefreshToken || got.Nonce != in.Nonce || !got.TokenExpiry.Equal(in.TokenExpiry) {
		t.Errorf("loaded session differs from the started one")
	}
	if got.Claims["exp"] != json.Number("12345678901234567890") || got.Claims["custom_59"] != strings.Repeat("v", 90) {
		t.Errorf("claims not preserved: exp=%v (%T)", got.Claims["exp"], got.Claims["exp"])
	}
	if len(got.CSRF) != 43 || got.CSRF != in.CSRF || got.CSRF == cookie.Value {
		t.Errorf("CSRF token %q: want 43 chars, persisted, distinct from the id", got.CSRF)
	}
	if !got.Created.Equal(c.Now()) || !got.LastSeen.Equal(c.Now()) {
		t.Errorf("Created/LastSeen = %v/%v, want %v", got.Created, got.LastSeen, c.Now())
	}
	if got.Dirty() {
		t.Error("freshly loaded session is dirty")
	}
}

func TestManagerSecureCookie(t *testing.T) {
	m := newManager(session.NewMemory(), newClock(), true)
	cookie := start(t, m, &session.Session{UserID: "u"})
	if cookie.Name != "__Host-portal_session" || !cookie.Secure || cookie.Path != "/" || cookie.Domain != "" {
		t.Errorf("secure cookie = %+v; want __Host- name, Secure, Path=/, no Domain", cookie)
	}
	if m.CookieName() != "__Host-portal_session" {
		t.Errorf("CookieName() = %q", m.CookieName())
	}
	if load(t, m, cookie) == nil {
		t.Error("Load with secure cookie returned nil")
	}
}

func TestManagerLoadGarbageCookie(t *testing.T) {
	store := &countingStore{Store: session.NewMemory()}
	m := newManager(store, newClock(), false)
	for _, v := range []string{
		"", "short", strings.Repeat("A", 42), strings.Repeat("A", 44), strings.Repeat("A", 10000),
		strings.Repeat("A", 42) + ".", strings.Repeat("A", 42) + "=", strings.Repeat("A", 41) + "é",
		strings.Repeat("A", 40) + "%2F", strings.Repeat("A", 42) + "+",
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", "portal_session="+v)
		s, err := m.Load(r)
		if s != nil || err != nil {
			t.Errorf("Load(%.50q) = %v, %v; want nil, nil", v, s, err)
		}
	}
	if n := store.gets.Load(); n != 0 {
		t.Errorf("garbage cookies caused %d store reads, want 0", n)
	}
	// A well-formed but unknown id does reach the store, and finds nothing.
	if s := load(t, m, &http.Cookie{Name: "portal_session", Value: strings.Repeat("x", 43)}); s != nil {
		t.Error("unknown id loaded a session")
	}
	if s := load(t, m, nil); s != nil {
		t.Error("no cookie loaded a session")
	}
}

func TestManagerIdleTimeout(t *testing.T) {
	c := newClock()
	store := session.NewMemory()
	m := newManager(store, c, false)
	cookie := start(t, m, &session.Session{UserID: "u"})

	c.Advance(session.DefaultIdleTimeout - time.Minute)
	s := load(t, m, cookie)
	if s == nil {
		t.Fatal("session gone before the idle timeout")
	}
	if err := m.Save(context.Background(), s); err != nil { // touch: LastSeen is old
		t.Fatal(err)
	}
	c.Advance(session.DefaultIdleTimeout - time.Minute)
	if load(t, m, cookie) == nil {
		t.Fatal("activity did not extend the idle timeout")
	}
	c.Advance(time.Minute)
	if load(t, m, cookie) != nil {
		t.Fatal("session survived the idle timeout")
	}
	if n, _ := store.Count(context.Background(), ""); n != 0 {
		t.Errorf("timed-out record not deleted: count %d", n)
	}
}

func TestManagerAbsoluteTimeout(t *testing.T) {
	c := newClock()
	m := session.NewManager(session.Options{Store: session.NewMemory(), Now: c.Now,
		IdleTimeout: time.Hour, AbsoluteTimeout: 5 * time.Hour})
	cookie := start(t, m, &session.Session{UserID: "u"})
	for elapsed := 30 * time.Minute; elapsed < 5*time.Hour; elapsed += 30 * time.Minute {
		c.Advance(30 * time.Minute)
		s := load(t, m, cookie)
		if s == nil {
			t.Fatalf("active session ended after %v, before the absolute timeout", elapsed)
		}
		if err := m.Save(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	c.Advance(30 * time.Minute)
	if load(t, m, cookie) != nil {
		t.Fatal("active session survived the absolute timeout")
	}
}

func TestManagerSaveOnlyWhenChanged(t *testing.T) {
	c := newClock()
	store := &countingStore{Store: session.NewMemory()}
	m := newManager(store, c, false)
	cookie := start(t, m, &session.Session{UserID: "u"})
	ctx := context.Background()
	writes := func() int32 { return store.sets.Load() - 1 } // minus Start's

	s := load(t, m, cookie)
	if s.TakeFlash() != "" || s.Dirty() {
		t.Fatal("taking an empty flash marked the session dirty")
	}
	if err := m.Save(ctx, s); err != nil || writes() != 0 {
		t.Fatalf("unchanged Save wrote %d times (err %v), want 0", writes(), err)
	}
	c.Advance(59 * time.Second)
	if err := m.Save(ctx, load(t, m, cookie)); err != nil || writes() != 0 {
		t.Fatalf("Save after 59s wrote %d times (err %v), want 0", writes(), err)
	}
	c.Advance(2 * time.Second)
	if err := m.Save(ctx, load(t, m, cookie)); err != nil || writes() != 1 {
		t.Fatalf("Save after 61s wrote %d times (err %v), want 1", writes(), err)
	}
	s = load(t, m, cookie)
	s.SetFlash("Saved")
	if err := m.Save(ctx, s); err != nil || writes() != 2 {
		t.Fatalf("changed Save wrote %d times (err %v), want 2", writes(), err)
	}
	if err := m.Save(ctx, s); err != nil || writes() != 2 {
		t.Fatalf("second Save of the same change wrote again (%d)", writes())
	}
	s = load(t, m, cookie)
	if got := s.TakeFlash(); got != "Saved" {
		t.Fatalf("flash = %q, want Saved", got)
	}
	if err := m.Save(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got := load(t, m, cookie).Flash; got != "" {
		t.Errorf("flash shown twice: %q", got)
	}
}

func TestManagerSetTokens(t *testing.T) {
	m := newManager(session.NewMemory(), newClock(), false)
	cookie := start(t, m, bigSession())
	s := load(t, m, cookie)
	exp := time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC)
	s.SetTokens("new-access", "", "", exp)
	if err := m.Save(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	got := load(t, m, cookie)
	if got.AccessToken != "new-access" || !got.TokenExpiry.Equal(exp) {
		t.Errorf("tokens not saved: access %q expiry %v", got.AccessToken, got.TokenExpiry)
	}
	if got.RefreshToken != strings.Repeat("r", 64) || len(got.IDToken) != 5*1024 {
		t.Error("empty refresh/ID token in SetTokens dropped the old ones")
	}
}

// A slow request that loaded the session before a sign-out must not bring
// the session back when it saves.
func TestManagerSaveDoesNotResurrect(t *testing.T) {
	m := newManager(session.NewMemory(), newClock(), false)
	cookie := start(t, m, &session.Session{UserID: "u"})
	slow := load(t, m, cookie)
	if err := m.Destroy(context.Background(), httptest.NewRecorder(), load(t, m, cookie)); err != nil {
		t.Fatal(err)
	}
	slow.SetFlash("Saved")
	if err := m.Save(context.Background(), slow); err != nil {
		t.Fatal(err)
	}
	if load(t, m, cookie) != nil {
		t.Error("Save after Destroy resurrected the session")
	}
}

// A request that only bumps LastSeen must not overwrite what another request
// wrote after this one loaded.
func TestManagerTouchKeepsConcurrentChange(t *testing.T) {
	c := newClock()
	m := newManager(session.NewMemory(), c, false)
	cookie := start(t, m, &session.Session{UserID: "u"})
	c.Advance(2 * time.Minute)
	slow := load(t, m, cookie)
	fast := load(t, m, cookie)
	fast.SetFlash("Saved")
	if err := m.Save(context.Background(), fast); err != nil {
		t.Fatal(err)
	}
	c.Advance(2 * time.Minute)
	if err := m.Save(context.Background(), slow); err != nil {
		t.Fatal(err)
	}
	got := load(t, m, cookie)
	if got.Flash != "Saved" {
		t.Errorf("touch overwrote a concurrent change: flash %q", got.Flash)
	}
	if !got.LastSeen.Equal(c.Now()) {
		t.Errorf("touch did not bump LastSeen: %v, want %v", got.LastSeen, c.Now())
	}
}

// Two requests of one session that change different things both keep
// their change. Above all, a slow request that loaded the session before a
// token refresh and then only sets a flash must not write the old refresh
// token back (with one-time refresh tokens it is already spent, and the
// next refresh would end the session).
func TestManagerConcurrentChangesMerge(t *testing.T) {
	for _, store := range []string{"memory", "sqlite"} {
		t.Run(store, func(t *testing.T) {
			st := session.Store(session.NewMemory())
			if store == "sqlite" {
				st = openSQLite(t, filepath.Join(t.TempDir(), "s.db"))
			}
			c := newClock()
			m := newManager(st, c, false)
			ctx := context.Background()
			cookie := start(t, m, &session.Session{UserID: "u", AccessToken: "at-1", RefreshToken: "rt-1", TokenExpiry: c.Now().Add(time.Minute)})
			slow := load(t, m, cookie)
			refresher := load(t, m, cookie)
			refresher.SetTokens("at-2", "rt-2", "", c.Now().Add(time.Hour))
			if err := m.Save(ctx, refresher); err != nil {
				t.Fatal(err)
			}
			slow.SetFlash("flash.saved")
			if err := m.Save(ctx, slow); err != nil {
				t.Fatal(err)
			}
			got := load(t, m, cookie)
			if got.RefreshToken != "rt-2" || got.AccessToken != "at-2" || got.Flash != "flash.saved" {
				t.Fatalf("lost write: tokens %q/%q, flash %q; want at-2/rt-2 and the flash", got.AccessToken, got.RefreshToken, got.Flash)
			}
			if slow.RefreshToken != "rt-2" {
				t.Errorf("the slow request goes on with refresh token %q, want the stored rt-2", slow.RefreshToken)
			}

			// And the other way round: a flash taken by one request is not
			// brought back by a token refresh saved after it.
			shower, refresher := load(t, m, cookie), load(t, m, cookie)
			if shower.TakeFlash() != "flash.saved" {
				t.Fatal("no flash")
			}
			if err := m.Save(ctx, shower); err != nil {
				t.Fatal(err)
			}
			refresher.SetTokens("at-3", "rt-3", "", c.Now().Add(time.Hour))
			if err := m.Save(ctx, refresher); err != nil {
				t.Fatal(err)
			}
			if got := load(t, m, cookie); got.Flash != "" || got.RefreshToken != "rt-3" {
				t.Errorf("after refresh: flash %q (want none), refresh token %q", got.Flash, got.RefreshToken)
			}
		})
	}
}

func TestManagerDestroy(t *testing.T) {
	m := newManager(session.NewMemory(), newClock(), false)
	ctx := context.Background()
	cookie := start(t, m, &session.Session{UserID: "u"})
	s := load(t, m, cookie)
	w := httptest.NewRecorder()
	if err := m.Destroy(ctx, w, s); err != nil {
		t.Fatal(err)
	}
	cleared := w.Result().Cookies()
	if len(cleared) != 1 || cleared[0].Name != "portal_session" || cleared[0].MaxAge >= 0 || cleared[0].Value != "" {
		t.Errorf("Destroy cookies = %+v, want one expired portal_session", cleared)
	}
	if load(t, m, cookie) != nil {
		t.Error("session still loads after Destroy")
	}
	if err := m.Destroy(ctx, httptest.NewRecorder(), s); err != nil {
		t.Errorf("second Destroy = %v", err)
	}
	if err := m.Destroy(ctx, httptest.NewRecorder(), nil); err != nil {
		t.Errorf("Destroy(nil) = %v", err)
	}
	if err := m.Save(ctx, nil); err != nil {
		t.Errorf("Save(nil) = %v", err)
	}
	if err := m.Save(ctx, &session.Session{}); err == nil {
		t.Error("Save of a never-started session succeeded")
	}
	if err := m.Start(ctx, httptest.NewRecorder(), nil); err == nil {
		t.Error("Start(nil) succeeded")
	}
}

// Sign-in rotates the id: the old cookie stops working and the response
// carries only the new cookie.
func TestManagerRotation(t *testing.T) {
	m := newManager(session.NewMemory(), newClock(), false)
	ctx := context.Background()
	oldCookie := start(t, m, &session.Session{UserID: "u"})
	old := load(t, m, oldCookie)
	oldCSRF := old.CSRF

	w := httptest.NewRecorder()
	if err := m.Destroy(ctx, w, old); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ctx, w, &session.Session{UserID: "u"}); err != nil {
		t.Fatal(err)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Value == "" || cookies[0].Value == oldCookie.Value {
		t.Fatalf("after Destroy+Start cookies = %+v, want only the new one", cookies)
	}
	if load(t, m, oldCookie) != nil {
		t.Error("old id still loads after rotation")
	}
	s := load(t, m, cookies[0])
	if s == nil || s.CSRF == oldCSRF {
		t.Error("new session missing or kept the old CSRF token")
	}

	// Start on a loaded session also drops its old record.
	again := load(t, m, cookies[0])
	third := start(t, m, again)
	if load(t, m, cookies[0]) != nil || load(t, m, third) == nil {
		t.Error("Start on a loaded session did not move it to a new id")
	}
}

func TestManagerPending(t *testing.T) {
	store := session.NewMemory()
	m := newManager(store, newClock(), false)
	ctx := context.Background()
	if err := m.PutPending(ctx, "state-1", []byte("verifier"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(ctx, storeKey("pending:", "state-1")); err != nil {
		t.Errorf("pending not stored under pending:+sha256(state): %v", err)
	}
	if _, err := m.TakePending(ctx, "state-2"); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("TakePending(other state) error = %v, want ErrNotFound", err)
	}
	got, err := m.TakePending(ctx, "state-1")
	if err != nil || string(got) != "verifier" {
		t.Fatalf("TakePending = %q, %v", got, err)
	}
	if _, err := m.TakePending(ctx, "state-1"); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("replayed TakePending error = %v, want ErrNotFound", err)
	}
	if err := m.PutPending(ctx, "", []byte("v"), time.Minute); err == nil {
		t.Error("PutPending with empty state succeeded")
	}
	if _, err := m.TakePending(ctx, ""); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("TakePending(\"\") error = %v, want ErrNotFound", err)
	}
	if err := m.PutPending(ctx, "s", []byte("v"), 0); err == nil {
		t.Error("PutPending with zero ttl succeeded")
	}
}

func TestManagerStoreErrors(t *testing.T) {
	c := newClock()
	store := &countingStore{Store: session.NewMemory()}
	m := newManager(store, c, false)
	cookie := start(t, m, &session.Session{UserID: "u"})
	s := load(t, m, cookie)
	store.fail = errStoreDown

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(cookie)
	if got, err := m.Load(r); got != nil || !errors.Is(err, errStoreDown) {
		t.Errorf("Load with failing store = %v, %v; want nil, store error", got, err)
	}
	s.SetFlash("x")
	if err := m.Save(context.Background(), s); !errors.Is(err, errStoreDown) {
		t.Errorf("Save with failing store = %v", err)
	}
	if err := m.Start(context.Background(), httptest.NewRecorder(), &session.Session{}); !errors.Is(err, errStoreDown) {
		t.Errorf("Start with failing store = %v", err)
	}
	w := httptest.NewRecorder()
	if err := m.Destroy(context.Background(), w, s); !errors.Is(err, errStoreDown) {
		t.Errorf("Destroy with failing store = %v", err)
	}
	if len(w.Result().Cookies()) != 1 {
		t.Error("Destroy with failing store did not clear the cookie")
	}
}

func TestManagerCorruptRecord(t *testing.T) {
	store := session.NewMemory()
	m := newManager(store, newClock(), false)
	id := strings.Repeat("Q", 43)
	key := storeKey("session:", id)
	if err := store.Set(context.Background(), key, []byte("{not json"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if s := load(t, m, &http.Cookie{Name: "portal_session", Value: id}); s != nil {
		t.Error("corrupt record loaded as a session")
	}
	if _, err := store.Get(context.Background(), key); !errors.Is(err, session.ErrNotFound) {
		t.Error("corrupt record not deleted")
	}
}

func TestManagerNilStoreAndCount(t *testing.T) {
	m := session.NewManager(session.Options{})
	ctx := context.Background()
	start(t, m, &session.Session{UserID: "u"})
	if err := m.PutPending(ctx, "st", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if n, err := m.Count(ctx); err != nil || n != 1 {
		t.Errorf("Count = %d, %v; want 1 (the session; a pending sign-in is not a session)", n, err)
	}
}

// Sessions survive a restart with the SQLite store.
func TestManagerSQLiteRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	c := newClock()
	store, err := session.NewSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	in := bigSession()
	cookie := start(t, newManager(store, c, false), in)
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	store = openSQLite(t, path)
	got := load(t, newManager(store, c, false), cookie)
	if got == nil || got.IDToken != in.IDToken || got.CSRF != in.CSRF {
		t.Fatal("session lost across a SQLite restart")
	}
}
