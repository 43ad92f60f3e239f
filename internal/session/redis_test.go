package session_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"portal/internal/session"
	"portal/internal/session/sessiontest"
)

// prefixes gives each store in a run its own key space on the shared server.
var prefixes atomic.Int64

func newRedis(t *testing.T, url, prefix string) *session.RedisStore {
	t.Helper()
	s, err := session.NewRedisPrefix(url, prefix)
	if err != nil {
		t.Fatalf("NewRedisPrefix: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		removeKeys(t, url, prefix)
	})
	return s
}

// removeKeys deletes what a test left under prefix, so a shared server given
// by PORTAL_TEST_REDIS_URL does not fill up with test keys.
func removeKeys(t *testing.T, url, prefix string) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Error(err)
		return
	}
	c := redis.NewClient(opt)
	defer c.Close()
	ctx := context.Background()
	iter := c.Scan(ctx, 0, "portaltest:*", 1000).Iterator()
	for iter.Next(ctx) {
		if strings.HasPrefix(iter.Val(), prefix) {
			c.Del(ctx, iter.Val())
		}
	}
}

func uniquePrefix() string {
	return fmt.Sprintf("portaltest:%d:%d:", os.Getpid(), prefixes.Add(1))
}

func TestRedisStore(t *testing.T) {
	url := sessiontest.RedisURL(t)
	t.Run("Conformance", func(t *testing.T) {
		sessiontest.StoreConformance(t, func(t *testing.T) session.Store {
			return newRedis(t, url, uniquePrefix())
		})
	})
	t.Run("Persistence", func(t *testing.T) {
		prefix := uniquePrefix()
		sessiontest.StorePersistence(t, func(t *testing.T) session.Store {
			return newRedis(t, url, prefix)
		})
	})
	t.Run("PrefixWithGlobCharacters", func(t *testing.T) {
		base := uniquePrefix()
		a := newRedis(t, url, base+"a*")
		b := newRedis(t, url, base+"ab")
		ctx := context.Background()
		if err := b.Set(ctx, "k", []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if n, err := a.Count(ctx, ""); err != nil || n != 0 {
			t.Errorf("Count with prefix %q = %d, %v; want 0 (glob must not match other prefix)", base+"a*", n, err)
		}
	})
	t.Run("SharedBetweenInstances", func(t *testing.T) {
		prefix := uniquePrefix()
		ctx := context.Background()
		instances := []*session.RedisStore{newRedis(t, url, prefix), newRedis(t, url, prefix), newRedis(t, url, prefix)}
		if err := instances[0].Set(ctx, "pending", []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Go(func() {
				if _, err := instances[i%3].Take(ctx, "pending"); err == nil {
					wins.Add(1)
				} else if !errors.Is(err, session.ErrNotFound) {
					t.Errorf("Take: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%d instances took the pending entry, want exactly 1", wins.Load())
		}
	})
}

func TestNewRedisErrors(t *testing.T) {
	if _, err := session.NewRedis("http://user:hunter2@example.com"); err == nil {
		t.Error("NewRedis(http URL) succeeded, want error")
	} else if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error leaks the password: %v", err)
	}
	// A closed port: connection refused quickly.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if s, err := session.NewRedis("redis://:secretpw@" + addr + "/0"); err == nil {
		s.Close()
		t.Error("NewRedis(unreachable) succeeded, want error")
	} else if strings.Contains(err.Error(), "secretpw") {
		t.Errorf("error leaks the password: %v", err)
	}
}
