package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Values of testdata/allfields.json.
const (
	allAPIKey   = "portal-e2e-api-key-00000000000000000000000000000000"
	allAppID    = "e2e0a11f-0000-4000-8000-00000000a001"
	allSecret   = "e2e-client-secret"
	allEmail    = "every@example.com"
	allPassword = "every-password"
)

// setValue sets a control's value by script, for controls whose typing
// depends on the browser's locale (date pickers).
func setValue(name, v string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => { const e = document.querySelector(` + jsString(`[name="`+name+`"]`) + `);
		e.value = ` + jsString(v) + `; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); })()`)
}

// setChecked ticks or unticks the checkbox or radio button with this name and
// value by clicking it when its state differs, as a user would.
func setChecked(t *testing.T, ctx context.Context, name, val string, want bool) {
	t.Helper()
	sel := chromedp.CSS(`input[name="` + name + `"][value="` + val + `"]`)
	checked := get(t, ctx, "checked "+string(sel), chromedp.JavascriptAttribute[bool](sel, "checked"))
	if checked != want {
		do(t, ctx, "click "+string(sel), chromedp.Click(sel))
	}
}

// selectOption chooses an option of a <select> by value.
func selectOption(name, v string) chromedp.Action[chromedp.Void] {
	return setValue(name, v)
}

// TestEveryControl fills every control × type the form engine supports in a
// real browser, saves, and checks the JSON stored at the dev server: types,
// values, the ticked list exactly, and a cleared optional field gone.
func TestEveryControl(t *testing.T) {
	ctx := newBrowser(t)
	s := startSeparate(t, "testdata/allfields.json", allAPIKey, allAppID, allSecret)
	signIn(t, ctx, s, allEmail, allPassword)

	// What the seeded user looks like before any change.
	for name, want := range map[string]string{
		"user.firstName":             "Alice",
		"user.data.nickname":         "Nicky",
		"user.data.pin":              "", // passwords are never prefilled
		"registration.data.maxprice": "500000",
		"registration.data.bio":      "Old bio",
	} {
		if got := value(t, ctx, byName(name)); got != want {
			t.Errorf("before: %s = %q, want %q", name, got, want)
		}
	}
	for _, c := range []struct {
		name, val string
		want      bool
	}{
		{"registration.data.features", "Garage", true},
		{"registration.data.features", "Pool", true},
		{"registration.data.features", "Garden", false},
		{"registration.data.newsletter", "true", true},
		{"registration.data.bedrooms", "2", true},
		{"user.data.contactTime", "Evening", true},
	} {
		sel := chromedp.CSS(`input[name="` + c.name + `"][value="` + c.val + `"]`)
		if got := get(t, ctx, "checked", chromedp.JavascriptAttribute[bool](sel, "checked")); got != c.want {
			t.Errorf("before: %s=%s checked = %v, want %v", c.name, c.val, got, c.want)
		}
	}

	do(t, ctx, "fill every control",
		fill(byName("user.firstName"), "Alicia"),
		fill(byName("user.data.nickname"), ""),
		setValue("user.birthDate", "1990-04-15"),
		fill(byName("user.data.backupEmail"), "alicia.backup@example.org"),
		fill(byName("user.data.phone"), "+1 303 555 1212"),
		fill(byName("user.data.pin"), "9876"),
		selectOption("user.data.contactOK", "true"),
		fill(byName("registration.data.bio"), "Quiet street\nnear a park"),
		fill(byName("registration.data.maxprice"), "725000.50"),
		fill(byName("registration.data.budget"), "3200"),
		selectOption("registration.data.propertytype", "Condo"),
		setValue("registration.data.movein", "2031-06-01"),
	)
	setChecked(t, ctx, "user.data.contactTime", "Morning", true)
	setChecked(t, ctx, "registration.data.bedrooms", "3", true)
	setChecked(t, ctx, "registration.data.newsletter", "true", false)
	setChecked(t, ctx, "registration.data.features", "Garage", false)
	setChecked(t, ctx, "registration.data.features", "Garden", true)
	setChecked(t, ctx, "registration.data.features", "Pool", true)
	setChecked(t, ctx, "registration.data.features", "Fireplace", true)

	if st := navigate(t, ctx, "save", click(`.profile-form button[type=submit]`)); st != http.StatusOK {
		html := get(t, ctx, "page", chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("save: status %d\n%s", st, html)
	}
	if got := text(t, ctx, ".notice.success"); !strings.Contains(got, "Saved") {
		t.Errorf("notice after save = %q", got)
	}

	user := s.userByEmail(t, allEmail)
	data, _ := user["data"].(map[string]any)
	reg := s.registrationData(t, user)
	checks := []struct {
		what string
		got  any
		want any
	}{
		{"user.firstName", user["firstName"], "Alicia"},
		{"user.lastName (not on the form)", user["lastName"], "Tester"},
		{"user.birthDate", user["birthDate"], "1990-04-15"},
		{"user.data.backupEmail", data["backupEmail"], "alicia.backup@example.org"},
		{"user.data.phone", data["phone"], "+1 303 555 1212"},
		{"user.data.pin", data["pin"], "9876"},
		{"user.data.contactOK", data["contactOK"], true},
		{"user.data.contactTime", data["contactTime"], "Morning"},
		{"registration.data.bio", reg["bio"], "Quiet street\nnear a park"},
		{"registration.data.maxprice", reg["maxprice"], json.Number("725000.50")},
		{"registration.data.budget", reg["budget"], json.Number("3200")},
		{"registration.data.propertytype", reg["propertytype"], "Condo"},
		{"registration.data.bedrooms", reg["bedrooms"], json.Number("3")},
		{"registration.data.newsletter", reg["newsletter"], false},
		{"registration.data.features", reg["features"], []any{"Garden", "Pool", "Fireplace"}},
		{"registration.data.movein", reg["movein"], "2031-06-01"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("stored %s = %#v (%T), want %#v (%T)", c.what, c.got, c.got, c.want, c.want)
		}
	}
	if v, ok := data["nickname"]; ok && v != nil {
		t.Errorf("cleared user.data.nickname is stored as %#v, want absent or null", v)
	}

	// The page after the save shows what was stored.
	for name, want := range map[string]string{
		"user.firstName":             "Alicia",
		"user.data.nickname":         "",
		"user.birthDate":             "1990-04-15",
		"registration.data.maxprice": "725000.50",
		"registration.data.movein":   "2031-06-01",
		"user.data.pin":              "",
	} {
		if got := value(t, ctx, byName(name)); got != want {
			t.Errorf("after save: %s = %q, want %q", name, got, want)
		}
	}
}
