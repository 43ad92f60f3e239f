package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"portal/internal/app"
	"portal/internal/config"
)

const usage = `portal: a self-service account portal for FusionAuth users

Usage:
  portal serve              run the portal (configured by environment variables; see README)
  portal demo [flags]       run the portal and a FusionAuth-compatible dev server, seeded with a demo
  portal devidp [flags]     run only the FusionAuth-compatible dev server
  portal check              check the configuration and the FusionAuth side, print a checklist
  portal version            print version and build information
`

// run is the whole program; main only wires it to the process. Tests call it
// directly with their own arguments, environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, getenv, stderr)
	case "demo":
		return runDemo(ctx, args, getenv, stdout, stderr)
	case "devidp":
		return runDevIDP(ctx, args, getenv, stdout, stderr)
	case "check":
		return runCheck(ctx, getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func runServe(ctx context.Context, getenv func(string) string, stderr io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	start := time.Now()
	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("PORTAL_ADDR %s: %w", cfg.Addr, err)
	}
	if cfg.MetricsAddr == "" {
		log.Info("portal listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL.String(),
			"startup_ms", time.Since(start).Milliseconds())
		return serve(ctx, ln, a.Handler, log)
	}
	mln, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		ln.Close()
		return fmt.Errorf("PORTAL_METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
	}
	log.Info("portal listening", "addr", ln.Addr().String(), "metrics_addr", mln.Addr().String(),
		"public_url", cfg.PublicURL.String(), "startup_ms", time.Since(start).Milliseconds())
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics)
	// Either server failing stops both; SIGTERM stops both gracefully.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		err := serve(ctx, mln, mux, log)
		cancel()
		errc <- err
	}()
	err = serve(ctx, ln, a.Handler, log)
	cancel()
	if merr := <-errc; err == nil {
		err = merr
	}
	return err
}

// serve runs an http.Server until ctx ends, then shuts it down gracefully,
// letting in-flight requests finish (up to 20 s).
func serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// version is set at build time where the VCS stamp is not available (the
// Docker build context has no .git):
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/portal
var version = ""

func versionString() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		if version != "" {
			return "portal " + version
		}
		return "portal (no build info)"
	}
	var b strings.Builder
	v := bi.Main.Version
	if version != "" {
		v = version
	} else if v == "" || v == "(devel)" {
		v = "dev"
	}
	fmt.Fprintf(&b, "portal %s %s", v, bi.GoVersion)
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision", "vcs.time", "vcs.modified", "GOOS", "GOARCH", "CGO_ENABLED":
			fmt.Fprintf(&b, " %s=%s", s.Key, s.Value)
		}
	}
	return b.String()
}

// flagSet makes a FlagSet that reports errors instead of exiting.
func flagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
