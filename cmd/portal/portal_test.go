package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	demoEmail    = "demo@example.com"
	demoPassword = "demo-password"
)

func (h *harness) registration(userID string) map[string]any {
	h.t.Helper()
	var out struct {
		Registration map[string]any `json:"registration"`
	}
	if code := h.apiGet("/api/user/registration/"+userID+"/"+h.seed.Variables.ApplicationID, &out); code != http.StatusOK {
		h.t.Fatalf("registration API: %d", code)
	}
	return out.Registration
}

func (h *harness) userID(email string) string {
	h.t.Helper()
	var out struct {
		User map[string]any `json:"user"`
	}
	if code := h.apiGet("/api/user?email="+url.QueryEscape(email), &out); code != http.StatusOK {
		h.t.Fatalf("user by email: %d", code)
	}
	return out.User["id"].(string)
}

// TestProfileEndToEnd walks the first slice over real HTTP: sign in through
// the dev server's login form, see the profile, save a change, submit a bad
// number, sign out.
func TestProfileEndToEnd(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	h.login(c, demoEmail, demoPassword)

	h.idp.ResetCounts()
	page := readBody(t, h.get(c, h.portalURL+"/"))
	for _, want := range []string{demoEmail, `name="registration.data.maxprice"`, `value="500000"`, `value="250000"`, `value="Denver"`} {
		if !strings.Contains(page, want) {
			t.Errorf("profile page lacks %q", want)
		}
	}
	if n := total(h.idp.Counts()); n != 1 {
		t.Errorf("profile view made %d FusionAuth calls, want 1: %v", n, h.idp.Counts())
	}

	// Save a new maxprice with every hidden field the page carries.
	_, vals := formValues(page, `action="/profile"`)
	vals.Set("registration.data.maxprice", "650000")
	h.idp.ResetCounts()
	resp := h.post(c, h.portalURL+"/profile", vals)
	page = readBody(t, resp)
	if resp.Request.URL.Path != "/" || !strings.Contains(page, "Saved") || !strings.Contains(page, `value="650000"`) {
		t.Fatalf("after save at %s (%d): %s", resp.Request.URL, resp.StatusCode, page)
	}
	reg := h.registration(h.userID(demoEmail))
	data := reg["data"].(map[string]any)
	if data["maxprice"] != json.Number("650000") || data["minprice"] != json.Number("250000") || data["geographicarea"] != "Denver" {
		t.Errorf("stored data = %#v", data)
	}

	// A bad number: 422, the input kept, a message at the field, nothing sent.
	_, vals = formValues(page, `action="/profile"`)
	vals.Set("registration.data.maxprice", "12abc")
	h.idp.ResetCounts()
	resp = h.post(c, h.portalURL+"/profile", vals)
	page = readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `value="12abc"`) || !strings.Contains(page, "There is a problem") {
		t.Fatalf("bad number: %d %s", resp.StatusCode, page)
	}
	if n := total(h.idp.Counts()); n != 0 {
		t.Errorf("invalid input reached FusionAuth: %v", h.idp.Counts())
	}

	// Sign out: the portal session and FusionAuth's end.
	_, vals = formValues(page, `action="/logout"`)
	// The portal hands over to FusionAuth with a form carrying the ID
	// token as id_token_hint (never in a URL); signOut submits it.
	leaving := readBody(t, h.post(c, h.portalURL+"/logout", vals))
	if _, f := formValues(leaving, "data-autosubmit"); !strings.HasPrefix(f.Get("id_token_hint"), "eyJ") {
		t.Errorf("end-session form has no id_token_hint: %v", f)
	}
	resp = h.signOut(c, h.portalURL, vals)
	page = readBody(t, resp)
	if resp.Request.URL.String() != h.portalURL+"/signed-out" || !strings.Contains(page, "signed out") {
		t.Fatalf("after sign-out at %s: %s", resp.Request.URL, page)
	}
	page = readBody(t, h.get(c, h.portalURL+"/"))
	if !strings.Contains(page, `href="/login"`) || strings.Contains(page, demoEmail) {
		t.Errorf("still signed in after sign-out: %s", page)
	}
	// FusionAuth's session ended too: /login shows the login form again.
	page = readBody(t, h.get(c, h.portalURL+"/login"))
	if !strings.Contains(page, `name="loginId"`) {
		t.Errorf("FusionAuth session survived sign-out")
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestSaveCallBudget: a save is one read (the conflict check) and one PATCH
// per resource it changes. FusionAuth has no documented single call that
// updates both the user and a registration (the registration request's
// "user" object is documented for creation only), so a save that changes
// both kinds of field costs three calls; every other save costs two.
func TestSaveCallBudget(t *testing.T) {
	const (
		patchUser = "PATCH /api/user/{id}"
		patchReg  = "PATCH /api/user/registration/{userId}/{applicationId}"
	)
	for _, tc := range []struct {
		name   string
		change map[string]string
		want   map[string]int
	}{
		{"registration data only", map[string]string{"registration.data.geographicarea": "Boulder, CO"}, map[string]int{patchReg: 1}},
		{"user fields only", map[string]string{"user.email": "demo-moved@example.com"}, map[string]int{patchUser: 1}},
		{"both", map[string]string{"user.email": "demo-moved@example.com", "registration.data.maxprice": "650000"}, map[string]int{patchUser: 1, patchReg: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			c := h.browser()
			h.login(c, demoEmail, demoPassword)
			page := readBody(t, h.get(c, h.portalURL+"/"))
			_, vals := formValues(page, `action="/profile"`)
			for k, v := range tc.change {
				vals.Set(k, v)
			}
			h.idp.ResetCounts()
			c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp := h.post(c, h.portalURL+"/profile", vals)
			readBody(t, resp)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("save: %d", resp.StatusCode)
			}
			counts := h.idp.Counts()
			want := 1 + len(tc.want)
			if total(counts) != want || counts["GET /api/user/{id}"] != 1 {
				t.Errorf("save calls = %v, want %d: one read and %v", counts, want, tc.want)
			}
			for k, n := range tc.want {
				if counts[k] != n {
					t.Errorf("%s = %d, want %d (%v)", k, counts[k], n, counts)
				}
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	page := readBody(t, h.get(c, h.portalURL+"/"))
	_, vals := formValues(page, `action="/profile"`)
	vals.Set("registration.data.maxprice", "700000")

	noToken := url.Values{}
	for k, v := range vals {
		if k != "csrf_token" {
			noToken[k] = v
		}
	}
	resp := h.post(c, h.portalURL+"/profile", noToken)
	if body := readBody(t, resp); resp.StatusCode != http.StatusForbidden {
		t.Errorf("no token: %d %s", resp.StatusCode, body)
	}
	wrong := url.Values{}
	for k, v := range vals {
		wrong[k] = v
	}
	wrong.Set("csrf_token", strings.Repeat("A", len(vals.Get("csrf_token"))))
	resp = h.post(c, h.portalURL+"/profile", wrong)
	if readBody(t, resp); resp.StatusCode != http.StatusForbidden {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
	// A cross-site browser request is refused even with the right token.
	req, _ := http.NewRequest(http.MethodPost, h.portalURL+"/profile", strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if readBody(t, resp); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site: %d", resp.StatusCode)
	}
	data := h.registration(h.userID(demoEmail))["data"].(map[string]any)
	if data["maxprice"] != json.Number("500000") {
		t.Errorf("a refused request changed data: %v", data["maxprice"])
	}
}

func TestCallbackFailuresAreFriendly(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// A real pending state, to test error=access_denied and a missing code.
	start := func() string {
		resp := h.get(c, h.portalURL+"/login")
		readBody(t, resp)
		loc, _ := url.Parse(resp.Header.Get("Location"))
		return loc.Query().Get("state")
	}
	cases := []struct {
		name, query, want string
	}{
		{"no state", "code=abc", "incomplete"},
		{"unknown state", "state=nope&code=abc", "expired"},
		{"access denied", "state=" + start() + "&error=access_denied", "cancelled"},
		{"no code", "state=" + start(), "no authorization code"},
		{"bad code", "state=" + start() + "&code=forged", "could not verify"},
		{"other issuer", "state=" + start() + "&code=abc&iss=https%3A%2F%2Fevil.example", "unexpected identity provider"},
		{"huge state", "state=" + strings.Repeat("x", 5000) + "&code=a", "incomplete"},
	}
	h.idp.ResetCounts()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := h.get(c, h.portalURL+"/callback?"+tc.query)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.want) || !strings.Contains(body, "Try again") {
				t.Errorf("%d %s", resp.StatusCode, body)
			}
		})
	}
	if n := h.idp.Counts()["POST /oauth2/token"]; n != 1 {
		t.Errorf("token requests = %d, want 1 (only the forged code)", n)
	}
}

func TestReturnPathsStaySameSite(t *testing.T) {
	h := newHarness(t, nil)
	c := h.browser()
	for _, ret := range []string{"//evil.example", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "/%09/evil.example"} {
		resp := h.get(c, h.portalURL+"/login?return="+url.QueryEscape(ret))
		body := readBody(t, resp)
		_, vals := formValues(body, `action="/oauth2/authorize"`)
		vals.Set("loginId", demoEmail)
		vals.Set("password", demoPassword)
		resp = h.post(c, resolve(resp.Request.URL, "/oauth2/authorize"), vals)
		readBody(t, resp)
		if resp.Request.URL.String() != h.portalURL+"/" {
			t.Errorf("return %q landed on %s", ret, resp.Request.URL)
		}
		// sign out of FusionAuth again so the next round shows the form
		c.Jar, _ = newJar()
	}
}
