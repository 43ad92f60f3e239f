package session

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func rows(t *testing.T, s *SQLiteStore) int {
	t.Helper()
	var n int
	if err := s.r.QueryRow(`SELECT count(*) FROM kv`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSQLiteSweep(t *testing.T) {
	c := &testClock{t: time.Unix(1_800_000_000, 0)}
	s, err := openSQLite(filepath.Join(t.TempDir(), "s.db"),
		sqliteConfig{sweepEvery: time.Hour, singleWriter: true, now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		if err := s.Set(ctx, k, []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Set(ctx, "long", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	c.advance(2 * time.Minute)
	if n, _ := s.Count(ctx, ""); n != 1 {
		t.Errorf("Count = %d, want 1 live entry", n)
	}
	if n := rows(t, s); n != 4 {
		t.Fatalf("rows before sweep = %d, want 4 (expired rows linger until swept)", n)
	}
	gone, err := s.sweep(ctx)
	if err != nil || gone != 3 {
		t.Fatalf("sweep removed %d rows (%v), want 3", gone, err)
	}
	if n := rows(t, s); n != 1 {
		t.Errorf("rows after sweep = %d, want 1", n)
	}
}

// The background sweeper runs on its own and stops with Close.
func TestSQLiteSweeperRuns(t *testing.T) {
	c := &testClock{t: time.Unix(1_800_000_000, 0)}
	s, err := openSQLite(filepath.Join(t.TempDir(), "s.db"),
		sqliteConfig{sweepEvery: 5 * time.Millisecond, singleWriter: true, now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set(context.Background(), "k", []byte("v"), time.Second); err != nil {
		t.Fatal(err)
	}
	c.advance(time.Minute)
	deadline := time.Now().Add(10 * time.Second)
	for rows(t, s) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("background sweeper did not remove the expired row")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	default:
		t.Error("sweeper still running after Close")
	}
}
