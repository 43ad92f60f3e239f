package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"portal/demo"
	"portal/internal/app"
	"portal/internal/config"
	"portal/internal/devidp"
)

// demoSeed is what the portal needs to know about the demo kickstart.
type demoSeed struct {
	Variables struct {
		APIKey        string `json:"apiKey"`
		ApplicationID string `json:"applicationId"`
		ClientSecret  string `json:"clientSecret"`
	} `json:"variables"`
}

// runDemo starts the dev server and the portal in one process, seeded from
// the embedded demo/kickstart.json, with sessions in a temporary directory.
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if err := refuseProduction("demo", getenv); err != nil {
		return err
	}
	fs := flagSet("demo", stderr)
	addr := fs.String("addr", "localhost:8080", "portal listen address")
	idpAddr := fs.String("idp-addr", "localhost:9011", "dev server listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var seed demoSeed
	if err := json.Unmarshal(demo.Kickstart, &seed); err != nil {
		return fmt.Errorf("demo/kickstart.json: %w", err)
	}
	idpURL, err := browserURL(*idpAddr)
	if err != nil {
		return fmt.Errorf("--idp-addr: %w", err)
	}
	portalURL, err := browserURL(*addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}

	dataDir, err := os.MkdirTemp("", "portal-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)
	env := map[string]string{
		"PORTAL_PUBLIC_URL":        portalURL,
		"PORTAL_ADDR":              *addr,
		"PORTAL_DATA_DIR":          dataDir,
		"FUSIONAUTH_URL":           idpURL,
		"FUSIONAUTH_CLIENT_ID":     seed.Variables.ApplicationID,
		"FUSIONAUTH_CLIENT_SECRET": seed.Variables.ClientSecret,
		"FUSIONAUTH_API_KEY":       seed.Variables.APIKey,
		"PORTAL_FORM_CACHE_TTL":    "10s",
		"PORTAL_APP_NAME":          "Real Estate Portal",
	}
	cfg, err := config.Load(func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return getenv(k)
	})
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	idp, _, err := devidp.Start(ctx, *idpAddr, devidp.Options{
		BaseURL: idpURL, Issuer: idpURL, Kickstart: demo.Kickstart, Getenv: getenv, Logger: log.With("component", "devidp"),
	})
	if err != nil {
		return fmt.Errorf("--idp-addr: %w", err)
	}
	if err := idp.AllowRedirects(seed.Variables.ApplicationID, portalURL+"/callback", portalURL+"/signed-out", portalURL+"/"); err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, log.With("component", "portal"), app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	fmt.Fprintf(stdout, "Portal:                 %s\n", portalURL)
	fmt.Fprintf(stdout, "FusionAuth (dev server): %s\n", idpURL)
	fmt.Fprintf(stdout, "Demo login:             demo@example.com / demo-password\n")
	fmt.Fprintf(stdout, "Press Ctrl+C to stop.\n")
	return serve(ctx, ln, a.Handler, log)
}

// refuseProduction stops the development commands under PORTAL_ENV=production:
// the dev server keeps users in memory and publishes the demo's secrets.
func refuseProduction(cmd string, getenv func(string) string) error {
	if strings.EqualFold(strings.TrimSpace(getenv("PORTAL_ENV")), "production") {
		return fmt.Errorf("portal %s runs a development server (in-memory users, published demo secrets) and refuses PORTAL_ENV=production; run `portal serve` against a real FusionAuth", cmd)
	}
	return nil
}

// runDevIDP runs only the dev server, so the portal can run against it as a
// separate process exactly as against a real FusionAuth.
func runDevIDP(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if err := refuseProduction("devidp", getenv); err != nil {
		return err
	}
	fs := flagSet("devidp", stderr)
	addr := fs.String("addr", "127.0.0.1:9011", "listen address")
	ks := fs.String("kickstart", "", "kickstart file (default: the embedded demo/kickstart.json)")
	issuer := fs.String("issuer", "", "issuer (default: the server's own base URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	kickstart := demo.Kickstart
	if *ks != "" {
		b, err := os.ReadFile(*ks)
		if err != nil {
			return fmt.Errorf("--kickstart: %w", err)
		}
		kickstart = b
	}
	format, level, err := logSettings(getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr, format, level)
	base, err := browserURL(*addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	_, url, err := devidp.Start(ctx, *addr, devidp.Options{BaseURL: base, Issuer: *issuer, Kickstart: kickstart, Getenv: getenv, Logger: log})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "FusionAuth-compatible dev server: %s\n", url)
	<-ctx.Done()
	return nil
}

// browserURL is the http URL browsers use for a listen address: a listen
// address may leave the host out (":8080") or name every interface
// ("0.0.0.0:8080"), and neither works in a browser or a redirect URL, so
// those become localhost.
func browserURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%q is not host:port: %w", addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%q: the port must be a number from 1 to 65535", addr)
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// logSettings reads PORTAL_LOG_FORMAT and PORTAL_LOG_LEVEL for the
// development commands, with the same values and defaults as `portal serve`.
func logSettings(getenv func(string) string) (format, level string, err error) {
	format = strings.TrimSpace(getenv("PORTAL_LOG_FORMAT"))
	level = strings.TrimSpace(getenv("PORTAL_LOG_LEVEL"))
	switch format {
	case "":
		format = "text"
	case "text", "json":
	default:
		return "", "", fmt.Errorf("PORTAL_LOG_FORMAT must be text or json, not %q", format)
	}
	switch level {
	case "":
		level = "info"
	case "debug", "info", "warn", "error":
	default:
		return "", "", fmt.Errorf("PORTAL_LOG_LEVEL must be debug, info, warn or error, not %q", level)
	}
	return format, level, nil
}
