package e2e

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestScreenshots takes the README's full-page screenshots of the demo. It
// always checks that each capture is a PNG of the expected width and that
// the phone-sized page does not scroll sideways; it writes the files to
// docs/screenshots only when PORTAL_SCREENSHOTS=1, so CI leaves the tree clean.
func TestScreenshots(t *testing.T) {
	ctx := newBrowser(t)
	s := startDemo(t)
	write := os.Getenv("PORTAL_SCREENSHOTS") == "1"
	// shot grows the viewport to the page's height first, so the sticky Save
	// bar sits at the end of the form instead of over it.
	shot := func(name string, width int, opts ...chromedp.EmulateViewportOption) {
		t.Helper()
		h := get(t, ctx, "page height", chromedp.Evaluate[int](`document.documentElement.scrollHeight`))
		do(t, ctx, "fit the page", chromedp.EmulateViewport(int64(width), int64(h), opts...))
		b := get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", name, err)
		}
		if w := img.Bounds().Dx(); w != width {
			t.Errorf("%s: %d px wide, want %d", name, w, width)
		}
		if write {
			if err := os.WriteFile(filepath.Join("..", "docs", "screenshots", name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	desktop := chromedp.EmulateViewport(1024, 768)

	do(t, ctx, "landing", desktop, chromedp.Navigate(s.PortalURL+"/"))
	shot("landing.png", 1024)

	do(t, ctx, "phone landing", chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile), chromedp.Reload())
	shot("landing-mobile.png", 375, chromedp.EmulateMobile)

	// The dev server's sign-in page, reached from the landing page as a
	// user would (signIn below does the same steps).
	do(t, ctx, "desktop landing", desktop, chromedp.Navigate(s.PortalURL+"/"))
	navigate(t, ctx, "go to sign-in", click(`a[href="/login"]`))
	do(t, ctx, "wait for the sign-in form", chromedp.WaitVisible(chromedp.CSS(`#loginId`)))
	shot("signin.png", 1024)

	signIn(t, ctx, s, demoEmail, demoPassword)
	do(t, ctx, "desktop", desktop)
	shot("profile.png", 1024)

	do(t, ctx, "dark", desktop, colorScheme("dark"), chromedp.Reload())
	shot("profile-dark.png", 1024)
	do(t, ctx, "light", colorScheme("light"))

	do(t, ctx, "phone", chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile), chromedp.Reload())
	if sw := get(t, ctx, "scroll width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); sw > 375 {
		t.Errorf("profile at 375 px is %d px wide: it scrolls sideways", sw)
	}
	shot("profile-mobile.png", 375, chromedp.EmulateMobile)

	do(t, ctx, "desktop again", desktop, chromedp.Reload())
	badNumber(t, ctx)
	shot("profile-errors.png", 1024)

	// Correct the error and save: the Saved confirmation.
	do(t, ctx, "fix the number", fill(byName("registration.data.maxprice"), "600000"))
	navigate(t, ctx, "save", click(`.profile-form button[type=submit]`))
	if got := text(t, ctx, ".notice.success"); !strings.Contains(got, "Saved") {
		t.Errorf("notice after save = %q", got)
	}
	shot("profile-saved.png", 1024)

	do(t, ctx, "error page", desktop, chromedp.Navigate(s.PortalURL+"/callback?state=x"))
	shot("error.png", 1024)
}
