package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"portal/internal/session/sessiontest"
)

// roundRobin is the test's load balancer: each request goes to the next
// backend in turn, so consecutive requests of one browser land on
// different portal processes, as behind a real load balancer without
// sticky sessions.
type roundRobin struct {
	mu       sync.Mutex
	backends []*httputil.ReverseProxy
	served   []int // requests each backend received
	next     int
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rr.mu.Lock()
	if len(rr.backends) == 0 {
		rr.mu.Unlock()
		http.Error(w, "no backends yet", http.StatusServiceUnavailable)
		return
	}
	i := rr.next % len(rr.backends)
	rr.next++
	if r.URL.Path != "/healthz" {
		rr.served[i]++
	}
	p := rr.backends[i]
	rr.mu.Unlock()
	p.ServeHTTP(w, r)
}

func (rr *roundRobin) add(t *testing.T, raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		pr.Out.Host = pr.In.Host // the portal sees the public host, as behind a real proxy
		pr.SetXForwarded()
	}}
	rr.mu.Lock()
	rr.backends = append(rr.backends, p)
	rr.served = append(rr.served, 0)
	rr.mu.Unlock()
}

func (rr *roundRobin) counts() []int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return append([]int(nil), rr.served...)
}

// TestTwoProcessesBehindALoadBalancer runs two `portal serve` processes
// sharing a real redis-server behind a round-robin proxy, and a real
// browser through it: sign-in (the pending state is written by one process
// and read by the other at the callback), profile views, a save and
// sign-out all work whichever process answers, and sign-out ends the
// session on both.
func TestTwoProcessesBehindALoadBalancer(t *testing.T) {
	redisURL := sessiontest.RedisURL(t)
	ctx := newBrowser(t)

	rr := &roundRobin{}
	lb := httptest.NewServer(rr)
	defer lb.Close()
	public := lb.URL

	idpAddr := freeAddr(t)
	idpURL := "http://" + idpAddr
	idp := startProc(t, "portal devidp", []string{"PORTAL_TEST_URL=" + public},
		"devidp", "--addr", idpAddr, "--kickstart", "testdata/allfields.json")
	if err := idp.waitReady(idpURL + "/.well-known/openid-configuration"); err != nil {
		t.Fatal(err)
	}
	var procs []*proc
	for _, name := range []string{"portal serve A", "portal serve B"} {
		addr := freeAddr(t)
		p := startProc(t, name, []string{
			"PORTAL_PUBLIC_URL=" + public,
			"PORTAL_ADDR=" + addr,
			"PORTAL_DATA_DIR=" + t.TempDir(),
			"PORTAL_REDIS_URL=" + redisURL,
			"PORTAL_TRUSTED_PROXIES=127.0.0.1/32",
			"PORTAL_RATE_LIMIT=0",
			"FUSIONAUTH_URL=" + idpURL,
			"FUSIONAUTH_CLIENT_ID=" + allAppID,
			"FUSIONAUTH_CLIENT_SECRET=" + allSecret,
			"FUSIONAUTH_API_KEY=" + allAPIKey,
		}, "serve")
		if err := p.waitReady("http://" + addr + "/healthz"); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, p)
		rr.add(t, "http://"+addr)
	}
	s := site{PortalURL: public, IDPURL: idpURL, APIKey: allAPIKey, AppID: allAppID}

	signIn(t, ctx, s, allEmail, allPassword)
	// Several views in a row alternate between the processes.
	for i := 0; i < 4; i++ {
		if st := navigate(t, ctx, "reload the profile", chromedp.Reload()); st != http.StatusOK {
			t.Fatalf("view %d through the load balancer: status %d", i, st)
		}
		if got := value(t, ctx, byName("registration.data.bio")); got != "Old bio" {
			t.Fatalf("view %d: bio = %q", i, got)
		}
	}

	do(t, ctx, "change the bio", fill(byName("registration.data.bio"), "Saved through the load balancer"))
	if st := navigate(t, ctx, "save", click(`.profile-form button[type=submit]`)); st != http.StatusOK {
		t.Fatalf("save: status %d", st)
	}
	if got := text(t, ctx, ".notice.success"); !strings.Contains(got, "Saved") {
		t.Errorf("notice after save = %q", got)
	}
	if got := s.registrationData(t, s.userByEmail(t, allEmail))["bio"]; got != "Saved through the load balancer" {
		t.Errorf("stored bio = %#v", got)
	}

	navigate(t, ctx, "sign out", click(`header nav button[type=submit]`))
	if got := text(t, ctx, "main h1"); got != "You are signed out" {
		t.Fatalf("after sign-out: heading %q", got)
	}
	// Whichever process answers now, the session is gone.
	for i := 0; i < 2; i++ {
		navigate(t, ctx, "open the portal", chromedp.Navigate(public+"/"))
		if n := get(t, ctx, "profile forms", chromedp.Evaluate[int](`document.querySelectorAll('form.profile-form').length`)); n != 0 {
			t.Errorf("request %d after sign-out still shows the profile", i)
		}
	}

	for i, n := range rr.counts() {
		if n < 3 {
			t.Errorf("%s served only %d requests; the test did not exercise both processes (%v)", procs[i].name, n, rr.counts())
		}
	}
}
