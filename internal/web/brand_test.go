package web

import (
	"regexp"
	"strings"
	"testing"

	"portal/internal/session"
)

// contrast is the WCAG 2 contrast ratio of two hex colours.
func contrast(t *testing.T, a, b string) float64 {
	t.Helper()
	la, ok1 := luminance(a)
	lb, ok2 := luminance(b)
	if !ok1 || !ok2 {
		t.Fatalf("bad colours %q %q", a, b)
	}
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// TestBrandColourKeepsButtonsReadable: whatever PORTAL_PRIMARY_COLOR an
// operator picks, the primary button's label has at least 4.5:1 contrast
// (WCAG 2.2 AA) against it, in the stylesheet the page really loads.
func TestBrandColourKeepsButtonsReadable(t *testing.T) {
	for _, brand := range []string{"#2457c5", "#ffd700", "#fff", "#777777", "#00ff00", "#000", "#e91e63", "#7f7f7f"} {
		t.Run(brand, func(t *testing.T) {
			s, err := New(Options{
				Sessions: session.NewManager(session.Options{Store: session.NewMemory()}),
				Auth:     fakeAuth{},
				Brand:    Brand{AppName: "Acme", PrimaryColor: brand},
			})
			if err != nil {
				t.Fatal(err)
			}
			page := do(t, s, "GET", "/", nil).Body.String()
			m := regexp.MustCompile(`href="(/assets/theme\.[0-9a-f]{8}\.css)"`).FindStringSubmatch(page)
			if m == nil {
				t.Fatal("no theme.css")
			}
			css := do(t, s, "GET", m[1], nil).Body.String()
			fg := regexp.MustCompile(`--on-brand:(#[0-9a-fA-F]{3,6})`).FindStringSubmatch(css)
			if !strings.Contains(css, "--brand:"+brand) || fg == nil {
				t.Fatalf("theme.css = %q", css)
			}
			if r := contrast(t, brand, fg[1]); r < 4.5 {
				t.Errorf("label %s on %s: contrast %.2f:1, want at least 4.5:1", fg[1], brand, r)
			}
			app := regexp.MustCompile(`href="(/assets/app\.[0-9a-f]{8}\.css)"`).FindStringSubmatch(page)
			if app == nil || !strings.Contains(do(t, s, "GET", app[1], nil).Body.String(), "color: var(--on-brand") {
				t.Error("app.css does not use --on-brand for the primary button")
			}
		})
	}
}

func TestOnColor(t *testing.T) {
	for c, want := range map[string]string{"#2457c5": "#fff", "#ffd700": "#000", "#FFF": "#000", "#000000": "#fff"} {
		if got := onColor(c); got != want {
			t.Errorf("onColor(%s) = %s, want %s", c, got, want)
		}
	}
}
