package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"portal/demo"
	"portal/internal/devidp"
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

// TestVersionFromLdflags: -X main.version (the Dockerfile's VERSION build
// argument) is what `portal version` prints.
func TestVersionFromLdflags(t *testing.T) {
	old := version
	t.Cleanup(func() { version = old })
	version = "v9.8.7"
	if got := versionString(); !strings.HasPrefix(got, "portal v9.8.7 ") {
		t.Errorf("version = %q", got)
	}
}

// TestDevCommandsRefuseProduction: demo and devidp are development servers
// and say so under PORTAL_ENV=production instead of starting.
func TestDevCommandsRefuseProduction(t *testing.T) {
	for _, cmd := range []string{"demo", "devidp"} {
		getenv := func(k string) string {
			if k == "PORTAL_ENV" {
				return "production"
			}
			return ""
		}
		err := run(context.Background(), []string{cmd, "--addr", "127.0.0.1:0"}, getenv, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "refuses PORTAL_ENV=production") {
			t.Errorf("%s: got %v", cmd, err)
		}
	}
}

// TestServeRefusesHTTPInProduction: the reason names the variable.
func TestServeRefusesHTTPInProduction(t *testing.T) {
	env := map[string]string{
		"PORTAL_ENV": "production", "PORTAL_PUBLIC_URL": "http://account.example.com", "FUSIONAUTH_ISSUER": "https://auth.example.com",
		"FUSIONAUTH_CLIENT_ID": "app", "FUSIONAUTH_CLIENT_SECRET": "s",
	}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "PORTAL_PUBLIC_URL must be https when PORTAL_ENV=production") {
		t.Errorf("got %v", err)
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
		`portal_fusionauth_requests_total{endpoint="POST /oauth2/token",outcome="200"} 1`,
		`portal_fusionauth_requests_total{endpoint="GET /.well-known/openid-configuration",outcome="200"}`,
		`portal_fusionauth_request_duration_seconds_count{endpoint="POST /oauth2/token"} 1`,
		`portal_fusionauth_request_duration_seconds_count{endpoint="GET /api/user/{id}"}`,
		`portal_http_request_duration_seconds_count{route="GET /callback"} 1`,
		"portal_active_sessions 1",
		"portal_form_cache_age_seconds",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestServeProcess runs `portal serve` as an operator would, against a
// separate dev server: JSON logs carry the request id the response header
// shows, /healthz and /readyz answer, /readyz turns 503 when FusionAuth
// goes away while /healthz stays 200, and cancelling (SIGTERM) ends serve
// cleanly.
func TestServeProcess(t *testing.T) {
	idpCtx, stopIDP := context.WithCancel(context.Background())
	defer stopIDP()
	_, idpURL, err := devidp.Start(idpCtx, "127.0.0.1:0", devidp.Options{Kickstart: demo.Kickstart})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := checkEnv(t, idpURL)
	env["PORTAL_ADDR"] = addr
	env["PORTAL_PUBLIC_URL"] = "http://" + addr
	env["PORTAL_LOG_FORMAT"] = "json"

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, io.Discard, &logs)
	}()
	base := "http://" + addr
	var resp *http.Response
	for i := 0; i < 100; i++ {
		if resp, err = http.Get(base + "/healthz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("portal did not start: %v\n%s", err, logs.String())
	}
	resp.Body.Close()
	status := func(path string) int {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status("/readyz"); got != http.StatusOK {
		t.Errorf("readyz with FusionAuth up: %d", got)
	}
	resp, err = http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get("X-Request-Id")

	stopIDP()
	time.Sleep(100 * time.Millisecond)
	if got := status("/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("readyz with FusionAuth down: %d", got)
	}
	if got := status("/healthz"); got != http.StatusOK {
		t.Errorf("healthz with FusionAuth down: %d", got)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("serve did not stop")
	}

	var sawRequest, sawShutdown bool
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["msg"] == "request" && rec["request_id"] == id && rec["route"] == "GET /{$}" && rec["status"] == float64(200) {
			sawRequest = true
		}
		if rec["msg"] == "shutting down" {
			sawShutdown = true
		}
	}
	if id == "" || !sawRequest || !sawShutdown {
		t.Errorf("request id %q: request logged %v, shutdown logged %v\n%s", id, sawRequest, sawShutdown, logs.String())
	}
}

// TestMetricsAddr: with PORTAL_METRICS_ADDR set, /metrics is served there
// and only there; the public address answers 404 for it.
func TestMetricsAddr(t *testing.T) {
	idpCtx, stopIDP := context.WithCancel(context.Background())
	defer stopIDP()
	_, idpURL, err := devidp.Start(idpCtx, "127.0.0.1:0", devidp.Options{Kickstart: demo.Kickstart})
	if err != nil {
		t.Fatal(err)
	}
	free := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	addr, maddr := free(), free()
	env := checkEnv(t, idpURL)
	env["PORTAL_ADDR"] = addr
	env["PORTAL_PUBLIC_URL"] = "http://" + addr
	env["PORTAL_METRICS_ADDR"] = maddr

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, io.Discard, &logs)
	}()
	get := func(u string) (int, string) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for i := 0; i < 100; i++ {
		if st, _ := get("http://" + addr + "/healthz"); st == http.StatusOK {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if st, _ := get("http://" + addr + "/"); st != http.StatusOK {
		t.Fatalf("portal not serving: %d\n%s", st, logs.String())
	}
	if st, _ := get("http://" + addr + "/metrics"); st != http.StatusNotFound {
		t.Errorf("public /metrics with PORTAL_METRICS_ADDR set: %d, want 404", st)
	}
	st, body := get("http://" + maddr + "/metrics")
	if st != http.StatusOK || !strings.Contains(body, `portal_http_requests_total{route="GET /{$}",status="200"}`) {
		t.Errorf("metrics address: %d\n%s", st, body)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("serve did not stop")
	}
}
