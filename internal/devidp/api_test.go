package devidp

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

const regPath = "/api/user/registration/" + demoUserID + "/" + demoAppID

func TestAPIAuthAndNotFound(t *testing.T) {
	s, err := New(Options{Kickstart: []byte(`{
	  "apiKeys": [{"key": "super-key-0123456789"},
	              {"key": "limited-key-0123456789", "permissions": {"endpoints": {"/api/form": ["GET"], "/api/user": ["GET"]}}}],
	  "requests": [{"method": "POST", "url": "/api/user/11111111-1111-4111-8111-111111111111",
	                "body": {"user": {"email": "a@example.com", "password": "pw-123456"}}}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	ts := newTS(t, s)
	for _, c := range []struct {
		key, method, path string
		want              int
	}{
		{"", "GET", "/api/user/11111111-1111-4111-8111-111111111111", 401},
		{"wrong", "GET", "/api/user/11111111-1111-4111-8111-111111111111", 401},
		{"Bearer super-key-0123456789", "GET", "/api/user/11111111-1111-4111-8111-111111111111", 401},
		{"super-key-0123456789", "GET", "/api/user/11111111-1111-4111-8111-111111111111", 200},
		{"super-key-0123456789", "GET", "/api/user/22222222-1111-4111-8111-111111111111", 404},
		{"super-key-0123456789", "GET", "/api/form/22222222-1111-4111-8111-111111111111", 404},
		{"super-key-0123456789", "GET", "/api/user?email=A@example.com", 200},
		{"super-key-0123456789", "GET", "/api/user?email=nobody@example.com", 404},
		{"limited-key-0123456789", "GET", "/api/form", 200},
		{"limited-key-0123456789", "GET", "/api/user/11111111-1111-4111-8111-111111111111", 200},
		{"limited-key-0123456789", "PATCH", "/api/user/11111111-1111-4111-8111-111111111111", 401},
		{"limited-key-0123456789", "GET", "/api/form/field", 401},
	} {
		st, body := apiWithKey(t, ts, c.key, c.method, c.path, "application/json", `{"user":{}}`)
		if st != c.want {
			t.Errorf("%s %s with %q: %d, want %d", c.method, c.path, c.key, st, c.want)
		}
		if (st == 401 || st == 404) && body != "" {
			t.Errorf("%s %s: %d body must be empty, got %q", c.method, c.path, st, body)
		}
	}
}

func TestUserResponseShape(t *testing.T) {
	_, ts := newDemo(t)
	st, body := api(t, ts, "GET", "/api/user/"+demoUserID, "", "")
	if st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	u := decode(t, body)["user"].(map[string]any)
	regs, _ := u["registrations"].([]any)
	if u["email"] != "demo@example.com" || u["tenantId"] != demoTenantID || len(regs) != 1 {
		t.Fatalf("user %v", u)
	}
	if n, _ := path(regs[0].(map[string]any), "data", "minprice").(json.Number); n != "250000" {
		t.Errorf("minprice %v", path(regs[0].(map[string]any), "data", "minprice"))
	}
	if _, ok := u["insertInstant"].(json.Number); !ok {
		t.Errorf("insertInstant not a number: %v", u["insertInstant"])
	}
	if strings.Contains(body, "password") && !strings.Contains(body, "passwordChangeRequired") || strings.Contains(body, `"password"`) {
		t.Errorf("password leaked: %s", body)
	}
}

func TestPatchRegistrationFlavours(t *testing.T) {
	_, ts := newDemo(t)
	data := func() map[string]any {
		st, body := api(t, ts, "GET", regPath, "", "")
		if st != 200 {
			t.Fatalf("get registration: %d %s", st, body)
		}
		return path(decode(t, body), "registration", "data").(map[string]any)
	}
	patch := func(ct, body string) string {
		t.Helper()
		st, resp := api(t, ts, "PATCH", regPath, ct, body)
		if st != 200 {
			t.Fatalf("PATCH %s: %d %s", ct, st, resp)
		}
		return resp
	}
	patch("application/json", `{"registration":{"data":{"tags":["a"],"nested":{"x":1}}}}`)
	patch("application/json", `{"registration":{"data":{"tags":["b"],"nested":{"y":2},"geographicarea":null}}}`)
	d := data()
	if got := jsonBody(d["tags"]); strings.TrimSpace(got) != `["a","b"]` {
		t.Errorf("original PATCH must append arrays, got %s", got)
	}
	if _, ok := d["geographicarea"]; ok {
		t.Error("null must delete")
	}
	if n := d["nested"].(map[string]any); n["x"] == nil || n["y"] == nil {
		t.Errorf("objects must be deep-merged: %v", n)
	}
	if d["minprice"] == nil {
		t.Error("untouched key lost")
	}

	patch("application/merge-patch+json", `{"registration":{"data":{"tags":["c"],"nested":{"x":null},"maxprice":9007199254740993}}}`)
	d = data()
	if got := jsonBody(d["tags"]); strings.TrimSpace(got) != `["c"]` {
		t.Errorf("merge patch must replace arrays, got %s", got)
	}
	if n := d["nested"].(map[string]any); n["x"] != nil || n["y"] == nil {
		t.Errorf("merge patch nested: %v", n)
	}
	st, raw := api(t, ts, "GET", "/api/user/"+demoUserID, "", "")
	if st != 200 || !strings.Contains(raw, "9007199254740993") {
		t.Errorf("big number lost: %s", raw)
	}

	// Legacy URL without the application id: top-level properties overwritten.
	st, resp := api(t, ts, "PATCH", "/api/user/registration/"+demoUserID, "application/json",
		`{"registration":{"applicationId":"`+demoAppID+`","data":{"minprice":1}}}`)
	if st != 200 {
		t.Fatalf("legacy PATCH: %d %s", st, resp)
	}
	d = data()
	if len(d) != 1 || jsonBody(d["minprice"]) != "1\n" {
		t.Errorf("legacy PATCH must replace data, got %v", d)
	}
	if st, _ := api(t, ts, "PATCH", "/api/user/registration/"+demoUserID, "application/json", `{"registration":{"data":{}}}`); st != 400 {
		t.Errorf("legacy PATCH without applicationId: %d", st)
	}
	if st, _ := api(t, ts, "PATCH", "/api/user/registration/"+demoUserID+"/00000000-0000-0000-0000-000000000000", "application/json", `{"registration":{}}`); st != 404 {
		t.Errorf("unknown registration: %d", st)
	}
}

func TestPatchUser(t *testing.T) {
	_, ts := newDemo(t)
	st, body := api(t, ts, "PATCH", "/api/user/"+demoUserID, "application/merge-patch+json",
		`{"user":{"firstName":"New","data":{"big":9007199254740993,"list":[1,2]},"unknownKey":{"kept":true}}}`)
	if st != 200 {
		t.Fatalf("%d %s", st, body)
	}
	_, body = api(t, ts, "GET", "/api/user/"+demoUserID, "", "")
	u := decode(t, body)["user"].(map[string]any)
	if u["firstName"] != "New" || path(u, "data", "big") != json.Number("9007199254740993") || path(u, "unknownKey", "kept") != true || u["lastName"] != "User" {
		t.Errorf("user after patch %v", u)
	}
	// PUT replaces: lastName disappears, id and password survive.
	if st, body := api(t, ts, "PUT", "/api/user/"+demoUserID, "application/json", `{"user":{"email":"demo@example.com"}}`); st != 200 {
		t.Fatalf("PUT %d %s", st, body)
	}
	_, body = api(t, ts, "GET", "/api/user/"+demoUserID, "", "")
	u = decode(t, body)["user"].(map[string]any)
	if u["lastName"] != nil || u["id"] != demoUserID {
		t.Errorf("user after PUT %v", u)
	}
	c := browser(t)
	login(t, c, ts, newPKCE(), "openid", "n") // password kept
}

func TestAPIErrorShapes(t *testing.T) {
	_, ts := newDemo(t)
	other := `{"user":{"email":"other@example.com","password":"pw-12345678"}}`
	if st, body := api(t, ts, "POST", "/api/user", "application/json", other); st != 200 {
		t.Fatalf("create: %d %s", st, body)
	}
	for _, c := range []struct {
		name, method, path, ct, body string
		status                       int
		field, code                  string
	}{
		{"bad email", "PATCH", "/api/user/" + demoUserID, "application/json", `{"user":{"email":"not-an-email"}}`, 400, "user.email", "[notEmail]user.email"},
		{"duplicate email", "PATCH", "/api/user/" + demoUserID, "application/merge-patch+json", `{"user":{"email":"Other@example.com"}}`, 400, "user.email", "[duplicate]user.email"},
		{"wrong type", "PATCH", "/api/user/" + demoUserID, "application/json", `{"user":{"email":5}}`, 400, "user.email", "[invalidJSON]"},
		{"wrong type user", "PATCH", "/api/user/" + demoUserID, "application/json", `{"user":[1]}`, 400, "user", "[invalidJSON]"},
		{"wrong type data", "PATCH", regPath, "application/json", `{"registration":{"data":"x"}}`, 400, "registration.data", "[invalidJSON]"},
		{"wrong type roles", "PUT", regPath, "application/json", `{"registration":{"roles":[1]}}`, 400, "registration.roles", "[invalidJSON]"},
		{"blank email", "POST", "/api/user", "application/json", `{"user":{"firstName":"x"}}`, 400, "user.email", "[blank]user.email"},
		{"field type", "POST", "/api/form/field", "application/json", `{"field":{"key":"user.data.x","name":"X","required":"yes"}}`, 400, "field.required", "[invalidJSON]"},
		{"unknown app", "POST", "/api/user/registration", "application/json", `{"user":{"email":"n@example.com"},"registration":{"applicationId":"00000000-0000-0000-0000-000000000000"}}`, 400, "registration.applicationId", "[invalid]registration.applicationId"},
	} {
		st, body := api(t, ts, c.method, c.path, c.ct, c.body)
		if st != c.status {
			t.Errorf("%s: status %d %s", c.name, st, body)
			continue
		}
		var e struct {
			FieldErrors map[string][]struct{ Code, Message string } `json:"fieldErrors"`
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil || len(e.FieldErrors[c.field]) == 0 || e.FieldErrors[c.field][0].Code != c.code || e.FieldErrors[c.field][0].Message == "" {
			t.Errorf("%s: body %s, want %s at %s", c.name, body, c.code, c.field)
		}
	}
	for _, body := range []string{`{`, `[]`, ``, `{"user":{}} trailing`, `"str"`} {
		st, resp := api(t, ts, "PATCH", "/api/user/"+demoUserID, "application/json", body)
		if st != 400 || !strings.Contains(resp, "[invalidJSON]") {
			t.Errorf("body %q: %d %s", body, st, resp)
		}
	}
	huge := `{"user":{"data":{"x":"` + strings.Repeat("a", 2<<20) + `"}}}`
	if st, _ := api(t, ts, "PATCH", "/api/user/"+demoUserID, "application/json", huge); st != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: %d", st)
	}
	if st, _ := api(t, ts, "PATCH", "/api/user/"+demoUserID, "application/json-patch+json", `[]`); st != http.StatusNotImplemented {
		t.Errorf("json-patch: %d", st)
	}
}

func TestFormFieldNormalisation(t *testing.T) {
	_, ts := newDemo(t)
	create := func(body string) map[string]any {
		t.Helper()
		st, resp := api(t, ts, "POST", "/api/form/field", "application/json", body)
		if st != 200 {
			t.Fatalf("%d %s", st, resp)
		}
		return decode(t, resp)["field"].(map[string]any)
	}
	f := create(`{"field":{"key":"user.data.contact","name":"Contact","control":"textarea","type":"email","validator":{"enabled":true,"expression":"^a"}}}`)
	if f["control"] != "text" {
		t.Errorf("email type forces text: %v", f)
	}
	f = create(`{"field":{"key":"user.password","name":"PW","control":"text"}}`)
	if f["control"] != "password" || f["required"] != true {
		t.Errorf("password managed: %v", f)
	}
	f = create(`{"field":{"key":"user.data.ok","name":"OK","control":"checkbox","type":"bool","options":["FALSE","","True"],"validator":{"enabled":true,"expression":"x"}}}`)
	if jsonBody(f["options"]) != "[\"true\",\"false\"]\n" || path(f, "validator", "enabled") != false {
		t.Errorf("checkbox bool: %v", f)
	}
	f = create(`{"field":{"key":"user.birthDate","name":"Birth","type":"string"}}`)
	if f["type"] != "date" || f["control"] != "text" {
		t.Errorf("managed type: %v", f)
	}
	for _, bad := range []string{
		`{"field":{"key":"user.data.a","name":"[Real Estate] Email"}}`,
		`{"field":{"key":"bogus","name":"Bogus"}}`,
		`{"field":{"key":"user.data.s","name":"S","control":"select"}}`,
		`{"field":{"key":"user.data.r","name":"R","validator":{"enabled":true,"expression":"("}}}`,
	} {
		if st, body := api(t, ts, "POST", "/api/form/field", "application/json", bad); st != 400 || !strings.Contains(body, "fieldErrors") {
			t.Errorf("%s: %d %s", bad, st, body)
		}
	}
	st, body := api(t, ts, "GET", "/api/form/field", "", "")
	if fields, _ := decode(t, body)["fields"].([]any); st != 200 || len(fields) != 9 {
		t.Errorf("list fields: %d, %d fields", st, len(fields))
	}
	st, body = api(t, ts, "GET", "/api/form/"+demoFormID, "", "")
	if steps, _ := path(decode(t, body), "form", "steps").([]any); st != 200 || len(steps) != 2 {
		t.Errorf("form: %d %s", st, body)
	}
}

func TestCountsAndAPIFaults(t *testing.T) {
	s, ts := newDemo(t)
	if len(s.Counts()) != 0 {
		t.Errorf("seeding must not count: %v", s.Counts())
	}
	for range 3 {
		api(t, ts, "GET", "/api/user/"+demoUserID, "", "")
	}
	api(t, ts, "GET", "/api/application/"+demoAppID, "", "")
	got := s.Counts()
	if got["GET /api/user/{id}"] != 3 || got["GET /api/application/{id}"] != 1 {
		t.Errorf("counts %v", got)
	}
	s.ResetCounts()
	if len(s.Counts()) != 0 {
		t.Error("ResetCounts")
	}

	s.Faults().Set(FaultConfig{FailAPI: true})
	st, body := api(t, ts, "GET", "/api/user/"+demoUserID, "", "")
	if st != 500 || !strings.Contains(body, "[Exception]") {
		t.Errorf("FailAPI: %d %s", st, body)
	}
	s.Faults().Set(FaultConfig{APILatency: 50 * time.Millisecond})
	start := time.Now()
	if st, _ := api(t, ts, "GET", "/api/user/"+demoUserID, "", ""); st != 200 || time.Since(start) < 50*time.Millisecond {
		t.Errorf("APILatency: %d after %v", st, time.Since(start))
	}
	s.Faults().Reset()
	if st, body := api(t, ts, "DELETE", "/api/user/"+demoUserID, "", ""); st != http.StatusNotImplemented || !strings.Contains(body, "DELETE /api/user/"+demoUserID) {
		t.Errorf("unimplemented: %d %s", st, body)
	}
}
