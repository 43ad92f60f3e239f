package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBrowserURL: listen addresses without a usable host become URLs a
// browser and a redirect can use; nonsense is refused with the reason.
func TestBrowserURL(t *testing.T) {
	for in, want := range map[string]string{
		":8080":          "http://localhost:8080",
		"0.0.0.0:8080":   "http://localhost:8080",
		"[::]:8080":      "http://localhost:8080",
		"localhost:8080": "http://localhost:8080",
		"127.0.0.1:9011": "http://127.0.0.1:9011",
		"[::1]:9011":     "http://[::1]:9011",
	} {
		if got, err := browserURL(in); err != nil || got != want {
			t.Errorf("browserURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "8080", "localhost", ":0", ":http", ":70000", "a:b:c"} {
		if got, err := browserURL(in); err == nil {
			t.Errorf("browserURL(%q) = %q, want an error", in, got)
		}
	}
}

// TestLogSettings: the development commands take the same log settings as
// serve and refuse values serve would refuse.
func TestLogSettings(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	if f, l, err := logSettings(getenv); err != nil || f != "text" || l != "info" {
		t.Errorf("defaults: %q %q %v", f, l, err)
	}
	env["PORTAL_LOG_FORMAT"], env["PORTAL_LOG_LEVEL"] = "json", "debug"
	if f, l, err := logSettings(getenv); err != nil || f != "json" || l != "debug" {
		t.Errorf("json/debug: %q %q %v", f, l, err)
	}
	env["PORTAL_LOG_FORMAT"] = "xml"
	if _, _, err := logSettings(getenv); err == nil || !strings.Contains(err.Error(), "PORTAL_LOG_FORMAT") {
		t.Errorf("xml: %v", err)
	}
	env["PORTAL_LOG_FORMAT"], env["PORTAL_LOG_LEVEL"] = "text", "loud"
	if _, _, err := logSettings(getenv); err == nil || !strings.Contains(err.Error(), "PORTAL_LOG_LEVEL") {
		t.Errorf("loud: %v", err)
	}
}

// TestDemoPortOnlyAddresses: `portal demo --addr :P --idp-addr :Q` (the
// form PORTAL_ADDR's default has) prints usable URLs and sends sign-in to
// the dev server at localhost:Q, not to "http://:Q"; with
// PORTAL_LOG_FORMAT=json its log lines are JSON.
func TestDemoPortOnlyAddresses(t *testing.T) {
	p, q := freePort(t), freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out, logs syncBuffer
	done := make(chan error, 1)
	getenv := func(k string) string {
		if k == "PORTAL_LOG_FORMAT" {
			return "json"
		}
		return ""
	}
	go func() {
		done <- run(ctx, []string{"demo", "--addr", ":" + p, "--idp-addr", ":" + q}, getenv, &out, &logs)
	}()
	t.Cleanup(func() { cancel(); <-done })

	portal := "http://localhost:" + p
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var resp *http.Response
	for deadline := time.Now().Add(10 * time.Second); ; {
		var err error
		resp, err = client.Get(portal + "/login")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo did not answer: %v\nlogs: %s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "http://localhost:"+q+"/oauth2/authorize?") {
		t.Errorf("sign-in goes to %q", loc)
	}
	if s := out.String(); !strings.Contains(s, portal) || !strings.Contains(s, "http://localhost:"+q) {
		t.Errorf("printed URLs: %s", s)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Error("no log lines")
	}
	for _, line := range lines {
		if line != "" && !strings.HasPrefix(line, "{") {
			t.Errorf("log line is not JSON: %s", line)
		}
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// TestServeSaysWhyItWaits: with the identity provider unreachable, serve
// logs each retry at once (naming the issuer), instead of sitting silent
// for the seconds its retries take.
func TestServeSaysWhyItWaits(t *testing.T) {
	issuer := "http://127.0.0.1:" + freePort(t) // nothing listens there
	env := map[string]string{
		"PORTAL_PUBLIC_URL": "http://localhost:8080", "PORTAL_ADDR": "127.0.0.1:" + freePort(t),
		"PORTAL_DATA_DIR": t.TempDir(), "FUSIONAUTH_ISSUER": issuer,
		"FUSIONAUTH_CLIENT_ID": "app", "FUSIONAUTH_CLIENT_SECRET": "s",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, io.Discard, &logs)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "identity provider not reachable yet") {
		if time.Now().After(deadline) {
			t.Fatalf("no retry line within 5 s; logs: %s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), issuer) {
		t.Errorf("retry line does not name the issuer: %s", logs.String())
	}
	cancel()
	if err := <-done; err == nil {
		t.Error("serve returned no error after giving up")
	}
}
