package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axeSource loads axe-core. .ci/run installs it into e2e/node_modules;
// testdata/axe.min.js is looked at first for machines without npm. Without
// it the test skips locally and fails in CI.
func axeSource(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"testdata/axe.min.js", "node_modules/axe-core/axe.min.js"} {
		if b, err := os.ReadFile(p); err == nil {
			return string(b)
		}
	}
	msg := "axe-core not found: run `cd e2e && npm install --no-save --no-package-lock axe-core@4.14.1`"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// axeViolation is the part of an axe result the failure message needs.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axeRules are the WCAG 2.2 AA rule sets (A and AA of 2.0, 2.1 and 2.2).
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
	.then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
		targets: v.nodes.map(n => n.target.join(" "))})))`

// checkA11y injects axe into the current page through DevTools (not subject
// to the portal's CSP), runs it, and reports each violation.
func checkA11y(t *testing.T, ctx context.Context, src, page string) {
	t.Helper()
	do(t, ctx, "inject axe", chromedp.Evaluate[chromedp.Void](src))
	vs := get(t, ctx, "run axe", chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	for _, v := range vs {
		t.Errorf("%s: %s (%s): %s; nodes: %s", page, v.ID, v.Impact, v.Help, strings.Join(v.Targets, " | "))
	}
}

// colorScheme emulates prefers-color-scheme ("light" or "dark").
func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	})
}

// TestAccessibility runs axe-core's WCAG 2.x A/AA rules on every kind of
// portal page, in light and dark colours, and expects no violations.
func TestAccessibility(t *testing.T) {
	src := axeSource(t)
	ctx := newBrowser(t)
	s := startDemo(t)

	// First prove the checker works: a planted image without alt text must
	// be reported.
	do(t, ctx, "open the landing page", chromedp.Navigate(s.PortalURL+"/"))
	do(t, ctx, "plant a violation", chromedp.Evaluate[chromedp.Void](src),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("main").insertAdjacentHTML("beforeend", '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">')`))
	planted := get(t, ctx, "run axe", chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if len(planted) != 1 || planted[0].ID != "image-alt" {
		t.Fatalf("axe on a page with a planted <img> without alt: %+v, want one image-alt violation", planted)
	}

	for _, scheme := range []string{"light", "dark"} {
		do(t, ctx, "emulate "+scheme, colorScheme(scheme))
		page := func(name string) string { return fmt.Sprintf("%s page (%s)", name, scheme) }

		do(t, ctx, "open the landing page", chromedp.Navigate(s.PortalURL+"/"))
		checkA11y(t, ctx, src, page("landing"))

		do(t, ctx, "open an error page", chromedp.Navigate(s.PortalURL+"/callback?state=x"))
		if got := text(t, ctx, "main h1"); got == "" {
			t.Errorf("error page has no heading")
		}
		checkA11y(t, ctx, src, page("error"))

		do(t, ctx, "open a missing page", chromedp.Navigate(s.PortalURL+"/no-such-page"))
		checkA11y(t, ctx, src, page("not found"))

		signIn(t, ctx, s, demoEmail, demoPassword)
		checkA11y(t, ctx, src, page("profile"))

		// A required field left empty and a bad number: the error summary,
		// messages at the fields and aria-invalid.
		do(t, ctx, "make errors", fill(byName("registration.data.maxprice"), ""), fill(byName("registration.data.geographicarea"), "Boulder"))
		navigate(t, ctx, "save", click(`.profile-form button[type=submit]`))
		if n := get(t, ctx, "count errors", chromedp.Evaluate[int](`document.querySelectorAll(".field-error").length`)); n == 0 {
			t.Fatalf("no field errors shown after saving an empty required field")
		}
		checkA11y(t, ctx, src, page("profile with errors"))

		do(t, ctx, "open the sign-out page", chromedp.Navigate(s.PortalURL+"/logout"))
		checkA11y(t, ctx, src, page("sign-out confirmation"))

		navigate(t, ctx, "sign out", click(`main button[type=submit]`))
		if got := text(t, ctx, "main h1"); got != "You are signed out" {
			t.Fatalf("signed-out heading = %q", got)
		}
		checkA11y(t, ctx, src, page("signed-out"))
	}
}
