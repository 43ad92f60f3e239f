package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestVersionAndUsage(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "portal ") || !strings.Contains(out.String(), "go1.") {
		t.Errorf("version: %q", out.String())
	}
	var errOut bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, io.Discard, &errOut); err == nil || !strings.Contains(errOut.String(), "portal serve") {
		t.Errorf("unknown command: %v %q", err, errOut.String())
	}
}

func TestServeNeedsConfiguration(t *testing.T) {
	err := run(context.Background(), []string{"serve"}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "PORTAL_PUBLIC_URL is required") || !strings.Contains(err.Error(), "FUSIONAUTH_CLIENT_ID is required") {
		t.Errorf("got %v", err)
	}
}

// TestGracefulShutdown: cancelling the context (SIGTERM in main) lets an
// in-flight request finish before serve returns.
func TestGracefulShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		w.Write([]byte("finished"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, h, slog.New(slog.DiscardHandler)) }()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	if body := <-got; body != "finished" {
		t.Errorf("in-flight request got %q", body)
	}
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
		t.Errorf("still accepting after shutdown")
	}
}

func TestMetricsCountFusionAuthCalls(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	readBody(t, h.get(c, h.portalURL+"/"))
	body := readBody(t, h.get(c, h.portalURL+"/metrics"))
	for _, want := range []string{
		`portal_fusionauth_requests_total{endpoint="GET /api/user/{id}",outcome="200"}`,
		`portal_http_requests_total{route="GET /callback",status="303"} 1`,
		"portal_active_sessions",
		"portal_form_cache_age_seconds",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
