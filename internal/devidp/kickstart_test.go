package devidp

import (
	"strings"
	"testing"
)

func TestKickstartDemo(t *testing.T) {
	s, err := New(Options{Kickstart: demoKickstart(t), Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if s.st.tenantID() != demoTenantID || s.st.tenant["issuer"] != "http://localhost:9011" {
		t.Errorf("tenant %v", s.st.tenant)
	}
	app, _, ok := s.st.app(demoAppID)
	if !ok || app.Name != "Real Estate Portal" || app.OAuthConfiguration.ClientSecret != demoSecret ||
		app.OAuthConfiguration.ProofKeyForCodeExchangePolicy != "Required" || app.RegistrationConfiguration.FormID != demoFormID {
		t.Errorf("application %+v", app)
	}
	if len(s.st.fields) != 5 || len(s.st.forms[demoFormID].Steps) != 2 {
		t.Errorf("fields %d, form %+v", len(s.st.fields), s.st.forms[demoFormID])
	}
	if path(s.st.regs[demoUserID][demoAppID], "data", "geographicarea") != "Denver" {
		t.Errorf("demo registration %v", s.st.regs[demoUserID])
	}
}

func TestKickstartVariables(t *testing.T) {
	ks := `{
	  "variables": {"id": "#{UUID()}", "email": "#{ENV.EMAIL}", "quote": "a\"b", "defaultTenantId": "aaaaaaaa-0000-4000-8000-000000000000"},
	  "apiKeys": [{"key": "k-0123456789"}],
	  "requests": [
	    {"method": "POST", "url": "/api/user/#{id}", "body": {"user": {"email": "#{email}", "firstName": "#{quote}"}}},
	    {"method": "PATCH", "url": "/api/user/#{id}", "contentType": "application/merge-patch+json", "body": {"user": {"lastName": "#{UUID()}"}}}
	  ]}`
	s, err := New(Options{Kickstart: []byte(ks), Getenv: func(k string) string {
		if k == "EMAIL" {
			return "env@example.com"
		}
		return ""
	}})
	if err != nil {
		t.Fatal(err)
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if len(s.st.users) != 1 {
		t.Fatalf("users %v", s.st.users)
	}
	for id, u := range s.st.users { // the POST and the PATCH used the same #{UUID()} variable
		if len(id) != 36 || u["email"] != "env@example.com" || u["firstName"] != `a"b` || len(u["lastName"].(string)) != 36 {
			t.Errorf("user %s %v", id, u)
		}
		if u["tenantId"] != "aaaaaaaa-0000-4000-8000-000000000000" {
			t.Errorf("tenant %v", u["tenantId"])
		}
	}
}

func TestKickstartErrors(t *testing.T) {
	for name, c := range map[string]struct{ ks, want string }{
		"unknown request": {`{"apiKeys":[{"key":"k"}],"requests":[{"method":"DELETE","url":"/api/user/x"}]}`, "DELETE /api/user/x"},
		"unknown api":     {`{"apiKeys":[{"key":"k"}],"requests":[{"method":"POST","url":"/api/lambda","body":{}}]}`, "POST /api/lambda"},
		"unknown var":     {`{"requests":[{"method":"POST","url":"/api/user/#{nope}","body":{}}]}`, "#{nope}"},
		"file include":    {`{"apiKeys":[{"key":"k"}],"requests":[{"method":"POST","url":"/api/user","body":"&{user.json}"}]}`, "user.json"},
		"failed request":  {`{"apiKeys":[{"key":"k"}],"requests":[{"method":"POST","url":"/api/user","body":{"user":{"email":"bad"}}}]}`, "[notEmail]user.email"},
		"not json":        {`{`, "not valid JSON"},
		"limited first":   {`{"apiKeys":[{"key":"k","permissions":{"endpoints":{"/api/user":["GET"]}}}]}`, "first API key"},
	} {
		_, err := New(Options{Kickstart: []byte(c.ks)})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want it to mention %q", name, err, c.want)
		}
	}
}
