package main

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"portal/demo"
	"portal/internal/app"
	"portal/internal/config"
	"portal/internal/devidp"
)

// harness runs the dev server and the portal in-process over real HTTP, the
// way `portal demo` does, with the embedded demo kickstart.
type harness struct {
	ctx       context.Context
	logger    *slog.Logger
	t         *testing.T
	idp       *devidp.Server
	idpURL    string
	portalURL string
	seed      demoSeed
	app       *app.App
}

func newHarness(t *testing.T, env map[string]string) *harness {
	t.Helper()
	return newHarnessLog(t, env, nil)
}

// newHarnessLog is newHarness with the portal's logs sent to logger.
func newHarnessLog(t *testing.T, env map[string]string, portalLog *slog.Logger) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var seed demoSeed
	if err := json.Unmarshal(demo.Kickstart, &seed); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("PORTAL_TEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	idp, idpURL, err := devidp.Start(ctx, "127.0.0.1:0", devidp.Options{Kickstart: demo.Kickstart, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, idp: idp, idpURL: idpURL, seed: seed, ctx: ctx, logger: logger}
	h.portalURL, h.app = h.startPortal(ctx, env, portalLog, logger)
	return h
}

// startPortal starts one portal instance against the harness's dev server.
// Tests with several instances call it again with the same store settings.
func (h *harness) startPortal(ctx context.Context, env map[string]string, portalLog, logger *slog.Logger) (string, *app.App) {
	t := h.t
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	portalURL := "http://" + ln.Addr().String()
	if err := h.idp.AllowRedirects(h.seed.Variables.ApplicationID, portalURL+"/callback", portalURL+"/signed-out"); err != nil {
		t.Fatal(err)
	}
	vals := map[string]string{
		"PORTAL_PUBLIC_URL":        portalURL,
		"PORTAL_ADDR":              ln.Addr().String(),
		"PORTAL_DATA_DIR":          t.TempDir(),
		"FUSIONAUTH_URL":           h.idpURL,
		"FUSIONAUTH_CLIENT_ID":     h.seed.Variables.ApplicationID,
		"FUSIONAUTH_CLIENT_SECRET": h.seed.Variables.ClientSecret,
		"FUSIONAUTH_API_KEY":       h.seed.Variables.APIKey,
		"PORTAL_RATE_LIMIT":        "0",
	}
	for k, v := range env {
		vals[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vals[k] })
	if err != nil {
		t.Fatal(err)
	}
	if portalLog == nil {
		portalLog = logger
	}
	a, err := app.New(ctx, cfg, portalLog, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	go serve(ctx, ln, a.Handler, portalLog)
	return portalURL, a
}

// browser is an HTTP client with a cookie jar that follows redirects.
func (h *harness) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// login signs in through the dev server's real login form.
func (h *harness) login(c *http.Client, email, password string) {
	h.t.Helper()
	resp := h.get(c, h.portalURL+"/login")
	body := readBody(h.t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `name="loginId"`) {
		h.t.Fatalf("login page: %d %s", resp.StatusCode, body)
	}
	action, vals := formValues(body, `action="/oauth2/authorize"`)
	vals.Set("loginId", email)
	vals.Set("password", password)
	resp = h.post(c, resolve(resp.Request.URL, action), vals)
	body = readBody(h.t, resp)
	if resp.Request.URL.String() != h.portalURL+"/" || resp.StatusCode != http.StatusOK {
		h.t.Fatalf("after login at %s: %d %s", resp.Request.URL, resp.StatusCode, body)
	}
}

func (h *harness) get(c *http.Client, u string) *http.Response {
	h.t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

func (h *harness) post(c *http.Client, u string, vals url.Values) *http.Response {
	h.t.Helper()
	resp, err := c.PostForm(u, vals)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

// apiGet calls the dev server's REST API with the demo API key.
func (h *harness) apiGet(path string, out any) int {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.idpURL+path, nil)
	req.Header.Set("Authorization", h.seed.Variables.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		d := json.NewDecoder(resp.Body)
		d.UseNumber()
		if err := d.Decode(out); err != nil {
			h.t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func resolve(base *url.URL, ref string) string {
	u, err := base.Parse(ref)
	if err != nil {
		return ref
	}
	return u.String()
}

var (
	formRE   = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	inputRE  = regexp.MustCompile(`(?s)<input\b([^>]*)>`)
	selectRE = regexp.MustCompile(`(?s)<select\b([^>]*)>(.*?)</select>`)
	optionRE = regexp.MustCompile(`(?s)<option\b([^>]*)>`)
	areaRE   = regexp.MustCompile(`(?s)<textarea\b([^>]*)>(.*?)</textarea>`)
	attrRE   = regexp.MustCompile(`([a-zA-Z-]+)(?:="([^"]*)")?`)
)

func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRE.FindAllStringSubmatch(s, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

// formValues returns the action and the values a browser would submit for
// the first form whose opening tag contains marker, as rendered.
func formValues(page, marker string) (string, url.Values) {
	vals := url.Values{}
	for _, f := range formRE.FindAllStringSubmatch(page, -1) {
		if !strings.Contains(f[1], marker) {
			continue
		}
		body := f[2]
		for _, in := range inputRE.FindAllStringSubmatch(body, -1) {
			a := attrs(in[1])
			name := a["name"]
			if name == "" {
				continue
			}
			if t := a["type"]; t == "checkbox" || t == "radio" {
				if _, checked := a["checked"]; !checked {
					continue
				}
			}
			if a["type"] == "submit" {
				continue
			}
			vals.Add(name, a["value"])
		}
		for _, s := range selectRE.FindAllStringSubmatch(body, -1) {
			name := attrs(s[1])["name"]
			for _, o := range optionRE.FindAllStringSubmatch(s[2], -1) {
				a := attrs(o[1])
				if _, sel := a["selected"]; sel {
					vals.Add(name, a["value"])
				}
			}
		}
		for _, ta := range areaRE.FindAllStringSubmatch(body, -1) {
			vals.Add(attrs(ta[1])["name"], html.UnescapeString(strings.TrimPrefix(ta[2], "\n")))
		}
		return attrs(f[1])["action"], vals
	}
	return "", vals
}

func httptestRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func newJar() (http.CookieJar, error) { return cookiejar.New(nil) }

// signOut posts the sign-out form and, as a browser runs app.js, submits
// the page's form to the identity provider's end-session endpoint. It
// returns the last response and checks the ID token never travels in a URL.
func (h *harness) signOut(c *http.Client, portalURL string, vals url.Values) *http.Response {
	h.t.Helper()
	resp := h.post(c, portalURL+"/logout", vals)
	if strings.Contains(resp.Request.URL.String(), "id_token_hint") {
		h.t.Errorf("sign-out put the ID token in a URL: %s", resp.Request.URL)
	}
	page := readBody(h.t, resp)
	if !strings.Contains(page, "data-autosubmit") {
		resp.Body = io.NopCloser(strings.NewReader(page))
		return resp
	}
	action, fields := formValues(page, "data-autosubmit")
	if fields.Get("client_id") == "" || fields.Get("post_logout_redirect_uri") == "" {
		h.t.Errorf("end-session form lacks client_id or post_logout_redirect_uri: %v", fields)
	}
	resp = h.post(c, action, fields)
	if strings.Contains(resp.Request.URL.String(), "id_token_hint") {
		h.t.Errorf("end-session redirect put the ID token in a URL: %s", resp.Request.URL)
	}
	return resp
}
