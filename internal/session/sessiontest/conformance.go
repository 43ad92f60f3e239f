// Package sessiontest holds the conformance suite every session.Store must
// pass, so that each implementation (and any future one) is tested the same way.
package sessiontest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portal/internal/session"
)

// shortTTL is the lifetime of entries the suite waits to see expire; wait is
// how long it waits. Only expiry is asserted after the wait, never survival
// before it, so a slow machine cannot make the suite flaky.
const (
	shortTTL = 100 * time.Millisecond
	wait     = 300 * time.Millisecond
	longTTL  = time.Hour
)

// StoreConformance runs the Store contract against fresh stores from
// newStore. Each call of newStore must return an empty store; it should
// register its own cleanup (Close) with t.
func StoreConformance(t *testing.T, newStore func(t *testing.T) session.Store) {
	t.Helper()
	ctx := context.Background()

	t.Run("Missing", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Get(ctx, "nope"); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("Get(missing) error = %v, want ErrNotFound", err)
		}
		if _, err := s.Take(ctx, "nope"); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("Take(missing) error = %v, want ErrNotFound", err)
		}
		if err := s.Delete(ctx, "nope"); err != nil {
			t.Errorf("Delete(missing) = %v, want nil", err)
		}
	})

	t.Run("SetGetOverwrite", func(t *testing.T) {
		s := newStore(t)
		mustSet(t, s, "k", []byte("one"), longTTL)
		mustGet(t, s, "k", []byte("one"))
		mustSet(t, s, "k", []byte("two"), longTTL)
		mustGet(t, s, "k", []byte("two"))
		mustCount(t, s, 1)
	})

	t.Run("ValuesAreCopies", func(t *testing.T) {
		s := newStore(t)
		in := []byte("original")
		mustSet(t, s, "k", in, longTTL)
		copy(in, "XXXXXXXX")
		got := mustGet(t, s, "k", []byte("original"))
		copy(got, "YYYYYYYY")
		mustGet(t, s, "k", []byte("original"))
	})

	t.Run("BinaryAndEmptyValues", func(t *testing.T) {
		s := newStore(t)
		all := make([]byte, 512)
		for i := range all {
			all[i] = byte(i)
		}
		mustSet(t, s, "bin", all, longTTL)
		mustGet(t, s, "bin", all)
		mustSet(t, s, "empty", []byte{}, longTTL)
		mustGet(t, s, "empty", []byte{})
		mustSet(t, s, "nil", nil, longTTL)
		mustGet(t, s, "nil", []byte{})
		key := "key with spaces, ünïcode and : * ? [x]"
		mustSet(t, s, key, []byte("v"), longTTL)
		mustGet(t, s, key, []byte("v"))
	})

	t.Run("LargeValue", func(t *testing.T) {
		s := newStore(t)
		big := bytes.Repeat([]byte("0123456789abcdef\x00\xff"), 20*1024/18+1)
		mustSet(t, s, "big", big, longTTL)
		mustGet(t, s, "big", big)
		got, err := s.Take(ctx, "big")
		if err != nil || !bytes.Equal(got, big) {
			t.Errorf("Take(big) = %d bytes, %v; want %d bytes", len(got), err, len(big))
		}
	})

	t.Run("BadTTL", func(t *testing.T) {
		s := newStore(t)
		for _, ttl := range []time.Duration{0, -time.Second} {
			if err := s.Set(ctx, "k", []byte("v"), ttl); err == nil {
				t.Errorf("Set(ttl=%v) = nil, want error", ttl)
			}
		}
		mustCount(t, s, 0)
	})

	t.Run("Expiry", func(t *testing.T) {
		s := newStore(t)
		mustSet(t, s, "short", []byte("v"), shortTTL)
		mustSet(t, s, "short2", []byte("v"), shortTTL)
		mustSet(t, s, "long", []byte("v"), longTTL)
		mustSet(t, s, "renewed", []byte("old"), shortTTL)
		mustSet(t, s, "renewed", []byte("new"), longTTL)
		time.Sleep(wait)
		if _, err := s.Get(ctx, "short"); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("Get(expired) error = %v, want ErrNotFound", err)
		}
		if _, err := s.Take(ctx, "short2"); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("Take(expired) error = %v, want ErrNotFound", err)
		}
		mustGet(t, s, "long", []byte("v"))
		mustGet(t, s, "renewed", []byte("new"))
		mustCount(t, s, 2)
	})

	t.Run("CountPrefix", func(t *testing.T) {
		s := newStore(t)
		for _, k := range []string{"session:a", "session:b", "pending:a", "sessions", "x*session:"} {
			mustSet(t, s, k, []byte("v"), time.Minute)
		}
		for prefix, want := range map[string]int{"": 5, "session:": 2, "pending:": 1, "session": 3, "x*": 1, "*": 0, "nope": 0} {
			n, err := s.Count(ctx, prefix)
			if err != nil || n != want {
				t.Errorf("Count(%q) = %d, %v; want %d", prefix, n, err, want)
			}
		}
	})

	t.Run("CompareAndSet", func(t *testing.T) {
		s := newStore(t)
		swap := func(key string, old, val []byte, ttl time.Duration) bool {
			t.Helper()
			ok, err := s.CompareAndSet(ctx, key, old, val, ttl)
			if err != nil {
				t.Fatalf("CompareAndSet(%q): %v", key, err)
			}
			return ok
		}
		if swap("missing", []byte{}, []byte("x"), longTTL) {
			t.Error("CompareAndSet on a missing key reported success")
		}
		if _, err := s.Get(ctx, "missing"); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("CompareAndSet created a missing key: Get error = %v", err)
		}
		mustSet(t, s, "k", []byte("one"), longTTL)
		if swap("k", []byte("other"), []byte("two"), longTTL) {
			t.Error("CompareAndSet with a stale old value reported success")
		}
		mustGet(t, s, "k", []byte("one"))
		if !swap("k", []byte("one"), []byte("two"), longTTL) {
			t.Error("CompareAndSet with the current value failed")
		}
		mustGet(t, s, "k", []byte("two"))
		bin := []byte{0, 1, 2, 255, 0}
		mustSet(t, s, "b", bin, longTTL)
		if !swap("b", bin, []byte{}, longTTL) {
			t.Error("CompareAndSet with a binary value failed")
		}
		mustGet(t, s, "b", []byte{})
		if !swap("b", []byte{}, []byte("z"), longTTL) {
			t.Error("CompareAndSet from an empty value failed")
		}
		if _, err := s.CompareAndSet(ctx, "k", []byte("two"), []byte("x"), 0); err == nil {
			t.Error("CompareAndSet with ttl 0 did not fail")
		}
		mustSet(t, s, "gone", []byte("v"), longTTL)
		if err := s.Delete(ctx, "gone"); err != nil {
			t.Fatal(err)
		}
		if swap("gone", []byte("v"), []byte("w"), longTTL) {
			t.Error("CompareAndSet brought back a deleted key")
		}
		mustSet(t, s, "short", []byte("v"), shortTTL)
		time.Sleep(wait)
		if swap("short", []byte("v"), []byte("w"), longTTL) {
			t.Error("CompareAndSet brought back an expired key")
		}
		// Of concurrent swaps from the same old value, exactly one wins.
		mustSet(t, s, "race", []byte("start"), longTTL)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Go(func() {
				ok, err := s.CompareAndSet(ctx, "race", []byte("start"), fmt.Appendf(nil, "w%d", i), longTTL)
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Errorf("%d concurrent CompareAndSets won, want exactly 1", n)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		mustSet(t, s, "a", []byte("1"), longTTL)
		mustSet(t, s, "b", []byte("2"), longTTL)
		if err := s.Delete(ctx, "a"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if _, err := s.Get(ctx, "a"); !errors.Is(err, session.ErrNotFound) {
			t.Errorf("Get(deleted) error = %v, want ErrNotFound", err)
		}
		mustGet(t, s, "b", []byte("2"))
		mustCount(t, s, 1)
	})

	t.Run("TakeIsSingleUse", func(t *testing.T) {
		s := newStore(t)
		const rounds, takers = 10, 16
		for round := range rounds {
			key := fmt.Sprintf("pending-%d", round)
			want := []byte(fmt.Sprintf("value-%d", round))
			mustSet(t, s, key, want, longTTL)
			var wins, misses atomic.Int32
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range takers {
				wg.Go(func() {
					<-start
					got, err := s.Take(ctx, key)
					switch {
					case err == nil && bytes.Equal(got, want):
						wins.Add(1)
					case errors.Is(err, session.ErrNotFound):
						misses.Add(1)
					default:
						t.Errorf("Take = %q, %v", got, err)
					}
				})
			}
			close(start)
			wg.Wait()
			if wins.Load() != 1 || misses.Load() != takers-1 {
				t.Fatalf("round %d: %d winners, %d misses; want 1 and %d", round, wins.Load(), misses.Load(), takers-1)
			}
		}
		mustCount(t, s, 0)
	})

	t.Run("ConcurrentUse", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 20 {
					key := fmt.Sprintf("g%d-%d", g, i)
					val := []byte(key)
					if err := s.Set(ctx, key, val, longTTL); err != nil {
						t.Errorf("Set: %v", err)
						return
					}
					if got, err := s.Get(ctx, key); err != nil || !bytes.Equal(got, val) {
						t.Errorf("Get(%s) = %q, %v", key, got, err)
						return
					}
					if i%2 == 0 {
						if err := s.Delete(ctx, key); err != nil {
							t.Errorf("Delete: %v", err)
						}
					}
				}
			})
		}
		wg.Wait()
		mustCount(t, s, 8*10)
	})
}

// StorePersistence checks that entries survive closing and reopening the
// store: open must return a store on the same backing data each time it is
// called within one test.
func StorePersistence(t *testing.T, open func(t *testing.T) session.Store) {
	t.Helper()
	ctx := context.Background()
	s := open(t)
	mustSet(t, s, "kept", []byte("value"), longTTL)
	mustSet(t, s, "gone", []byte("value"), longTTL)
	if err := s.Delete(ctx, "gone"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s = open(t)
	mustGet(t, s, "kept", []byte("value"))
	if _, err := s.Get(ctx, "gone"); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Get(deleted before restart) error = %v, want ErrNotFound", err)
	}
	mustCount(t, s, 1)
}

func mustSet(t *testing.T, s session.Store, key string, val []byte, ttl time.Duration) {
	t.Helper()
	if err := s.Set(context.Background(), key, val, ttl); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func mustGet(t *testing.T, s session.Store, key string, want []byte) []byte {
	t.Helper()
	got, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%q) = %d bytes %q, want %d bytes", key, len(got), truncate(got), len(want))
	}
	return got
}

func mustCount(t *testing.T, s session.Store, want int) {
	t.Helper()
	n, err := s.Count(context.Background(), "")
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	if n != want {
		t.Errorf("Count = %d, want %d", n, want)
	}
}

func truncate(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}
