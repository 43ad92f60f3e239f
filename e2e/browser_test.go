package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium. Without it the tests skip locally
// but fail in CI (CI=true), where .ci/run installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (CI=true, so this is a failure): apt-get install chromium")
	}
	t.Skip("chromium is not installed; skipping browser tests (apt-get install chromium)")
	return ""
}

// newBrowser starts a headless chromium with a fresh profile and returns a
// tab context bounded to 60 s. Everything is closed when the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in CI containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancel()
	})
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return bctx
}

// do runs browser steps and fails the test with what it was doing and where.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("%s (at %s): %v", what, loc, err)
	}
}

// navigate runs steps that end in a page load (a click on a link or a
// submit button), waits for the new page and returns its HTTP status. Waiting
// for the load first keeps later queries off the page being left.
func navigate(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) int64 {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("%s (at %s): %v", what, loc, err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// click clicks the first element matching sel.
func click(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }

// get runs one browser action that returns a value.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("%s (at %s): %v", what, loc, err)
	}
	return v
}

// byName selects a form control by its name (FusionAuth keys contain dots,
// which would need escaping in an id selector).
func byName(name string) chromedp.CSS { return chromedp.CSS(`[name="` + name + `"]`) }

// fill replaces an input's content by typing, as a user would.
func fill(sel chromedp.CSS, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(sel),
		clearValue(sel),
		chromedp.SendKeys(sel, text),
	)
}

// clearValue empties a control. (chromedp.SetValue cannot set "" in this
// chromedp version: the empty argument is dropped and the input gets
// "undefined"; chromedp.Clear only resets the attribute, not what was typed.)
func clearValue(sel chromedp.CSS) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`document.querySelector(` + jsString(string(sel)) + `).value = ""`)
}

// value reads a control's current value.
func value(t *testing.T, ctx context.Context, sel chromedp.CSS) string {
	t.Helper()
	return get(t, ctx, "read value of "+string(sel), chromedp.Value(sel))
}

// text reads the rendered text of the first element matching sel.
func text(t *testing.T, ctx context.Context, sel chromedp.CSS) string {
	t.Helper()
	return get(t, ctx, "read text of "+string(sel), chromedp.Text(sel))
}

// waitText waits until an element matching the CSS selector sel contains s.
func waitText(sel, s string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`Array.from(document.querySelectorAll(`+jsString(sel)+`)).some(e => e.innerText.includes(`+jsString(s)+`))`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(15*time.Second))
}

// waitJS evaluates a JavaScript condition until it is true, across page
// loads (an evaluation in a page being replaced fails and is retried), for
// at most 15 s.
func waitJS(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("waiting for %s (%s): last error %v", what, cond, lastErr)
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// signIn goes through the dev server's login page from the portal's landing page.
func signIn(t *testing.T, ctx context.Context, s site, email, password string) {
	t.Helper()
	do(t, ctx, "open the portal", chromedp.Navigate(s.PortalURL+"/"))
	navigate(t, ctx, "go to sign-in", click(`a[href="/login"]`))
	do(t, ctx, "fill the login form", fill(`#loginId`, email), fill(`#password`, password))
	if st := navigate(t, ctx, "sign in", click(`button[type=submit]`)); st != 200 {
		t.Fatalf("after sign-in: status %d", st)
	}
	do(t, ctx, "wait for the profile", chromedp.WaitVisible(chromedp.CSS(`form.profile-form`)))
}
