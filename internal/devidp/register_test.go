package devidp

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestRegistration(t *testing.T) {
	_, ts := newDemo(t)
	c := browser(t)
	p := newPKCE()
	params := authorizeParams(p, "openid offline_access", "reg-state", "reg-nonce")
	post := func(extra url.Values) (*http.Response, string) {
		t.Helper()
		form := authorizeParams(p, "openid offline_access", "reg-state", "reg-nonce")
		for k, v := range extra {
			form[k] = v
		}
		resp, err := c.PostForm(ts.URL+"/oauth2/register", form)
		if err != nil {
			t.Fatal(err)
		}
		return resp, readAll(t, resp)
	}

	resp, err := c.Get(ts.URL + "/oauth2/register?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(page, `name="user.email"`) || !strings.Contains(page, `name="user.password"`) || strings.Contains(page, "registration.data.minprice") {
		t.Fatalf("step 1 page: %d %s", resp.StatusCode, page)
	}

	// Duplicate email is an error at user.email.
	resp, page = post(url.Values{"step": {"0"}, "user.email": {"demo@example.com"}, "user.password": {"secret-pass-1"}})
	if resp.StatusCode != 200 || !strings.Contains(page, "already exists") || strings.Contains(page, "secret-pass-1") {
		t.Fatalf("duplicate email: %d %s", resp.StatusCode, page)
	}

	resp, page = post(url.Values{"step": {"0"}, "user.email": {"new@example.com"}, "user.password": {"secret-pass-1"}})
	m := hiddenRE.FindStringSubmatch(page)
	if resp.StatusCode != 200 || m == nil || !strings.Contains(page, `name="registration.data.minprice"`) {
		t.Fatalf("step 2 page: %d %s", resp.StatusCode, page)
	}
	regID := m[1]

	// Validation error on step 2: the page again with the typed value.
	resp, page = post(url.Values{"step": {"1"}, "registrationId": {regID}, "registration.data.minprice": {"lots"}, "registration.data.maxprice": {""}})
	if resp.StatusCode != 200 || resp.Header.Get("Location") != "" || !strings.Contains(page, `value="lots"`) || !strings.Contains(page, "field-error") {
		t.Fatalf("step 2 error: %d %s", resp.StatusCode, page)
	}

	resp, _ = post(url.Values{"step": {"1"}, "registrationId": {regID}, "registration.data.minprice": {"100000"},
		"registration.data.maxprice": {"9007199254740993"}, "registration.data.geographicarea": {"Boulder"}})
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc.Query().Get("code") == "" || loc.Query().Get("state") != "reg-state" || loc.Query().Get("userState") != "Authenticated" {
		t.Fatalf("completion: %d %s", resp.StatusCode, loc)
	}
	st, body := token(t, ts, codeForm(loc.Query().Get("code"), p))
	if st != 200 {
		t.Fatalf("exchange: %d %v", st, body)
	}
	userID, _ := body["userId"].(string)
	st, raw := api(t, ts, "GET", "/api/user/registration/"+userID+"/"+demoAppID, "", "")
	data, _ := path(decode(t, raw), "registration", "data").(map[string]any)
	if st != 200 || data["minprice"] != json.Number("100000") || data["maxprice"] != json.Number("9007199254740993") || data["geographicarea"] != "Boulder" {
		t.Errorf("stored registration: %d %s", st, raw)
	}
	// The registrationId is single use.
	resp, page = post(url.Values{"step": {"1"}, "registrationId": {regID}, "registration.data.minprice": {"1"}, "registration.data.maxprice": {"2"}})
	if resp.StatusCode != 200 || !strings.Contains(page, "expired") {
		t.Errorf("reused registrationId: %d", resp.StatusCode)
	}
	// The new user can sign in with the chosen password.
	form := authorizeParams(newPKCE(), "openid", "s", "n")
	form.Set("loginId", "new@example.com")
	form.Set("password", "secret-pass-1")
	resp, err = browser(t).PostForm(ts.URL+"/oauth2/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.StatusCode != http.StatusFound {
		t.Errorf("login of new user: %d", resp.StatusCode)
	}
}
