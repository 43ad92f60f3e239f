package main

import (
	"encoding/json"
	"strings"
	"testing"

	"portal/internal/session/sessiontest"
)

// TestTwoInstancesShareRedis runs two portal instances against one real
// redis-server and the dev server: a session started on one works on the
// other, a save on one is seen on the other, and sign-out on one ends it on
// both. Browsers share cookies across ports of one host, so one cookie jar
// plays a browser behind a load balancer.
func TestTwoInstancesShareRedis(t *testing.T) {
	env := map[string]string{"PORTAL_REDIS_URL": sessiontest.RedisURL(t)}
	h := newHarness(t, env)
	urlA := h.portalURL
	urlB, _ := h.startPortal(h.ctx, env, nil, h.logger)

	c := h.browser()
	h.login(c, demoEmail, demoPassword) // signs in on A
	page := readBody(t, h.get(c, urlB+"/"))
	if !strings.Contains(page, demoEmail) {
		t.Fatalf("session from A not known on B: %s", page)
	}

	_, vals := formValues(page, `action="/profile"`)
	vals.Set("registration.data.maxprice", "777000")
	if body := readBody(t, h.post(c, urlB+"/profile", vals)); !strings.Contains(body, "Saved") {
		t.Fatalf("save on B: %s", body)
	}
	if page := readBody(t, h.get(c, urlA+"/")); !strings.Contains(page, `value="777000"`) || strings.Contains(page, "Saved") {
		t.Errorf("A does not show B's save (or shows the flash twice): %s", page)
	}
	data := h.registration(h.userID(demoEmail))["data"].(map[string]any)
	if data["maxprice"] != json.Number("777000") {
		t.Errorf("stored %v", data["maxprice"])
	}

	_, vals = formValues(page, `action="/logout"`)
	readBody(t, h.signOut(c, urlB, vals))
	for _, u := range []string{urlA, urlB} {
		if page := readBody(t, h.get(c, u+"/")); strings.Contains(page, demoEmail) {
			t.Errorf("%s still signed in after sign-out on B", u)
		}
	}
}

// TestRestartKeepsSQLiteSessions: a portal restarted on the same data
// directory still knows its signed-in users.
func TestRestartKeepsSQLiteSessions(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, map[string]string{"PORTAL_DATA_DIR": dir})
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	h.app.Close() // the first instance's store is closed: only the file remains
	url2, _ := h.startPortal(h.ctx, map[string]string{"PORTAL_DATA_DIR": dir}, nil, h.logger)
	if page := readBody(t, h.get(c, url2+"/")); !strings.Contains(page, demoEmail) {
		t.Fatalf("session lost across restart: %s", page)
	}
}
