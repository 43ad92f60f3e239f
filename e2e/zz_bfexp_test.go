package e2e

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestZZBF(t *testing.T) {
	u := os.Getenv("BFEXP")
	if u == "" {
		t.Skip()
	}
	ctx := newBrowser(t)
	do(t, ctx, "login", chromedp.Navigate(u+"/login"))
	do(t, ctx, "mark", chromedp.Evaluate[chromedp.Void](`window.m = 1`))
	navigate(t, ctx, "out", click(`#b`))
	do(t, ctx, "back", chromedp.Evaluate[chromedp.Void](`history.back()`))
	waitJS(t, ctx, "back", `location.pathname === "/" && document.readyState === "complete"`)
	t.Logf("marker %v body %q", get(t, ctx, "m", chromedp.Evaluate[string](`String(window.m)`)), get(t, ctx, "b", chromedp.Evaluate[string](`document.body.innerText`)))
}
