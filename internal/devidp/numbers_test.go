package devidp

import (
	"net/url"
	"strings"
	"testing"
)

// TestBigNumbersKeepDigits: numbers beyond a double's precision keep every
// digit through the API (each PATCH flavour, PUT) and the registration
// page: the store and the JSON handling never go through float64, so
// 99999999999999999999999 is never turned into 1e+23.
func TestBigNumbersKeepDigits(t *testing.T) {
	const big = "99999999999999999999999"
	_, ts := newDemo(t)
	regURL := "/api/user/registration/" + demoUserID + "/" + demoAppID
	for _, ct := range []string{"application/json", "application/merge-patch+json"} {
		if st, body := api(t, ts, "PATCH", regURL, ct, `{"registration":{"data":{"maxprice":`+big+`,"ratio":-`+big+`.5}}}`); st != 200 || !strings.Contains(body, `"maxprice":`+big) {
			t.Errorf("%s PATCH: %d %s", ct, st, body)
		}
		st, body := api(t, ts, "GET", regURL, "", "")
		if st != 200 || !strings.Contains(body, `"maxprice":`+big+`,`) || !strings.Contains(body, `"ratio":-`+big+`.5`) || strings.Contains(body, "e+") {
			t.Errorf("%s GET: %d %s", ct, st, body)
		}
	}
	if st, body := api(t, ts, "PATCH", "/api/user/"+demoUserID, "application/merge-patch+json", `{"user":{"data":{"n":`+big+`}}}`); st != 200 || !strings.Contains(body, `"n":`+big+`}`) {
		t.Errorf("user PATCH: %d %s", st, body)
	}
	if st, body := api(t, ts, "GET", "/api/user/"+demoUserID, "", ""); st != 200 || !strings.Contains(body, `"n":`+big+`}`) {
		t.Errorf("user GET: %d %s", st, body)
	}

	// The registration page.
	c := browser(t)
	p := newPKCE()
	post := func(extra url.Values) string {
		t.Helper()
		form := authorizeParams(p, "openid", "s", "n")
		for k, v := range extra {
			form[k] = v
		}
		resp, err := c.PostForm(ts.URL+"/oauth2/register", form)
		if err != nil {
			t.Fatal(err)
		}
		loc := resp.Header.Get("Location")
		return loc + readAll(t, resp)
	}
	page := post(url.Values{"step": {"0"}, "user.email": {"big@example.com"}, "user.password": {"secret-pass-1"}})
	m := hiddenRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no second step: %s", page)
	}
	out := post(url.Values{"step": {"1"}, "registrationId": {m[1]}, "registration.data.minprice": {"-5"}, "registration.data.maxprice": {big}})
	u, err := url.Parse(out)
	if err != nil || u.Query().Get("code") == "" {
		t.Fatalf("registration not completed: %.300s", out)
	}
	_, tok := token(t, ts, codeForm(u.Query().Get("code"), p))
	userID, _ := tok["userId"].(string)
	st, body := api(t, ts, "GET", "/api/user/registration/"+userID+"/"+demoAppID, "", "")
	if st != 200 || !strings.Contains(body, `"maxprice":`+big+`,`) || !strings.Contains(body, `"minprice":-5`) {
		t.Errorf("registered: %d %s", st, body)
	}
}
