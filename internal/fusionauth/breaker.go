package fusionauth

import (
	"sync"
	"time"
)

// breaker stops the portal from piling requests onto a FusionAuth that is
// down. Without it every page view waits for its own connect or header
// timeout (seconds each, times the retries), so a dead FusionAuth turns
// into thousands of stuck requests; with it, once Threshold calls in a row
// have failed as unavailable, calls fail at once with ErrUnavailable (the
// portal's "try again in a moment" page) for Cooldown. After the cooldown
// one call at a time is let through as a probe: a success closes the
// breaker, a failure opens it for another cooldown.
//
// Answers that show FusionAuth is up (2xx, 4xx) reset the count; only
// network errors, timeouts and 5xx answers count.
type breaker struct {
	threshold int
	cooldown  time.Duration
	now       func() time.Time

	mu        sync.Mutex
	failures  int       // consecutive unavailable results
	openUntil time.Time // zero: closed
	probing   bool      // a probe is in flight after the cooldown
}

// Breaker defaults: five failures in a row open it for two seconds, short
// enough that a recovered FusionAuth is used again almost at once.
const (
	defaultBreakerThreshold = 5
	defaultBreakerCooldown  = 2 * time.Second
)

func newBreaker() *breaker {
	return &breaker{threshold: defaultBreakerThreshold, cooldown: defaultBreakerCooldown, now: time.Now}
}

// allow reports whether a call may be sent now. A true answer must be
// followed by exactly one record call.
func (b *breaker) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openUntil.IsZero() {
		return true
	}
	if b.now().Before(b.openUntil) || b.probing {
		return false
	}
	b.probing = true
	return true
}

// record notes the outcome of an allowed call.
func (b *breaker) record(unavailable bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.probing = false
	if !unavailable {
		b.failures, b.openUntil = 0, time.Time{}
		return
	}
	b.failures++
	if b.failures >= b.threshold || !b.openUntil.IsZero() {
		b.openUntil = b.now().Add(b.cooldown)
	}
}

// abandon ends an allowed call whose outcome says nothing about FusionAuth
// (the caller cancelled it).
func (b *breaker) abandon() {
	b.mu.Lock()
	b.probing = false
	b.mu.Unlock()
}

// open reports whether calls are being refused (for readiness and tests).
func (b *breaker) open() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !b.openUntil.IsZero() && b.now().Before(b.openUntil)
}
