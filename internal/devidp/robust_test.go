package devidp

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestNoPanicOnBadInput sends wrong shapes to every endpoint through the
// handler directly, so a panic would fail the test instead of being
// swallowed by net/http.
func TestNoPanicOnBadInput(t *testing.T) {
	s, err := New(Options{Kickstart: demoKickstart(t)})
	if err != nil {
		t.Fatal(err)
	}
	s.SetBaseURL("http://127.0.0.1:9011")
	h := s.Handler()
	bodies := []string{
		``, `null`, `5`, `"x"`, `[]`, `{}`, `{"user":null}`, `{"user":"x"}`, `{"user":{"data":[1]}}`,
		`{"user":{"preferredLanguages":"en"}}`, `{"registration":[]}`, `{"registration":{"applicationId":5}}`,
		`{"user":{"email":"q@example.com"},"registration":"x"}`, `{"form":{"steps":"x"}}`,
		`{"form":{"name":"F","steps":[{"fields":[1]}]}}`, `{"form":{"name":"F","steps":[null,{"fields":null}]}}`,
		`{"field":{"options":{}}}`, `{"field":{"key":"user.data.a","name":"A","validator":"x"}}`,
		`{"application":{"oauthConfiguration":[]}}`, `{"application":{"name":"A","jwtConfiguration":{"timeToLiveInSeconds":"x"}}}`,
		`{"application":{"name":"A","registrationConfiguration":{"enabled":true,"type":"advanced","formId":5}}}`,
		`{"tenant":{"issuer":5}}`, `{"tenant":{"issuer":null}}`, `{"key":{"length":"x"}}`,
	}
	deep := []string{strings.Repeat("[", 20000) + strings.Repeat("]", 20000), `{"user":{"data":` + strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat("}", 5000) + `}}`}
	ids := []string{demoUserID, demoAppID, demoFormID, demoTenantID, "x", "%00", "..%2f"}
	paths := []string{"/api/user", "/api/user/registration", "/api/form", "/api/form/field", "/api/application", "/api/key/generate", "/api/jwt/refresh", "/api/jwt/refresh?userId=x&token=y"}
	for _, p := range []string{"/api/user/%s", "/api/user/registration/%s", "/api/user/registration/" + demoUserID + "/%s",
		"/api/form/%s", "/api/form/field/%s", "/api/application/%s", "/api/tenant/%s", "/api/key/generate/%s", "/api/jwt/refresh/%s"} {
		for _, id := range ids {
			paths = append(paths, strings.Replace(p, "%s", id, 1))
		}
	}
	for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		cts := []string{"application/json"}
		if method == "PATCH" {
			cts = append(cts, "application/merge-patch+json", "text/plain;;")
		}
		for i, p := range paths {
			bs := bodies
			if i < 2 {
				bs = append(bs, deep...)
			}
			for _, b := range bs {
				for _, ct := range cts {
					req := httptest.NewRequest(method, p, strings.NewReader(b))
					req.Header.Set("Authorization", demoAPIKey)
					req.Header.Set("Content-Type", ct)
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code >= 500 && rec.Code != http.StatusNotImplemented {
						t.Errorf("%s %s %q: status %d %s", method, p, b, rec.Code, rec.Body.String())
					}
				}
			}
		}
	}

	// OAuth endpoints with garbage.
	oauth := []struct{ method, target, body string }{
		{"GET", "/oauth2/authorize", ""},
		{"GET", "/oauth2/authorize?client_id=" + demoAppID + "&redirect_uri=" + url.QueryEscape(demoRedirect), ""},
		{"POST", "/oauth2/authorize", "%zz"},
		{"POST", "/oauth2/authorize", "client_id=" + demoAppID},
		{"GET", "/oauth2/register?client_id=x", ""},
		{"POST", "/oauth2/register", "step=-1&registrationId=zzz&client_id=" + demoAppID + "&redirect_uri=" + url.QueryEscape(demoRedirect) + "&response_type=code&code_challenge_method=S256&code_challenge=" + strings.Repeat("a", 43)},
		{"POST", "/oauth2/register", "step=999&client_id=" + demoAppID + "&redirect_uri=" + url.QueryEscape(demoRedirect) + "&response_type=code&code_challenge_method=S256&code_challenge=" + strings.Repeat("a", 43)},
		{"POST", "/oauth2/token", ""},
		{"POST", "/oauth2/token", "grant_type=refresh_token&client_id=" + demoAppID + "&client_secret=" + demoSecret},
		{"POST", "/oauth2/token", "grant_type=authorization_code&code=x&client_id=" + demoAppID + "&client_secret=" + demoSecret},
		{"GET", "/oauth2/userinfo", ""},
		{"POST", "/oauth2/userinfo", ""},
		{"GET", "/oauth2/logout?id_token_hint=a.b.c", ""},
		{"GET", "/oauth2/logout?id_token_hint=...&post_logout_redirect_uri=x", ""},
		{"POST", "/oauth2/logout", "client_id=" + demoAppID + "&post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A8080%2F"},
	}
	for _, o := range oauth {
		for _, auth := range []string{"", "Bearer", "Bearer a.b.c", "Bearer eyJhbGciOiJub25lIn0.e30.", "Basic !!!"} {
			req := httptest.NewRequest(o.method, o.target, strings.NewReader(o.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 {
				t.Errorf("%s %s: status %d", o.method, o.target, rec.Code)
			}
		}
	}
}
