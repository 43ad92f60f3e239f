package session_test

import (
	"os"
	"path/filepath"
	"testing"

	"portal/internal/session"
	"portal/internal/session/sessiontest"
)

func TestMemoryStore(t *testing.T) {
	sessiontest.StoreConformance(t, func(t *testing.T) session.Store {
		s := session.NewMemory()
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestSQLiteStore(t *testing.T) {
	sessiontest.StoreConformance(t, func(t *testing.T) session.Store {
		return openSQLite(t, filepath.Join(t.TempDir(), "sessions.db"))
	})
}

func TestSQLitePersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "sessions.db")
	sessiontest.StorePersistence(t, func(t *testing.T) session.Store {
		return openSQLite(t, path)
	})
}

func TestSQLiteFileMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "sessions.db")
	s := openSQLite(t, path)
	if err := s.Set(t.Context(), "k", []byte("v"), 3600e9); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("stat %s: %v", filepath.Base(p), err)
		}
		if mode := fi.Mode().Perm(); mode&0o077 != 0 {
			t.Errorf("%s mode = %v, want no group/other access", filepath.Base(p), mode)
		}
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o700 {
		t.Errorf("created directory mode = %v, want 0700", mode)
	}
}

func TestSQLiteBadPath(t *testing.T) {
	for _, p := range []string{"", "a?b.db", "x#y.db"} {
		if s, err := session.NewSQLite(p); err == nil {
			s.Close()
			t.Errorf("NewSQLite(%q) succeeded, want error", p)
		}
	}
	// A path under a regular file cannot be created.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := session.NewSQLite(filepath.Join(file, "sessions.db")); err == nil {
		s.Close()
		t.Error("NewSQLite under a regular file succeeded, want error")
	}
}

func TestSQLiteCloseTwice(t *testing.T) {
	s, err := session.NewSQLite(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.Get(t.Context(), "k"); err == nil {
		t.Error("Get after Close succeeded, want error")
	}
}

func openSQLite(t testing.TB, path string) *session.SQLiteStore {
	t.Helper()
	s, err := session.NewSQLite(path)
	if err != nil {
		t.Fatalf("NewSQLite: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
