package session

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// sqliteModes compares the shipped layout (one writer connection, separate
// read pool) with a single shared pool where writers contend for the lock.
var sqliteModes = []struct {
	name         string
	singleWriter bool
}{{"single-writer", true}, {"shared-pool", false}}

func benchSQLite(b *testing.B, singleWriter bool) *SQLiteStore {
	s, err := openSQLite(filepath.Join(b.TempDir(), "bench.db"),
		sqliteConfig{sweepEvery: time.Hour, singleWriter: singleWriter, now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// sessionSized is about the size of a real session record.
var sessionSized = []byte(strings.Repeat("x", 4096))

func BenchmarkSQLiteGet(b *testing.B) {
	for _, mode := range sqliteModes {
		b.Run(mode.name, func(b *testing.B) {
			s := benchSQLite(b, mode.singleWriter)
			ctx := context.Background()
			for i := range 1000 {
				if err := s.Set(ctx, fmt.Sprint("k", i), sessionSized, time.Hour); err != nil {
					b.Fatal(err)
				}
			}
			var n atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.Get(ctx, fmt.Sprint("k", n.Add(1)%1000)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkSQLiteSet(b *testing.B) {
	for _, mode := range sqliteModes {
		b.Run(mode.name, func(b *testing.B) {
			s := benchSQLite(b, mode.singleWriter)
			ctx := context.Background()
			var n atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := s.Set(ctx, fmt.Sprint("k", n.Add(1)%1000), sessionSized, time.Hour); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkSQLiteMixed is closer to real traffic: mostly reads, some writes.
func BenchmarkSQLiteMixed(b *testing.B) {
	for _, mode := range sqliteModes {
		b.Run(mode.name, func(b *testing.B) {
			s := benchSQLite(b, mode.singleWriter)
			ctx := context.Background()
			for i := range 1000 {
				if err := s.Set(ctx, fmt.Sprint("k", i), sessionSized, time.Hour); err != nil {
					b.Fatal(err)
				}
			}
			var n atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					key := fmt.Sprint("k", i%1000)
					var err error
					if i%10 == 0 {
						err = s.Set(ctx, key, sessionSized, time.Hour)
					} else {
						_, err = s.Get(ctx, key)
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkManagerLoad(b *testing.B) {
	stores := map[string]func(b *testing.B) Store{
		"memory": func(b *testing.B) Store { return NewMemory() },
		"sqlite": func(b *testing.B) Store { return benchSQLite(b, true) },
	}
	for _, name := range []string{"memory", "sqlite"} {
		b.Run(name, func(b *testing.B) {
			m := NewManager(Options{Store: stores[name](b)})
			s := &Session{UserID: "u", IDToken: strings.Repeat("i", 2048),
				Claims: map[string]any{"email": "ada@example.com", "name": "Ada"}}
			w := httptest.NewRecorder()
			if err := m.Start(context.Background(), w, s); err != nil {
				b.Fatal(err)
			}
			cookie := w.Result().Cookies()[0]
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				r := httptest.NewRequest(http.MethodGet, "/", nil)
				r.AddCookie(cookie)
				for pb.Next() {
					s, err := m.Load(r)
					if err != nil || s == nil {
						b.Errorf("Load = %v, %v", s, err)
						return
					}
					if err := m.Save(r.Context(), s); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
