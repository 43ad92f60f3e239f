package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"portal/internal/devidp"
)

// userRecord is the whole user as the API returns it, minus the instants
// FusionAuth updates on every write.
func (h *harness) userRecord(id string) map[string]any {
	h.t.Helper()
	var out struct {
		User map[string]any `json:"user"`
	}
	if code := h.apiGet("/api/user/"+id, &out); code != http.StatusOK {
		h.t.Fatalf("GET user: %d", code)
	}
	stripInstants(out.User)
	return out.User
}

func stripInstants(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if strings.HasSuffix(k, "Instant") {
				delete(t, k)
				continue
			}
			stripInstants(x)
		}
	case []any:
		for _, x := range t {
			stripInstants(x)
		}
	}
}

// TestTwoTabs: tab A saves one field, stale tab B saves another: both
// survive. Then both change the same field: the second save is not applied
// silently but shows both values, and a second Save keeps the user's.
func TestTwoTabs(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	id := h.userID(demoEmail)
	pageA := readBody(t, h.get(c, h.portalURL+"/"))
	pageB := pageA

	before := h.userRecord(id)
	_, a := formValues(pageA, `action="/profile"`)
	a.Set("registration.data.maxprice", "610000")
	readBody(t, h.post(c, h.portalURL+"/profile", a))
	_, b := formValues(pageB, `action="/profile"`)
	b.Set("registration.data.geographicarea", "Aurora")
	if body := readBody(t, h.post(c, h.portalURL+"/profile", b)); !strings.Contains(body, "Saved") {
		t.Fatalf("tab B: %s", body)
	}
	after := h.userRecord(id)
	// Exactly the two fields changed; everything else is byte-for-byte equal.
	reg := before["registrations"].([]any)[0].(map[string]any)["data"].(map[string]any)
	reg["maxprice"] = json.Number("610000")
	reg["geographicarea"] = "Aurora"
	if !reflect.DeepEqual(before, after) {
		t.Errorf("record changed beyond the two fields:\nwant %v\n got %v", before, after)
	}

	// Same field in two stale tabs.
	page := readBody(t, h.get(c, h.portalURL+"/"))
	_, a = formValues(page, `action="/profile"`)
	_, b = formValues(page, `action="/profile"`)
	a.Set("registration.data.maxprice", "620000")
	readBody(t, h.post(c, h.portalURL+"/profile", a))
	b.Set("registration.data.maxprice", "630000")
	resp := h.post(c, h.portalURL+"/profile", b)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "620000") || !strings.Contains(body, "630000") {
		t.Fatalf("conflict: %d %s", resp.StatusCode, body)
	}
	if got := h.registration(id)["data"].(map[string]any)["maxprice"]; got != json.Number("620000") {
		t.Fatalf("the conflicting save was applied: %v", got)
	}
	// Saving the conflict page again means "keep mine".
	_, again := formValues(body, `action="/profile"`)
	if body := readBody(t, h.post(c, h.portalURL+"/profile", again)); !strings.Contains(body, "Saved") {
		t.Fatalf("resolving: %s", body)
	}
	if got := h.registration(id)["data"].(map[string]any)["maxprice"]; got != json.Number("630000") {
		t.Errorf("after choosing mine: %v", got)
	}
}

// TestAllowListAndClearing: keys not on the form (the demo form has user.email
// and user.password, so those are not the probe here) are never sent; clearing
// an optional field deletes it rather than storing "".
func TestAllowListAndClearing(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	id := h.userID(demoEmail)
	before := h.userRecord(id)
	page := readBody(t, h.get(c, h.portalURL+"/"))
	_, v := formValues(page, `action="/profile"`)
	v.Set("user.data.isAdmin", "true")
	v.Set("registration.roles", "admin")
	v.Set("user.username", "attacker")
	v.Set("registration.data.internalScore", "99")
	v.Set("registration.data.geographicarea", "")
	if body := readBody(t, h.post(c, h.portalURL+"/profile", v)); !strings.Contains(body, "Saved") {
		t.Fatalf("save: %s", body)
	}
	after := h.userRecord(id)
	delete(before["registrations"].([]any)[0].(map[string]any)["data"].(map[string]any), "geographicarea")
	if !reflect.DeepEqual(before, after) {
		t.Errorf("unexpected change:\nwant %v\n got %v", before, after)
	}
}

// TestFusionAuthDownKeepsInput: the API failing means a friendly page that
// says nothing was saved, with the input kept, quickly.
func TestFusionAuthDownKeepsInput(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	page := readBody(t, h.get(c, h.portalURL+"/"))
	_, v := formValues(page, `action="/profile"`)
	v.Set("registration.data.geographicarea", "Kept while down")
	h.idp.Faults().Update(func(f *devidp.FaultConfig) { f.FailAPI = true })
	resp := h.post(c, h.portalURL+"/profile", v)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "nothing was saved") || !strings.Contains(body, `value="Kept while down"`) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	resp = h.get(c, h.portalURL+"/")
	if body := readBody(t, resp); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "not answering") {
		t.Errorf("profile while down: %d %s", resp.StatusCode, body)
	}
}

// TestPartialPost: a client that posts only the hidden fields and the one
// input it changes (as a script would) saves that change and nothing else.
func TestPartialPost(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	id := h.userID(demoEmail)
	before := h.userRecord(id)
	page := readBody(t, h.get(c, h.portalURL+"/"))
	_, all := formValues(page, `action="/profile"`)
	v := url.Values{"csrf_token": all["csrf_token"], "form.snapshot": all["form.snapshot"], "registration.data.maxprice": {"555000"}}
	if body := readBody(t, h.post(c, h.portalURL+"/profile", v)); !strings.Contains(body, "Saved") || !strings.Contains(body, `value="555000"`) {
		t.Fatalf("partial post: %s", body)
	}
	before["registrations"].([]any)[0].(map[string]any)["data"].(map[string]any)["maxprice"] = json.Number("555000")
	if after := h.userRecord(id); !reflect.DeepEqual(before, after) {
		t.Errorf("want %v\n got %v", before, after)
	}
}

// TestConflictPageDoesNotRevertOtherTabs: tab A changes maxprice and
// geographicarea; stale tab B changes maxprice only and gets the conflict
// page. Saving that page keeps B's maxprice and A's geographicarea: the
// stale geographicarea B never touched is not written back.
func TestConflictPageDoesNotRevertOtherTabs(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	id := h.userID(demoEmail)
	page := readBody(t, h.get(c, h.portalURL+"/"))
	_, a := formValues(page, `action="/profile"`)
	_, b := formValues(page, `action="/profile"`)
	a.Set("registration.data.maxprice", "810000")
	a.Set("registration.data.geographicarea", "Vail")
	readBody(t, h.post(c, h.portalURL+"/profile", a))
	before := h.userRecord(id)
	b.Set("registration.data.maxprice", "820000")
	resp := h.post(c, h.portalURL+"/profile", b)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("tab B: %d %s", resp.StatusCode, body)
	}
	_, again := formValues(body, `action="/profile"`)
	if body := readBody(t, h.post(c, h.portalURL+"/profile", again)); !strings.Contains(body, "Saved") {
		t.Fatalf("resolving: %s", body)
	}
	after := h.userRecord(id)
	before["registrations"].([]any)[0].(map[string]any)["data"].(map[string]any)["maxprice"] = json.Number("820000")
	if !reflect.DeepEqual(before, after) {
		t.Errorf("record changed beyond maxprice:\nwant %v\n got %v", before, after)
	}
}

// TestUnstorableInputRefused: a number a double cannot hold, and a line
// break in a one-line field, are refused at the field (422, input kept);
// nothing is written.
func TestUnstorableInputRefused(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	id := h.userID(demoEmail)
	before := h.userRecord(id)
	for key, val := range map[string]string{
		"registration.data.maxprice":       "1e999",
		"registration.data.minprice":       "1e-999",
		"registration.data.geographicarea": "Den\r\nver",
	} {
		page := readBody(t, h.get(c, h.portalURL+"/"))
		_, v := formValues(page, `action="/profile"`)
		v.Set(key, val)
		resp := h.post(c, h.portalURL+"/profile", v)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("%s=%q: %d %s", key, val, resp.StatusCode, body)
		}
	}
	if after := h.userRecord(id); !reflect.DeepEqual(before, after) {
		t.Errorf("record changed:\nwant %v\n got %v", before, after)
	}
}
