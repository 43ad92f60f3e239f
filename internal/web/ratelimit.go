package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// rateLimiter is a fixed-window counter per key. It is per process: with
// several instances each enforces its own share, which is enough to stop a
// script hammering sign-in or save.
type rateLimiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu     sync.Mutex
	start  time.Time
	counts map[string]int
}

func newRateLimiter(limit int, window time.Duration, now func() time.Time) *rateLimiter {
	return &rateLimiter{limit: limit, window: window, now: now, counts: map[string]int{}}
}

// allow counts one event for key and reports whether it is within the limit,
// and if not, how long until the window resets.
func (l *rateLimiter) allow(key string) (bool, time.Duration) {
	if l.limit <= 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= l.window {
		l.start = now
		clear(l.counts) // also bounds memory: the map never outlives a window
	}
	l.counts[key]++
	if l.counts[key] > l.limit {
		return false, l.window - now.Sub(l.start)
	}
	return true, 0
}

// clientIP is the address of the client. X-Forwarded-For is believed only
// when the direct peer is a configured trusted proxy; then the rightmost
// address that is not itself a trusted proxy is the client.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(peer) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !s.trusted(a) {
			return a.String()
		}
	}
	return host
}

// rateKey is the rate-limit key for a client address. An IPv6 client is
// keyed by its /64: one subscriber usually gets a whole /64 (often more), so
// keying single addresses would let a client dodge the limit, and grow the
// counter map, by rotating through its own addresses.
func rateKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		return netip.PrefixFrom(a.WithZone(""), 64).Masked().String()
	}
	return a.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.opt.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
