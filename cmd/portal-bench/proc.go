package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"text/tabwriter"
	"time"
)

// startChild re-executes this binary as the portal child. The listener is
// handed over as fd 3 so the port is known before the child starts; the
// child exits when its stdin (a pipe from here) closes.
func (b *bench) startChild(ctx context.Context, ln net.Listener, env []string) error {
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		return err
	}
	defer f.Close()
	defer ln.Close()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{childCommand, "-store", b.store, "-log-level", b.logLevel}
	if b.cpuProfile != "" {
		args = append(args, "-pprof")
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.ExtraFiles = []*os.File{f}
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if _, err := cmd.StdinPipe(); err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start portal child: %w", err)
	}
	b.child = cmd
	return nil
}

func (b *bench) stopChild() {
	if b.child == nil || b.child.Process == nil {
		return
	}
	b.child.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { b.child.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		b.child.Process.Kill()
		<-done
	}
}

// waitHealthy polls /healthz until it answers 200 and returns when it did.
func (b *bench) waitHealthy(ctx context.Context) (time.Time, error) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.portalURL+"/healthz", nil)
		if resp, err := b.hc.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Now(), nil
			}
		}
		if ctx.Err() != nil {
			return time.Time{}, ctx.Err()
		}
		time.Sleep(time.Millisecond)
	}
	return time.Time{}, fmt.Errorf("the portal child did not answer /healthz within 30s")
}

func (b *bench) childStats(ctx context.Context, gc bool) (childStats, error) {
	var st childStats
	u := b.portalURL + "/__bench/stats"
	if gc {
		u += "?gc=1"
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	resp, err := b.hc.Do(req)
	if err != nil {
		return st, fmt.Errorf("portal child stats: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("portal child stats: status %d", resp.StatusCode)
	}
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

func (b *bench) childPost(ctx context.Context, path string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, b.portalURL+path, nil)
	hc := &http.Client{Transport: b.hc.Transport} // no timeout: sessions may take a while
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("POST %s: %d %s", path, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

// profile records a CPU profile of the child for the length of a phase when
// -cpuprofile is set and the phase has a name; the returned func waits for it.
func (b *bench) profile(ctx context.Context, phase string) func() {
	if b.cpuProfile == "" || phase == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		secs := max(1, int(b.dur.Seconds()))
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", b.portalURL, secs), nil)
		resp, err := (&http.Client{}).Do(req)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cpu profile:", err)
			return
		}
		defer resp.Body.Close()
		name := b.cpuProfile + "-" + phase + ".pprof"
		f, err := os.Create(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cpu profile:", err)
			return
		}
		defer f.Close()
		io.Copy(f, resp.Body)
	}()
	return func() { <-done }
}

// printTable prints one row per phase. CPU and allocations are the portal
// child's own; bench CPU is this process's (load generator and dev server,
// which share the machine with the portal); "of floor" compares throughput with the bare handler (row 1).
func printTable(out io.Writer, rs []phaseResult) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\treq/s\tof floor\tp50\tp95\tp99\terrors\tFA calls/req\tportal CPU/req\tportal cores\tbench CPU/req\tallocs/req\talloc KB/req\tRSS MB\t")
	floor := 0.0
	if len(rs) > 0 {
		floor = rs[0].rate()
	}
	for _, r := range rs {
		frac := "-"
		if floor > 0 {
			frac = fmt.Sprintf("%.0f%%", 100*r.rate()/floor)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%s\t%s\t%d\t%.2f\t%s\t%.2f\t%s\t%.0f\t%.1f\t%.1f\t\n",
			r.name, r.rate(), frac, ms(r.p50), ms(r.p95), ms(r.p99), r.errors, r.per(float64(r.faCalls)),
			time.Duration(r.per(float64(r.cpu))).Round(time.Microsecond), r.cpu.Seconds()/r.elapsed.Seconds(),
			time.Duration(r.per(float64(r.benchCPU))).Round(time.Microsecond),
			r.per(float64(r.mallocs)), r.per(float64(r.allocBytes))/1024, float64(r.rssKB)/1024)
	}
	tw.Flush()
	for _, r := range rs {
		if r.errors > 0 {
			fmt.Fprintf(out, "  %s: %d errors, first: %s\n", r.name, r.errors, r.firstError)
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
