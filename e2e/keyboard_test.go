package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The keyboard tests cover what axe-core cannot: WCAG 2.2 AA 2.1.1
// Keyboard, 2.1.2 No Keyboard Trap, 2.4.1 Bypass Blocks (skip link), 2.4.3
// Focus Order, 2.4.7 Focus Visible and 2.4.11 Focus Not Obscured. Every step
// is a key press sent through DevTools' Input.dispatchKeyEvent, as a
// keyboard would send it: no clicks, no values set by script.

// keys presses each key of text (kb constants or printable characters) with
// optional modifiers, as a keyboard on Linux or Windows does: rawKeyDown,
// then char for a printable key, then keyUp. (chromedp.KeyEvent sends
// "keyDown", which makes Chrome dispatch the char event even when keydown
// was handled: Enter on a link that moves focus to a text field then also
// submits that field's form, which a real keyboard does not do.)
func keys(text string, mods ...chromedp.Modifier) chromedp.Action[chromedp.Void] {
	var m int64
	for _, mod := range mods {
		m |= int64(mod)
	}
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, r := range text {
			for _, k := range kb.Encode(r) {
				k.Modifiers |= m
				switch k.Type {
				case input.DispatchKeyEventTypeKeyDown:
					k.Type = input.DispatchKeyEventTypeRawKeyDown
				case input.DispatchKeyEventTypeChar:
					if k.Modifiers&^int64(chromedp.ModifierShift) != 0 {
						continue // Ctrl+A selects and types nothing
					}
				}
				if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, *k); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// press sends one key with optional modifiers.
func press(key string, mods ...chromedp.Modifier) chromedp.Action[chromedp.Void] {
	return keys(key, mods...)
}

// typeKeys types text into whatever has focus, one key press per character.
func typeKeys(text string) chromedp.Action[chromedp.Void] { return keys(text) }

// focusState is what the page says about the focused element.
type focusState struct {
	Idx          string  `json:"idx"` // data-kb of a tab stop, "" otherwise
	Desc         string  `json:"desc"`
	Tag          string  `json:"tag"`
	Name         string  `json:"name"`
	Href         string  `json:"href"`
	Type         string  `json:"type"`
	InForm       bool    `json:"inForm"`
	Outline      string  `json:"outline"`
	OutlineWidth float64 `json:"outlineWidth"`
	BoxShadow    string  `json:"boxShadow"`
	Unfocused    string  `json:"unfocused"` // outline and shadow before focus
	Focused      string  `json:"focused"`   // the same, now
	OnScreen     bool    `json:"onScreen"`
	Obscured     string  `json:"obscured"` // what covers it, if anything
}

// markTabStops numbers the page's tab stops in document order (data-kb) as
// sequential navigation should visit them, records each element's outline
// and box-shadow while nothing has focus, and returns their descriptions.
// Of a group of radio buttons only one is a stop. Positive tabindex values
// (which reorder focus) are reported in the descriptions as "tabindex=N".
const markTabStops = `(() => {
	const style = e => { const c = getComputedStyle(e); return c.outlineStyle + " " + c.outlineWidth + " " + c.outlineColor + " | " + c.boxShadow; };
	const desc = e => {
		let d = e.tagName.toLowerCase();
		if (e.id) d += "#" + e.id;
		if (e.name) d += "[name=" + e.name + "]";
		if (e.getAttribute("href")) d += "[href=" + e.getAttribute("href") + "]";
		const t = (e.innerText || e.value || "").trim().slice(0, 30);
		if (t && e.tagName !== "INPUT") d += " \"" + t + "\"";
		if (e.tabIndex > 0) d += " tabindex=" + e.tabIndex;
		return d;
	};
	window.kbUnfocused = new Map();
	const radios = new Set();
	const stops = [];
	for (const e of document.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex], [contenteditable]")) {
		if (e.tabIndex < 0 || e.disabled || e.type === "hidden" || e.getClientRects().length === 0 || getComputedStyle(e).visibility === "hidden") continue;
		if (e.type === "radio" && e.name) {
			if (radios.has(e.name)) continue;
			const group = Array.from(document.getElementsByName(e.name)).filter(r => r.form === e.form);
			const checked = group.find(r => r.checked);
			if (checked && checked !== e) continue;
			radios.add(e.name);
		}
		e.dataset.kb = String(stops.length);
		window.kbUnfocused.set(e, style(e));
		stops.push(desc(e));
	}
	window.kbDesc = desc;
	window.kbStyle = style;
	return stops;
})()`

// readFocus describes document.activeElement; markTabStops must have run on
// this page.
const readFocus = `(() => {
	const e = document.activeElement;
	if (!e || e === document.body || e === document.documentElement) return {desc: "body", tag: "body"};
	const c = getComputedStyle(e);
	const r = e.getBoundingClientRect();
	const onScreen = r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight;
	let obscured = "";
	if (onScreen) {
		// WCAG 2.4.11: the focused element must not be entirely hidden by
		// author content (the sticky save bar, the header). Sample its
		// centre and corners, inset by 2px.
		const xs = [r.left + 2, (r.left + r.right) / 2, r.right - 2].map(x => Math.min(Math.max(x, 0), innerWidth - 1));
		const ys = [r.top + 2, (r.top + r.bottom) / 2, r.bottom - 2].map(y => Math.min(Math.max(y, 0), innerHeight - 1));
		const covers = [];
		let seen = false;
		for (const x of xs) for (const y of ys) {
			const hit = document.elementFromPoint(x, y);
			if (!hit || hit === e || e.contains(hit) || (e.labels && Array.from(e.labels).some(l => l.contains(hit)))) seen = true;
			else covers.push(window.kbDesc(hit));
		}
		if (!seen) obscured = covers[0];
	}
	return {
		idx: e.dataset.kb || "", desc: window.kbDesc(e), tag: e.tagName.toLowerCase(), name: e.name || "",
		href: e.getAttribute("href") || "", type: e.type || "", inForm: !!e.closest("form.profile-form"),
		outline: c.outlineStyle, outlineWidth: parseFloat(c.outlineWidth) || 0,
		boxShadow: c.boxShadow, unfocused: window.kbUnfocused.get(e) || "", focused: window.kbStyle(e),
		onScreen, obscured: obscured || "",
	};
})()`

// focusNow reads the focused element.
func focusNow(t *testing.T, ctx context.Context) focusState {
	t.Helper()
	return get(t, ctx, "read the focused element", chromedp.Evaluate[focusState](readFocus))
}

// checkIndicator fails unless the focused element shows a visible focus
// indicator that its unfocused state does not: an outline of at least 2px
// or a box-shadow, on screen and not hidden behind other content.
func checkIndicator(t *testing.T, page string, f focusState) {
	t.Helper()
	outline := f.Outline != "none" && f.OutlineWidth >= 2
	shadow := f.BoxShadow != "" && f.BoxShadow != "none"
	switch {
	case !outline && !shadow:
		t.Errorf("%s: %s has no focus indicator (outline %s %.1fpx, box-shadow %s)", page, f.Desc, f.Outline, f.OutlineWidth, f.BoxShadow)
	case f.Unfocused == "":
		t.Errorf("%s: %s was not recorded unfocused (not a tab stop?)", page, f.Desc)
	case f.Unfocused == f.Focused:
		t.Errorf("%s: %s looks the same focused and unfocused (%s)", page, f.Desc, f.Focused)
	}
	if !f.OnScreen {
		t.Errorf("%s: focused %s is outside the viewport", page, f.Desc)
	} else if f.Obscured != "" {
		t.Errorf("%s: focused %s is hidden behind %s", page, f.Desc, f.Obscured)
	}
}

// tabTo presses Tab until the focused element satisfies ok, checking the
// indicator at every stop, for at most max presses. It returns the stops.
func tabTo(t *testing.T, ctx context.Context, page, what string, max int, ok func(focusState) bool) []focusState {
	t.Helper()
	var seen []focusState
	for range max {
		do(t, ctx, "press Tab", press(kb.Tab))
		f := focusNow(t, ctx)
		seen = append(seen, f)
		if f.Tag != "body" {
			checkIndicator(t, page, f)
		}
		if ok(f) {
			return seen
		}
	}
	descs := make([]string, len(seen))
	for i, f := range seen {
		descs[i] = f.Desc
	}
	t.Fatalf("%s: %d Tab presses did not reach %s; focus went %s", page, max, what, strings.Join(descs, " → "))
	return nil
}

// keyboardBrowser is newBrowser with the window's focus emulated: headless
// Chrome gives a page loaded in a new renderer the focus only at its first
// input event, so :focus would not match an element focused by script on
// load. A visible window always has it.
func keyboardBrowser(t *testing.T) context.Context {
	t.Helper()
	ctx := newBrowser(t)
	do(t, ctx, "emulate a focused window", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true})
		return err
	}))
	return ctx
}

// focusedID is the id of the focused element.
func focusedID(t *testing.T, ctx context.Context) string {
	t.Helper()
	return get(t, ctx, "focused id", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
}

// keyboardSignIn signs in from the portal's landing page with the keyboard:
// Tab to "Sign in", Enter, type the login on the dev server's page, Enter.
func keyboardSignIn(t *testing.T, ctx context.Context, s site, email, password string) {
	t.Helper()
	do(t, ctx, "open the portal", chromedp.Navigate(s.PortalURL+"/"))
	get(t, ctx, "mark tab stops", chromedp.Evaluate[[]string](markTabStops))
	tabTo(t, ctx, "landing page", "the sign-in link", 10, func(f focusState) bool { return f.Href == "/login" })
	navigate(t, ctx, "press Enter on the sign-in link", press(kb.Enter))

	// The dev server's login page focuses the email field itself
	// (autofocus); otherwise Tab to it.
	waitJS(t, ctx, "the login page", `!!document.querySelector("#loginId") && document.readyState === "complete"`)
	if id := focusedID(t, ctx); id != "loginId" {
		t.Logf("login page: %q has focus on load, tabbing to the email field", id)
		for range 10 {
			if id == "loginId" {
				break
			}
			do(t, ctx, "press Tab", press(kb.Tab))
			id = focusedID(t, ctx)
		}
		if id != "loginId" {
			t.Fatalf("login page: Tab does not reach the email field")
		}
	}
	do(t, ctx, "type the email", typeKeys(email), press(kb.Tab))
	if id := focusedID(t, ctx); id != "password" {
		t.Fatalf("login page: Tab from the email field went to %q, want the password field", id)
	}
	do(t, ctx, "type the password", typeKeys(password))
	if st := navigate(t, ctx, "press Enter in the password field", press(kb.Enter)); st != http.StatusOK {
		t.Fatalf("after signing in with Enter: status %d", st)
	}
	do(t, ctx, "wait for the profile", chromedp.WaitVisible(chromedp.CSS(`form.profile-form`)))
}

// walkStops presses Tab (Shift+Tab with mods) once for each index of order
// and expects focus on that tab stop, with a visible indicator.
func walkStops(t *testing.T, ctx context.Context, page string, stops []string, mods []chromedp.Modifier, order []int) {
	t.Helper()
	dir := "Tab"
	if len(mods) > 0 {
		dir = "Shift+Tab"
	}
	prev := focusNow(t, ctx)
	for _, want := range order {
		do(t, ctx, "press "+dir, press(kb.Tab, mods...))
		f := focusNow(t, ctx)
		// Chrome's date and time inputs take Tab for their own parts
		// (month, day, year) before focus leaves them.
		for range 4 {
			if f.Idx == "" || f.Idx != prev.Idx || !strings.Contains(" date datetime-local time month week ", " "+f.Type+" ") {
				break
			}
			do(t, ctx, "press "+dir, press(kb.Tab, mods...))
			f = focusNow(t, ctx)
		}
		prev = f
		if f.Idx != fmt.Sprint(want) {
			t.Fatalf("%s: %s reached %s, want %s", page, dir, f.Desc, stops[want])
		}
		checkIndicator(t, page, f)
	}
}

// upTo is 0, 1, … n-1.
func upTo(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// walkProfile checks the tab order of a freshly loaded profile page, with
// focus on the body: no positive tabindex; every control of the form, then
// Save, in document order; every stop forwards with a visible indicator;
// out of the page and round again (no trap); every stop backwards. It
// returns the stops and leaves focus on the first.
func walkProfile(t *testing.T, ctx context.Context, page string) []string {
	t.Helper()
	if f := get(t, ctx, "focus on load", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.tagName : ""`)); f != "BODY" {
		t.Logf("%s: %s has focus on load", page, f)
	}
	stops := get(t, ctx, "mark tab stops", chromedp.Evaluate[[]string](markTabStops))
	t.Logf("%s tab stops: %s", page, strings.Join(stops, " → "))
	for _, d := range stops {
		if strings.Contains(d, "tabindex=") {
			t.Errorf("%s: %s has a positive tabindex, which breaks the focus order", page, d)
		}
	}
	// Every control of the form, then Save, must be among them in this
	// order (of a radio group, the one that is a stop).
	formOrder := get(t, ctx, "form controls", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(
		"form.profile-form input:not([type=hidden]), form.profile-form select, form.profile-form textarea, form.profile-form button[type=submit]"))
		.filter(e => e.type !== "radio" || e.dataset.kb !== undefined || !Array.from(document.getElementsByName(e.name)).some(r => r.dataset.kb !== undefined))
		.map(e => e.dataset.kb === undefined ? "untabbable " + window.kbDesc(e) : e.dataset.kb)`))
	if len(formOrder) < 2 {
		t.Fatalf("%s: form controls %v", page, formOrder)
	}
	prev := -1
	for _, k := range formOrder {
		var i int
		if _, err := fmt.Sscan(k, &i); err != nil {
			t.Errorf("%s: %s is not a tab stop", page, k)
			continue
		}
		if i <= prev {
			t.Errorf("%s: form control %s comes before the previous one in the tab order", page, stops[i])
		}
		prev = i
	}
	if prev < 0 {
		t.Fatalf("%s: no form control is a tab stop", page)
	}
	if last := stops[prev]; !strings.HasPrefix(last, "button") || !strings.Contains(last, "Save") {
		t.Errorf("%s: the last form control in the tab order is %s, want the Save button", page, last)
	}

	// Forwards through every stop: each in turn, with a visible indicator.
	walkStops(t, ctx, page, stops, nil, upTo(len(stops)))
	// No trap: Tab from the last stop leaves the page and, a press or two
	// later, comes back round to the first.
	tabTo(t, ctx, page+" (wrapping)", "the first tab stop again", 3, func(f focusState) bool { return f.Idx == "0" })
	// Backwards: Shift+Tab from the first stop leaves the page too and comes
	// back to the last; then all the way to the first in reverse order.
	for i := 0; ; i++ {
		if i == 3 {
			t.Fatalf("%s: Shift+Tab from the first stop does not come round to the last", page)
		}
		do(t, ctx, "press Shift+Tab", press(kb.Tab, chromedp.ModifierShift))
		if f := focusNow(t, ctx); f.Idx == fmt.Sprint(len(stops)-1) {
			checkIndicator(t, page, f)
			break
		}
	}
	backward := make([]int, 0, len(stops)-1)
	for i := len(stops) - 2; i >= 0; i-- {
		backward = append(backward, i)
	}
	walkStops(t, ctx, page, stops, []chromedp.Modifier{chromedp.ModifierShift}, backward)
	return stops
}

// TestKeyboardOnly signs in and edits the profile with the keyboard alone:
// Tab to the sign-in link, type the login, walk every tab stop of the
// profile forwards and backwards checking the focus indicator, use the skip
// link, change the maximum price and save, fail a save and follow the error
// summary to the field, and walk the page again at phone width.
func TestKeyboardOnly(t *testing.T) {
	ctx := keyboardBrowser(t)
	s := startDemo(t)
	keyboardSignIn(t, ctx, s, demoEmail, demoPassword)
	page := "profile page"
	stops := walkProfile(t, ctx, page)

	// Skip link (WCAG 2.4.1): the first stop, shown when focused, and Enter
	// moves focus to <main>, so the next Tab is inside it.
	if f := focusNow(t, ctx); !strings.Contains(f.Desc, `[href=#main]`) {
		t.Errorf("%s: the first tab stop is %s, want a skip link to #main", page, f.Desc)
	} else {
		do(t, ctx, "press Enter on the skip link", press(kb.Enter))
		waitJS(t, ctx, "focus on main", `location.hash === "#main" && document.activeElement === document.querySelector("main")`)
		firstInMain := get(t, ctx, "first stop in main", chromedp.Evaluate[string](`document.querySelector("main [data-kb]").dataset.kb`))
		do(t, ctx, "press Tab", press(kb.Tab))
		if f := focusNow(t, ctx); f.Idx != firstInMain {
			t.Errorf("%s: Tab after the skip link reached %s, want stop %s", page, f.Desc, firstInMain)
		} else {
			checkIndicator(t, page, f)
		}
	}

	// Change the maximum price: Tab to it, select all, type, Tab to Save, Enter.
	const maxprice = "registration.data.maxprice"
	old := value(t, ctx, byName(maxprice))
	newPrice := "612345"
	if old == newPrice {
		newPrice = "612346"
	}
	if f := focusNow(t, ctx); f.Name != maxprice {
		tabTo(t, ctx, page, "the maximum price", len(stops), func(f focusState) bool { return f.Name == maxprice })
	}
	do(t, ctx, "select all and type", press("a", chromedp.ModifierCtrl), typeKeys(newPrice))
	if got := value(t, ctx, byName(maxprice)); got != newPrice {
		t.Fatalf("%s: after Ctrl+A and typing %s the maximum price holds %q (was %q)", page, newPrice, got, old)
	}
	if dirty := get(t, ctx, "unsaved state", chromedp.Evaluate[bool](`!document.querySelector(".state-dirty").hidden`)); !dirty {
		t.Errorf("%s: the save bar does not say there are unsaved changes after typing", page)
	}
	tabTo(t, ctx, page, "the Save button", len(stops), func(f focusState) bool {
		return f.Tag == "button" && f.InForm && f.Type == "submit"
	})
	if st := navigate(t, ctx, "press Enter on Save", press(kb.Enter)); st != http.StatusOK {
		t.Fatalf("after saving with Enter: status %d", st)
	}
	do(t, ctx, "wait for the profile", chromedp.WaitVisible(chromedp.CSS(`form.profile-form`)))
	if got := text(t, ctx, ".notice.success"); !strings.Contains(got, "Saved") {
		t.Errorf("notice after saving by keyboard = %q", got)
	}
	if got := value(t, ctx, byName(maxprice)); got != newPrice {
		t.Errorf("maximum price shown after saving = %q, want %s", got, newPrice)
	}
	if got := s.registrationData(t, s.userByEmail(t, demoEmail))["maxprice"]; got != json.Number(newPrice) {
		t.Errorf("stored maximum price = %#v, want %s", got, newPrice)
	}

	// Where focus is after the save: the page reloads (POST, redirect, GET).
	// Sensible is the start of the document, so the next Tab is the skip
	// link, or the notice or something in <main>; never a stop further down.
	stops = get(t, ctx, "mark tab stops", chromedp.Evaluate[[]string](markTabStops))
	after := get(t, ctx, "focus after saving", chromedp.Evaluate[string](`(() => { const e = document.activeElement;
		if (!e || e === document.body) return "body";
		if (e.matches(".notice, main, h1, .error-summary")) return window.kbDesc(e);
		return "unexpected " + window.kbDesc(e); })()`))
	if strings.HasPrefix(after, "unexpected") {
		t.Errorf("%s: after saving, focus is on %s", page, after)
	}
	do(t, ctx, "press Tab", press(kb.Tab))
	next := focusNow(t, ctx)
	t.Logf("%s: after saving by keyboard focus is on %s; the next Tab goes to %s", page, after, next.Desc)
	if after == "body" && next.Idx != "0" {
		t.Errorf("%s: with focus at the start of the page after saving, Tab went to %s, want the first stop", page, next.Desc)
	}
	checkIndicator(t, page, next)

	// A failed save: focus goes to the error summary, whose link takes it
	// to the field. Clear the required maximum price (Ctrl+A, Backspace)
	// and press Enter in the field.
	page = "profile page with errors"
	tabTo(t, ctx, page, "the maximum price", len(stops), func(f focusState) bool { return f.Name == maxprice })
	do(t, ctx, "clear the field", press("a", chromedp.ModifierCtrl), press(kb.Backspace))
	if got := value(t, ctx, byName(maxprice)); got != "" {
		t.Fatalf("%s: after Ctrl+A and Backspace the maximum price holds %q", page, got)
	}
	if st := navigate(t, ctx, "press Enter in the field", press(kb.Enter)); st != http.StatusUnprocessableEntity {
		t.Fatalf("saving an empty required field with Enter: status %d, want 422", st)
	}
	waitJS(t, ctx, "focus on the error summary", `document.readyState === "complete" && document.activeElement === document.querySelector("#error-summary")`)
	stops = get(t, ctx, "mark tab stops", chromedp.Evaluate[[]string](markTabStops))
	if f := focusNow(t, ctx); f.Outline == "none" || f.OutlineWidth < 2 {
		t.Errorf("%s: the focused error summary has no focus outline (%s %.1fpx)", page, f.Outline, f.OutlineWidth)
	}
	next = tabTo(t, ctx, page, "the summary's link", 1, func(f focusState) bool { return strings.HasPrefix(f.Href, "#") })[0]
	do(t, ctx, "press Enter on "+next.Desc, press(kb.Enter))
	waitJS(t, ctx, "focus on the field", `document.activeElement.name === `+jsString(maxprice))
	checkIndicator(t, page, focusNow(t, ctx))
	newPrice = "623456"
	do(t, ctx, "type a price", typeKeys(newPrice))
	if st := navigate(t, ctx, "press Enter in the field", press(kb.Enter)); st != http.StatusOK {
		t.Fatalf("saving a corrected field with Enter: status %d", st)
	}
	do(t, ctx, "wait for the profile", chromedp.WaitVisible(chromedp.CSS(`form.profile-form`)))
	if got := text(t, ctx, ".notice.success"); !strings.Contains(got, "Saved") {
		t.Errorf("notice after correcting and saving by keyboard = %q", got)
	}
	if got := value(t, ctx, byName(maxprice)); got != newPrice {
		t.Errorf("maximum price shown after correcting and saving = %q, want %s", got, newPrice)
	}

	// On a phone the save bar wraps to two rows and covers more of the
	// window: walk the page again at 390×700.
	page = "profile page at 390px"
	do(t, ctx, "narrow the window", chromedp.EmulateViewport(390, 700))
	t.Cleanup(func() { chromedp.Do(ctx, chromedp.ResetViewport()) })
	stops = get(t, ctx, "mark tab stops", chromedp.Evaluate[[]string](markTabStops))
	walkStops(t, ctx, page, stops, nil, upTo(len(stops)))
}

// controlState reads the checked radio of a group, a checkbox and a select.
const controlState = `(() => {
	const r = document.querySelector('[name="user.data.contactTime"]:checked');
	return [r ? r.value : "", String(document.querySelector('[name="registration.data.newsletter"]').checked),
		document.querySelector('[name="registration.data.propertytype"]').value];
})()`

// TestKeyboardControls walks the profile with every kind of control
// (testdata/allfields.json) and works the controls that are not text boxes
// with their keys: an arrow key in a radio group, Space on a checkbox, an
// arrow key on a closed select; then saves with Enter on Save.
func TestKeyboardControls(t *testing.T) {
	ctx := keyboardBrowser(t)
	s := startSeparate(t, "testdata/allfields.json", allAPIKey, allAppID, allSecret)
	keyboardSignIn(t, ctx, s, allEmail, allPassword)
	page := "every-control profile"
	stops := walkProfile(t, ctx, page)
	before := get(t, ctx, "control state", chromedp.Evaluate[[]string](controlState))

	tabTo(t, ctx, page, "the contact time radio group", len(stops)+5, func(f focusState) bool { return f.Name == "user.data.contactTime" })
	do(t, ctx, "press ArrowDown in the radio group", press(kb.ArrowDown))
	if f := focusNow(t, ctx); f.Name != "user.data.contactTime" {
		t.Errorf("%s: ArrowDown in the radio group moved focus to %s", page, f.Desc)
	} else {
		// The radio focused by the arrow was not the group's tab stop.
		if f.Outline != "none" && f.OutlineWidth >= 2 || f.BoxShadow != "none" {
			t.Logf("%s: focus indicator on the next radio: outline %s %.1fpx", page, f.Outline, f.OutlineWidth)
		} else {
			t.Errorf("%s: the radio focused by ArrowDown has no focus indicator", page)
		}
	}
	tabTo(t, ctx, page, "the property type select", len(stops)+5, func(f focusState) bool { return f.Name == "registration.data.propertytype" })
	do(t, ctx, "press ArrowDown on the select", press(kb.ArrowDown))
	tabTo(t, ctx, page, "the newsletter checkbox", len(stops)+5, func(f focusState) bool { return f.Name == "registration.data.newsletter" })
	do(t, ctx, "press Space on the checkbox", press(" "))
	changed := get(t, ctx, "control state", chromedp.Evaluate[[]string](controlState))
	for i, what := range []string{"ArrowDown in the contact time radio group", "Space on the newsletter checkbox", "ArrowDown on the property type select"} {
		if changed[i] == before[i] {
			t.Errorf("%s: %s did not change it (still %q)", page, what, before[i])
		}
	}
	t.Logf("%s: contact time, newsletter, property type %q → %q", page, before, changed)

	tabTo(t, ctx, page, "the Save button", len(stops)+5, func(f focusState) bool {
		return f.Tag == "button" && f.InForm && f.Type == "submit"
	})
	if st := navigate(t, ctx, "press Enter on Save", press(kb.Enter)); st != http.StatusOK {
		t.Fatalf("after saving with Enter: status %d", st)
	}
	do(t, ctx, "wait for the profile", chromedp.WaitVisible(chromedp.CSS(`form.profile-form`)))
	if got := text(t, ctx, ".notice.success"); !strings.Contains(got, "Saved") {
		t.Errorf("notice after saving by keyboard = %q", got)
	}
	if after := get(t, ctx, "control state", chromedp.Evaluate[[]string](controlState)); strings.Join(after, "|") != strings.Join(changed, "|") {
		t.Errorf("%s: after saving the controls show %q, want %q", page, after, changed)
	}
}
