// Command portal-bench measures the portal under load on this machine: it
// starts the FusionAuth-compatible dev server in its own process and the
// portal in a child process (so the portal's CPU and memory are measured
// alone), signs users in through the real OIDC flow and drives the profile
// view and save with concurrent clients. See docs/performance.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"portal/demo"
	"portal/internal/devidp"
)

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == childCommand {
		err = runChild(os.Args[2:])
	} else {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err = runBench(ctx, os.Args[1:], os.Stdout)
		stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "portal-bench:", err)
		os.Exit(1)
	}
}

type options struct {
	nUsers, conc, sessions int
	dur, latency           time.Duration
	redis, store           string
	logLevel, cpuProfile   string
}

// bench is one run: the dev server (in this process), the portal child and
// the signed-in users.
type bench struct {
	options
	idp       *devidp.Server
	portalURL string
	hc        *http.Client
	users     []*benchUser
	child     *exec.Cmd
}

func runBench(ctx context.Context, args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("portal-bench", flag.ContinueOnError)
	fs.IntVar(&o.nUsers, "users", 200, "users to create and sign in (at least -c)")
	fs.IntVar(&o.conc, "c", 64, "concurrent clients")
	fs.DurationVar(&o.dur, "d", 10*time.Second, "duration of each phase")
	fs.DurationVar(&o.latency, "latency", 20*time.Millisecond, "FusionAuth API latency injected in the latency phases (0 skips them)")
	fs.IntVar(&o.sessions, "sessions", 10000, "live sessions to create for the memory figure")
	fs.StringVar(&o.redis, "redis", "", "Redis URL for the session store (default: SQLite in a temporary directory)")
	fs.StringVar(&o.store, "store", "sqlite", "session store when -redis is not set: sqlite or memory")
	fs.StringVar(&o.logLevel, "log-level", "info", "the portal's log level (its logs are written to "+os.DevNull+")")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write CPU profiles of the portal during view and save to PREFIX-view.pprof and PREFIX-save.pprof")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case o.conc < 1 || o.nUsers < 1 || o.dur <= 0 || o.sessions < 0 || o.latency < 0:
		return errors.New("-c, -users and -d must be positive; -sessions and -latency not negative")
	case o.store != "sqlite" && o.store != "memory":
		return fmt.Errorf("-store must be sqlite or memory, got %q", o.store)
	case o.nUsers < o.conc:
		return fmt.Errorf("-users (%d) must be at least -c (%d): each client owns its own users", o.nUsers, o.conc)
	}
	b := &bench{options: o}
	return b.run(ctx, out)
}

func (b *bench) run(ctx context.Context, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var seed struct {
		Variables struct{ APIKey, ApplicationID, ClientSecret string } `json:"variables"`
	}
	if err := json.Unmarshal(demo.Kickstart, &seed); err != nil {
		return fmt.Errorf("demo kickstart: %w", err)
	}
	v := seed.Variables
	quiet := slog.New(slog.DiscardHandler)
	idp, idpURL, err := devidp.Start(ctx, "127.0.0.1:0", devidp.Options{Kickstart: demo.Kickstart, Logger: quiet})
	if err != nil {
		return err
	}
	b.idp = idp

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	b.portalURL = "http://" + ln.Addr().String()
	if err := idp.AllowRedirects(v.ApplicationID, b.portalURL+"/callback", b.portalURL+"/signed-out"); err != nil {
		return err
	}
	dataDir, err := os.MkdirTemp("", "portal-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)
	env := []string{
		"PORTAL_PUBLIC_URL=" + b.portalURL,
		"PORTAL_ADDR=" + ln.Addr().String(),
		"PORTAL_DATA_DIR=" + dataDir,
		"PORTAL_REDIS_URL=" + b.redis,
		"FUSIONAUTH_URL=" + idpURL,
		"FUSIONAUTH_CLIENT_ID=" + v.ApplicationID,
		"FUSIONAUTH_CLIENT_SECRET=" + v.ClientSecret,
		"FUSIONAUTH_API_KEY=" + v.APIKey,
		"PORTAL_RATE_LIMIT=0",
		"PORTAL_CONFIG_FILE=",
	}
	b.hc = &http.Client{
		Transport:     &http.Transport{MaxIdleConns: 4 * b.conc, MaxIdleConnsPerHost: 4 * b.conc, IdleConnTimeout: time.Minute},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}

	fmt.Fprintf(out, "portal-bench: %s\n", machine())
	fmt.Fprintf(out, "users %d, clients %d, %s per phase, store %s, portal log level %s\n\n",
		b.nUsers, b.conc, b.dur, b.storeName(), b.logLevel)

	execAt := time.Now()
	if err := b.startChild(ctx, ln, env); err != nil {
		return err
	}
	defer b.stopChild()
	readyAt, err := b.waitHealthy(ctx)
	if err != nil {
		return err
	}
	st, err := b.childStats(ctx, false)
	if err != nil {
		return err
	}
	startup := time.Duration(st.HealthyNanos - st.StartNanos)
	fmt.Fprintf(out, "start-up: %s from wiring to first /healthz 200 (%s from exec, including process start)\n",
		round(startup), round(readyAt.Sub(execAt)))

	t0 := time.Now()
	if b.users, err = createUsers(ctx, idpURL, v.APIKey, v.ApplicationID, strconv.FormatInt(time.Now().UnixNano(), 36), b.nUsers); err != nil {
		return err
	}
	t1 := time.Now()
	if err := signInAll(ctx, b.portalURL, b.users); err != nil {
		return err
	}
	fmt.Fprintf(out, "created %d users in %s; signed them in through the real OIDC flow in %s (%.0f sign-ins/s, 8 at a time)\n",
		len(b.users), round(t1.Sub(t0)), round(time.Since(t1)), float64(len(b.users))/time.Since(t1).Seconds())

	pageSize, err := b.profileSize(ctx)
	if err != nil {
		return err
	}
	if err := b.childPost(ctx, "/__bench/floor?size="+strconv.Itoa(pageSize)); err != nil {
		return err
	}
	fmt.Fprintf(out, "profile page: %d bytes\n\n", pageSize)

	// Warm-up (connections, caches, GC pacing); not reported.
	if _, err := b.runPhase(ctx, "warm-up", min(b.dur, 2*time.Second), b.get("/", pageSize/2)); err != nil {
		return err
	}
	var results []phaseResult
	add := func(name string, profile string, do request) error {
		stopProfile := b.profile(ctx, profile)
		r, err := b.runPhase(ctx, name, b.dur, do)
		stopProfile()
		if err != nil {
			return err
		}
		results = append(results, r)
		return nil
	}
	if err := add("floor (bare handler)", "", b.get("/__bench/floor", pageSize)); err != nil {
		return err
	}
	if err := add("view  GET /", "view", b.get("/", pageSize/2)); err != nil {
		return err
	}
	if err := add("save  POST /profile", "save", b.save()); err != nil {
		return err
	}
	if b.latency > 0 {
		b.idp.Faults().Update(func(c *devidp.FaultConfig) { c.APILatency = b.latency })
		lname := "+" + b.latency.String() + " API"
		if err := add("view  "+lname, "", b.get("/", pageSize/2)); err != nil {
			return err
		}
		if err := add("save  "+lname, "", b.save()); err != nil {
			return err
		}
		b.idp.Faults().Update(func(c *devidp.FaultConfig) { c.APILatency = 0 })
	}
	printTable(out, results)

	return b.measureMemory(ctx, out)
}

func (b *bench) storeName() string {
	if b.redis != "" {
		return "redis"
	}
	return b.store
}

// profileSize fetches one user's profile page and returns its size.
func (b *bench) profileSize(ctx context.Context) (int, error) {
	u := b.users[0]
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.portalURL+"/", nil)
	req.Header.Set("Cookie", u.cookie)
	resp, err := b.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `action="/profile"`) {
		return 0, fmt.Errorf("profile page: status %d without the profile form", resp.StatusCode)
	}
	return len(body), u.readForm(string(body))
}

// measureMemory reports the portal's resident memory before and after
// creating the live sessions.
func (b *bench) measureMemory(ctx context.Context, out io.Writer) error {
	before, err := b.childStats(ctx, true)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := b.childPost(ctx, "/__bench/sessions?n="+strconv.Itoa(b.sessions)); err != nil {
		return err
	}
	took := time.Since(t0)
	after, err := b.childStats(ctx, false)
	if err != nil {
		return err
	}
	gc, err := b.childStats(ctx, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nmemory of the portal process (%s session store):\n", b.storeName())
	fmt.Fprintf(out, "  after the load phases (%d live sessions):  RSS %s, heap in use %s, peak RSS so far %s\n",
		before.Sessions, mb(before.RSSKB<<10), mb(int64(before.HeapInuse)), mb(before.HWMKB<<10))
	fmt.Fprintf(out, "  after creating %d more sessions in %s (%d live): RSS %s, heap in use %s\n",
		b.sessions, round(took), after.Sessions, mb(after.RSSKB<<10), mb(int64(after.HeapInuse)))
	fmt.Fprintf(out, "  after a forced GC: RSS %s, heap in use %s; peak RSS of the whole run %s\n",
		mb(gc.RSSKB<<10), mb(int64(gc.HeapInuse)), mb(gc.HWMKB<<10))
	return nil
}

func mb(bytes int64) string { return fmt.Sprintf("%.1f MB", float64(bytes)/(1<<20)) }

func round(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(10 * time.Millisecond)
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// machine describes where the figures come from.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s), %s %s/%s", runtime.NumCPU(), model, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
