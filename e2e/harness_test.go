package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Values of demo/kickstart.json the tests rely on.
const (
	demoAPIKey   = "portal-demo-api-key-0123456789abcdef0123456789abcdef"
	demoAppID    = "85a03867-dccf-4882-adde-1a79aeec50df"
	demoEmail    = "demo@example.com"
	demoPassword = "demo-password"
)

// site is a running portal and dev server.
type site struct {
	PortalURL, IDPURL string
	APIKey, AppID     string
}

// lockedBuffer collects a child's output; exec writes from its own goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// proc is a started portal process.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
}

// startProc runs the portal binary with args and extra environment. The
// process is interrupted (then killed) when the test ends; its output is
// shown only if the test failed.
func startProc(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, out: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(portalBin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.out.String())
		}
	})
	return p
}

func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// waitReady polls url until it answers 200, the process exits, or 15 s pass.
func (p *proc) waitReady(url string) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready:\n%s", p.name, p.out.String())
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready at %s after 15 s:\n%s", p.name, url, p.out.String())
}

// freeAddr returns a loopback address with a port that was free a moment
// ago. Callers retry when another process takes it in between.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// portTaken reports whether a start failed because a port was taken in the
// moment between freeAddr and the process binding it; only then is a retry useful.
func portTaken(err error) bool {
	return err != nil && strings.Contains(err.Error(), "address already in use")
}

// startDemo runs `portal demo` on free ports: the dev server seeded with the
// demo kickstart and the portal, both on 127.0.0.1 (their cookies have
// different names, so sharing a host is fine).
func startDemo(t *testing.T) site {
	t.Helper()
	var last error
	for range 3 {
		addr, idpAddr := freeAddr(t), freeAddr(t)
		p := startProc(t, "portal demo", []string{"PORTAL_RATE_LIMIT=0"}, "demo", "--addr", addr, "--idp-addr", idpAddr)
		s := site{PortalURL: "http://" + addr, IDPURL: "http://" + idpAddr, APIKey: demoAPIKey, AppID: demoAppID}
		if last = p.waitReady(s.PortalURL + "/healthz"); last == nil {
			return s
		}
		p.stop()
		if !portTaken(last) {
			break
		}
	}
	t.Fatal(last)
	return site{}
}

// apiGet calls the dev server's REST API and decodes the answer with
// UseNumber, so a stored number stays a json.Number and a string stays a string.
func (s site) apiGet(t *testing.T, path string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.IDPURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", s.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, resp.StatusCode)
	}
	var out map[string]any
	d := json.NewDecoder(resp.Body)
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return out
}

// userByEmail returns the stored user object.
func (s site) userByEmail(t *testing.T, email string) map[string]any {
	t.Helper()
	u, _ := s.apiGet(t, "/api/user?email="+email)["user"].(map[string]any)
	if u == nil {
		t.Fatalf("no user %s", email)
	}
	return u
}

// registrationData returns the user's registration data for the site's application.
func (s site) registrationData(t *testing.T, user map[string]any) map[string]any {
	t.Helper()
	regs, _ := user["registrations"].([]any)
	for _, r := range regs {
		reg, _ := r.(map[string]any)
		if reg["applicationId"] == s.AppID {
			data, _ := reg["data"].(map[string]any)
			return data
		}
	}
	t.Fatalf("user has no registration for %s: %v", s.AppID, regs)
	return nil
}

// uniqueEmail is a fresh address per call.
func uniqueEmail(prefix string) string {
	return fmt.Sprintf("%s-%d@example.com", prefix, time.Now().UnixNano())
}

// startSeparate runs `portal devidp` seeded from a kickstart file and `portal
// serve` against it as two processes, configured only through environment
// variables, as in production. The kickstart reads the portal's URL from
// #{ENV.PORTAL_TEST_URL} to register its redirect URLs.
func startSeparate(t *testing.T, kickstart, apiKey, appID, clientSecret string) site {
	t.Helper()
	var last error
	for range 3 {
		addr, idpAddr := freeAddr(t), freeAddr(t)
		s := site{PortalURL: "http://" + addr, IDPURL: "http://" + idpAddr, APIKey: apiKey, AppID: appID}
		idp := startProc(t, "portal devidp", []string{"PORTAL_TEST_URL=" + s.PortalURL},
			"devidp", "--addr", idpAddr, "--kickstart", kickstart)
		if last = idp.waitReady(s.IDPURL + "/.well-known/openid-configuration"); last != nil {
			idp.stop()
			if !portTaken(last) {
				break
			}
			continue
		}
		p := startProc(t, "portal serve", []string{
			"PORTAL_PUBLIC_URL=" + s.PortalURL,
			"PORTAL_ADDR=" + addr,
			"PORTAL_DATA_DIR=" + t.TempDir(),
			"PORTAL_RATE_LIMIT=0",
			"FUSIONAUTH_URL=" + s.IDPURL,
			"FUSIONAUTH_CLIENT_ID=" + appID,
			"FUSIONAUTH_CLIENT_SECRET=" + clientSecret,
			"FUSIONAUTH_API_KEY=" + apiKey,
		}, "serve")
		if last = p.waitReady(s.PortalURL + "/healthz"); last == nil {
			return s
		}
		p.stop()
		idp.stop()
		if !portTaken(last) {
			break
		}
	}
	t.Fatal(last)
	return site{}
}
