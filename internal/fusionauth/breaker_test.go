package fusionauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a settable time source for the breaker.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestBreakerStopsCallingADeadFusionAuth: after five unavailable answers in
// a row the client sends nothing for the cooldown and fails at once with
// ErrUnavailable; then one probe goes through, and a good answer closes it.
func TestBreakerStopsCallingADeadFusionAuth(t *testing.T) {
	var up atomic.Bool
	c, reqs := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if up.Load() {
			jsonReply(200, `{"user":{"id":"u1"}}`)(w, r)
			return
		}
		w.WriteHeader(http.StatusInternalServerError) // 500: not retried, one request per call
	})
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	c.br.now = clock.now
	ctx := context.Background()

	for i := 0; i < defaultBreakerThreshold; i++ {
		if _, err := c.RetrieveUser(ctx, "u1"); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if n := len(reqs()); n != defaultBreakerThreshold {
		t.Fatalf("%d requests before the breaker opened, want %d", n, defaultBreakerThreshold)
	}
	if !c.br.open() {
		t.Fatal("breaker still closed after the threshold")
	}
	for i := 0; i < 100; i++ {
		if _, err := c.RetrieveUser(ctx, "u1"); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("open breaker: %v", err)
		}
		if err := c.PatchUser(ctx, "u1", map[string]any{"a": 1}); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("open breaker, patch: %v", err)
		}
	}
	if n := len(reqs()); n != defaultBreakerThreshold {
		t.Fatalf("open breaker let %d requests through", n-defaultBreakerThreshold)
	}

	// After the cooldown one probe is sent; it fails, so it opens again.
	clock.add(defaultBreakerCooldown)
	if _, err := c.RetrieveUser(ctx, "u1"); !errors.Is(err, ErrUnavailable) {
		t.Fatal(err)
	}
	if n := len(reqs()); n != defaultBreakerThreshold+1 {
		t.Fatalf("probe: %d requests, want %d", n, defaultBreakerThreshold+1)
	}
	if _, err := c.RetrieveUser(ctx, "u1"); !errors.Is(err, ErrUnavailable) || len(reqs()) != defaultBreakerThreshold+1 {
		t.Fatalf("a failed probe must reopen the breaker: %v, %d requests", err, len(reqs()))
	}

	// FusionAuth is back: the next probe succeeds and everything flows.
	up.Store(true)
	clock.add(defaultBreakerCooldown)
	for i := 0; i < 3; i++ {
		if _, err := c.RetrieveUser(ctx, "u1"); err != nil {
			t.Fatalf("after recovery, call %d: %v", i, err)
		}
	}
	if c.br.open() {
		t.Error("breaker open after a good answer")
	}
}

// TestBreakerIgnoresClientErrors: 4xx answers prove FusionAuth is up, so
// they never open the breaker, and they reset the count of failures.
func TestBreakerIgnoresClientErrors(t *testing.T) {
	var n atomic.Int32
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
	})
	for i := 0; i < 4*defaultBreakerThreshold; i++ {
		c.RetrieveUser(context.Background(), "u1")
	}
	if c.br.open() {
		t.Error("alternating 500/404 opened the breaker")
	}
	for i := 0; i < 20; i++ {
		if _, err := c.RetrieveUser(context.Background(), "missing"); errors.Is(err, ErrUnavailable) && c.br.open() {
			t.Fatal("404s opened the breaker")
		}
	}
}

// TestBreakerIgnoresCancelledCallers: a user closing the tab mid-request
// says nothing about FusionAuth.
func TestBreakerIgnoresCancelledCallers(t *testing.T) {
	release := make(chan struct{})
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	for i := 0; i < 2*defaultBreakerThreshold; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(5 * time.Millisecond); cancel() }()
		c.RetrieveUser(ctx, "u1")
		cancel()
	}
	if c.br.open() {
		t.Error("cancelled callers opened the breaker")
	}
}

// TestTimeoutsAreNotRetried: a FusionAuth that accepts connections but
// never answers costs one timeout per call, not three.
func TestTimeoutsAreNotRetried(t *testing.T) {
	var hits atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	hc := NewHTTPClient()
	hc.Timeout = 50 * time.Millisecond
	c := New(srv.URL, "k", "", hc)
	c.retryDelays = []time.Duration{time.Millisecond, time.Millisecond}
	if _, err := c.RetrieveUser(context.Background(), "u1"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("hanging server: %v", err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("a timed-out GET was sent %d times, want 1", n)
	}
}
