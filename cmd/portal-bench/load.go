package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	snapshotField = "form.snapshot"
	maxPriceField = "registration.data.maxprice"
)

// phaseResult holds the figures of one load phase.
type phaseResult struct {
	name          string
	requests      int
	errors        int
	firstError    string
	elapsed       time.Duration
	p50, p95, p99 time.Duration
	faCalls       int           // FusionAuth calls seen by the dev server
	cpu           time.Duration // portal process CPU (user+system)
	benchCPU      time.Duration // this process: load generator and dev server
	mallocs       uint64
	allocBytes    uint64
	rssKB         int64
}

func (r phaseResult) rate() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r phaseResult) per(v float64) float64 {
	if r.requests == 0 {
		return 0
	}
	return v / float64(r.requests)
}

// request is one request of a phase for the given user; it reports whether
// the answer was the expected one (and why not).
type request func(ctx context.Context, hc *http.Client, u *benchUser) error

// runPhase drives the portal with c closed-loop clients for d. Client k
// owns users k, k+c, k+2c, ... and cycles through them, so no two clients
// ever act for the same user at once (saves would conflict otherwise).
func (b *bench) runPhase(ctx context.Context, name string, d time.Duration, do request) (phaseResult, error) {
	before, err := b.childStats(ctx, false)
	if err != nil {
		return phaseResult{}, err
	}
	countsBefore := sumCounts(b.idp.Counts())
	selfBefore := selfCPU()
	var (
		mu       sync.Mutex
		all      []time.Duration
		errs     atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for k := range b.conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var own []*benchUser
			for j := k; j < len(b.users); j += b.conc {
				own = append(own, b.users[j])
			}
			lat := make([]time.Duration, 0, 4096)
			for i := 0; time.Now().Before(deadline); i++ {
				u := own[i%len(own)]
				t0 := time.Now()
				err := do(ctx, b.hc, u)
				lat = append(lat, time.Since(t0))
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	selfAfter := selfCPU()
	after, err := b.childStats(ctx, false)
	if err != nil {
		return phaseResult{}, err
	}
	slices.Sort(all)
	r := phaseResult{
		name: name, requests: len(all), errors: int(errs.Load()), elapsed: elapsed,
		p50: percentile(all, 50), p95: percentile(all, 95), p99: percentile(all, 99),
		faCalls:    sumCounts(b.idp.Counts()) - countsBefore,
		cpu:        time.Duration(after.CPUMicros-before.CPUMicros) * time.Microsecond,
		benchCPU:   selfAfter - selfBefore,
		mallocs:    after.Mallocs - before.Mallocs,
		allocBytes: after.TotalAlloc - before.TotalAlloc,
		rssKB:      after.RSSKB,
	}
	r.firstError, _ = firstErr.Load().(string)
	return r, nil
}

// selfCPU is the user+system CPU time used so far by this process.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// percentile is the nearest-rank percentile of sorted durations: the
// smallest value with at least p% of the values at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// get returns a request for GET path expecting 200 and a body of at least
// minBody bytes (a truncated or error page is a failure).
func (b *bench) get(path string, minBody int) request {
	target := b.portalURL + path
	return func(ctx context.Context, hc *http.Client, u *benchUser) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		req.Header.Set("Cookie", u.cookie)
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK || int(n) < minBody {
			return fmt.Errorf("GET %s: status %d, %d bytes", path, resp.StatusCode, n)
		}
		return nil
	}
}

// save posts the user's profile form with a new maximum price, as a browser
// would (CSRF token and snapshot from the page), and expects the 303 to /.
// The redirect is not followed: a save is measured alone. After a success
// the snapshot is updated the way the next page would render it, so the
// next save of this user is not a conflict.
func (b *bench) save() request {
	var seq atomic.Int64
	target := b.portalURL + "/profile"
	return func(ctx context.Context, hc *http.Client, u *benchUser) error {
		price := fmt.Sprint(300000 + seq.Add(1))
		vals := url.Values{}
		for k, v := range u.form {
			vals[k] = v
		}
		vals.Set(maxPriceField, price)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(vals.Encode()))
		req.Header.Set("Cookie", u.cookie)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			// Resynchronise from the page it showed, if it has the form.
			u.readForm(string(body))
			return fmt.Errorf("POST /profile: status %d", resp.StatusCode)
		}
		snap, err := withSnapshotValue(u.form.Get(snapshotField), maxPriceField, price)
		if err != nil {
			return err
		}
		u.form.Set(maxPriceField, price)
		u.form.Set(snapshotField, snap)
		return nil
	}
}

// withSnapshotValue changes one value in an encoded form snapshot
// (base64url of JSON {"v": {key: value}, ...}); numbers keep their digits.
func withSnapshotValue(enc, key, number string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	var snap map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&snap); err != nil {
		return "", fmt.Errorf("snapshot: %w", err)
	}
	v, _ := snap["v"].(map[string]any)
	if v == nil {
		v = map[string]any{}
		snap["v"] = v
	}
	v[key] = json.Number(number)
	out, err := json.Marshal(snap)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(out), nil
}
