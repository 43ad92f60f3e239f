package devidp

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestPasswordRulesAPI: the User APIs apply the tenant's default length
// rules (8 to 256) to every new password, as FusionAuth does, and store
// nothing when they refuse one.
func TestPasswordRulesAPI(t *testing.T) {
	_, ts := newDemo(t)
	st, body := api(t, ts, "GET", "/api/tenant/"+demoTenantID, "", "")
	if st != 200 || path(decode(t, body), "tenant", "passwordValidationRules", "minLength") != json.Number("8") ||
		path(decode(t, body), "tenant", "passwordValidationRules", "maxLength") != json.Number("256") {
		t.Errorf("tenant: %d %s", st, body)
	}
	short := `The [user.password] property is shorter than the minimum of [8] characters.`
	long := `The [user.password] property is longer than the maximum of [256] characters.`
	for _, c := range []struct {
		name, method, path, ct, body string
		code, message                string
	}{
		{"create, 1 character", "POST", "/api/user", "application/json", `{"user":{"email":"a1@example.com","password":"x"}}`, "[tooShort]user.password", short},
		{"create, 7 characters", "POST", "/api/user", "application/json", `{"user":{"email":"a2@example.com","password":"1234567"}}`, "[tooShort]user.password", short},
		{"create, 257 characters", "POST", "/api/user", "application/json", `{"user":{"email":"a3@example.com","password":"` + strings.Repeat("p", 257) + `"}}`, "[tooLong]user.password", long},
		{"patch", "PATCH", "/api/user/" + demoUserID, "application/json", `{"user":{"password":"short"}}`, "[tooShort]user.password", short},
		{"merge patch", "PATCH", "/api/user/" + demoUserID, "application/merge-patch+json", `{"user":{"password":"short"}}`, "[tooShort]user.password", short},
		{"put", "PUT", "/api/user/" + demoUserID, "application/json", `{"user":{"email":"demo@example.com","password":"short"}}`, "[tooShort]user.password", short},
		{"user and registration", "POST", "/api/user/registration", "application/json",
			`{"user":{"email":"a4@example.com","password":"short"},"registration":{"applicationId":"` + demoAppID + `"}}`, "[tooShort]user.password", short},
	} {
		st, body := api(t, ts, c.method, c.path, c.ct, c.body)
		var e struct {
			FieldErrors map[string][]struct{ Code, Message string } `json:"fieldErrors"`
		}
		if err := json.Unmarshal([]byte(body), &e); st != 400 || err != nil || len(e.FieldErrors["user.password"]) != 1 ||
			e.FieldErrors["user.password"][0].Code != c.code || e.FieldErrors["user.password"][0].Message != c.message {
			t.Errorf("%s: %d %s", c.name, st, body)
		}
	}
	for _, email := range []string{"a1@example.com", "a4@example.com"} {
		if st, _ := api(t, ts, "GET", "/api/user?email="+email, "", ""); st != 404 {
			t.Errorf("%s was stored: %d", email, st)
		}
	}
	login(t, browser(t), ts, newPKCE(), "openid", "n") // demo-password unchanged

	// The limits themselves are allowed; an omitted or empty password is no
	// new password.
	for i, body := range []string{
		`{"user":{"email":"b1@example.com","password":"12345678"}}`,
		`{"user":{"email":"b2@example.com","password":"` + strings.Repeat("p", 256) + `"}}`,
		`{"user":{"email":"b3@example.com"}}`,
		`{"user":{"email":"b4@example.com","password":""}}`,
	} {
		if st, resp := api(t, ts, "POST", "/api/user", "application/json", body); st != 200 {
			t.Errorf("case %d: %d %s", i, st, resp)
		}
	}
	if st, resp := api(t, ts, "PATCH", "/api/user/"+demoUserID, "application/json", `{"user":{"firstName":"Kept"}}`); st != 200 {
		t.Errorf("patch without a password: %d %s", st, resp)
	}
}

// TestPasswordRulesRegistration: the hosted registration page refuses a
// password outside the tenant's rules with FusionAuth's theme message at the
// password field, keeps the other input and does not echo the password.
func TestPasswordRulesRegistration(t *testing.T) {
	_, ts := newDemo(t)
	c := browser(t)
	p := newPKCE()
	post := func(email, pw string) (int, string) {
		t.Helper()
		form := authorizeParams(p, "openid", "reg-state", "reg-nonce")
		form.Set("step", "0")
		form.Set("user.email", email)
		form.Set("user.password", pw)
		resp, err := c.PostForm(ts.URL+"/oauth2/register", form)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, readAll(t, resp)
	}
	for _, c := range []struct{ pw, msg string }{
		{"x", "Password does not meet the minimum length requirement"},
		{"7-chars", "Password does not meet the minimum length requirement"},
		{strings.Repeat("p", 257), "Password exceeds the maximum length requirement"},
	} {
		st, page := post("short@example.com", c.pw)
		if st != http.StatusOK || hiddenRE.MatchString(page) || !strings.Contains(page, c.msg) ||
			!strings.Contains(page, `value="short@example.com"`) || strings.Contains(page, `value="`+c.pw+`"`) {
			t.Errorf("password %.10q: %d %s", c.pw, st, page)
		}
		// The message is the password field's, not the form's.
		if block := fieldBlock(page, "user.password"); !strings.Contains(block, c.msg) || !strings.Contains(block, `aria-invalid="true"`) {
			t.Errorf("password %.10q: message not at the password field: %s", c.pw, page)
		}
		if strings.Contains(fieldBlock(page, "user.email"), c.msg) {
			t.Errorf("password %.10q: message at the email field", c.pw)
		}
	}
	// Eight characters is enough: on to step 2.
	if st, page := post("eight@example.com", "12345678"); st != http.StatusOK || !hiddenRE.MatchString(page) {
		t.Errorf("8 characters: %d %s", st, page)
	}
}

// fieldBlock returns the <div> around the input named name.
func fieldBlock(page, name string) string {
	j := strings.Index(page, `name="`+name+`"`)
	if j < 0 {
		return ""
	}
	i := strings.LastIndex(page[:j], "<div")
	k := strings.Index(page[j:], "</div>")
	if i < 0 || k < 0 {
		return ""
	}
	return page[i : j+k]
}
