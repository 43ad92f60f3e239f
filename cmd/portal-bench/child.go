package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"portal/internal/app"
	"portal/internal/config"
	"portal/internal/session"
)

// childCommand is the hidden subcommand that runs the portal alone in its own
// process, so its CPU time and memory are measured without the load
// generator and the dev server (which stay in the parent).
const childCommand = "__portal-child"

// childStats is what the child reports about itself at /__bench/stats.
type childStats struct {
	StartNanos   int64  `json:"startNanos"`   // just before wiring the portal
	HealthyNanos int64  `json:"healthyNanos"` // first /healthz answered 200
	CPUMicros    int64  `json:"cpuMicros"`    // user+system CPU of the whole process
	Mallocs      uint64 `json:"mallocs"`
	TotalAlloc   uint64 `json:"totalAlloc"`
	HeapInuse    uint64 `json:"heapInuse"`
	NumGC        uint32 `json:"numGC"`
	RSSKB        int64  `json:"rssKB"`
	HWMKB        int64  `json:"hwmKB"`
	Goroutines   int    `json:"goroutines"`
	Sessions     int    `json:"sessions"`
}

type child struct {
	start    time.Time
	healthy  atomic.Int64
	app      *app.App
	floorMu  sync.RWMutex
	floorBuf []byte
}

// runChild wires the portal from the environment (the same variables as
// `portal serve`) and serves it on the listener inherited as fd 3 until its
// stdin closes, which happens when the parent exits for any reason.
func runChild(args []string) error {
	fs := flag.NewFlagSet(childCommand, flag.ContinueOnError)
	storeKind := fs.String("store", "sqlite", "sqlite or memory (PORTAL_REDIS_URL selects Redis)")
	logLevel := fs.String("log-level", "info", "portal log level; logs go to "+os.DevNull)
	withPprof := fs.Bool("pprof", false, "serve net/http/pprof at /debug/pprof/")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c := &child{start: time.Now()}
	ln, err := net.FileListener(os.NewFile(3, "listener"))
	if err != nil {
		return fmt.Errorf("inherited listener: %w", err)
	}
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return err
	}
	// The portal logs one line per request at info, as in production; the
	// lines are formatted and written, to /dev/null, so their cost counts.
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(devnull, &slog.HandlerOptions{Level: lv}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { io.Copy(io.Discard, os.Stdin); stop() }()

	// Wired by app.New, exactly as `portal serve` wires it; only the
	// in-memory store of -store memory is chosen here.
	var opt app.Options
	if *storeKind == "memory" {
		opt.Store = session.NewMemory()
	}
	c.app, err = app.New(ctx, cfg, log, opt)
	if err != nil {
		return err
	}
	defer c.app.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /__bench/stats", c.serveStats)
	mux.HandleFunc("POST /__bench/sessions", c.createSessions)
	mux.HandleFunc("POST /__bench/floor", c.setFloor)
	mux.HandleFunc("GET /__bench/floor", c.serveFloor)
	if *withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	}
	mux.Handle("/", c.watchHealthz(c.app.Handler))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}

// watchHealthz records when the portal first answered /healthz with 200:
// the end of start-up.
func (c *child) watchHealthz(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || c.healthy.Load() != 0 {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		if rec.Code == http.StatusOK {
			c.healthy.CompareAndSwap(0, time.Now().UnixNano())
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}

func (c *child) serveStats(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("gc") == "1" {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	st := childStats{
		StartNanos:   c.start.UnixNano(),
		HealthyNanos: c.healthy.Load(),
		CPUMicros:    ru.Utime.Nano()/1000 + ru.Stime.Nano()/1000,
		Mallocs:      ms.Mallocs,
		TotalAlloc:   ms.TotalAlloc,
		HeapInuse:    ms.HeapInuse,
		NumGC:        ms.NumGC,
		Goroutines:   runtime.NumGoroutine(),
	}
	st.RSSKB, st.HWMKB = procStatus("/proc/self/status")
	st.Sessions, _ = c.app.Sessions.Count(r.Context())
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(st)
}

// procStatus reads VmRSS and VmHWM (peak RSS) in KiB; zero when unavailable.
func procStatus(path string) (rss, hwm int64) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		switch name {
		case "VmRSS":
			rss = v
		case "VmHWM":
			hwm = v
		}
	}
	return rss, hwm
}

// createSessions starts n sessions through the real Manager, each carrying
// tokens of realistic size (JWT access and ID tokens of about 700 bytes
// each, an opaque refresh token and a few claims: about 1.6 KB of JSON).
func (c *child) createSessions(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil || n < 0 || n > 1_000_000 {
		http.Error(w, "n must be 0..1000000", http.StatusBadRequest)
		return
	}
	const workers = 4
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < n; i += workers {
				s := &session.Session{
					UserID:       fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
					Email:        fmt.Sprintf("load-%d@example.com", i),
					Name:         fmt.Sprintf("Load User %d", i),
					Claims:       map[string]any{"email": fmt.Sprintf("load-%d@example.com", i), "email_verified": true},
					AccessToken:  randomText(700),
					RefreshToken: randomText(54),
					IDToken:      randomText(720),
					TokenExpiry:  time.Now().Add(time.Hour),
					Nonce:        randomText(43),
				}
				if err := c.app.Sessions.Start(r.Context(), httptest.NewRecorder(), s); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		http.Error(w, "creating sessions: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// randomText is n characters of base64url, like the body of a signed token.
func randomText(n int) string {
	b := make([]byte, n*3/4+1)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

// setFloor sets the size of the floor page; serveFloor answers with it from
// a bare handler, the most a Go HTTP server on this machine can do for a
// page of that size.
func (c *child) setFloor(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.URL.Query().Get("size"))
	if err != nil || n < 0 || n > 10<<20 {
		http.Error(w, "size must be 0..10485760", http.StatusBadRequest)
		return
	}
	line := []byte("<p>floor page of the portal bench</p>\n")
	page := bytes.Repeat(line, n/len(line)+1)[:n]
	c.floorMu.Lock()
	c.floorBuf = page
	c.floorMu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (c *child) serveFloor(w http.ResponseWriter, r *http.Request) {
	c.floorMu.RLock()
	page := c.floorBuf
	c.floorMu.RUnlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(page)
}
