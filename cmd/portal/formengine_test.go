package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

// apiSend calls the dev server's REST API with the demo API key and
// returns the decoded response.
func (h *harness) apiSend(method, path string, body any) map[string]any {
	h.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, h.idpURL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", h.seed.Variables.APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &out) != nil {
		h.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	return out
}

// everyFieldForm creates a self-service form with every control and data
// type, managed and custom keys (nested, digit-first, dashes, non-ASCII),
// and returns its id.
func (h *harness) everyFieldForm() string {
	h.t.Helper()
	fields := []map[string]any{
		{"key": "user.firstName"},
		{"key": "user.middleName"},
		{"key": "user.lastName"},
		{"key": "user.fullName"},
		{"key": "user.birthDate"},
		{"key": "user.mobilePhone"},
		{"key": "user.imageUrl"},
		{"key": "user.timezone", "control": "select"},
		{"key": "user.preferredLanguages", "control": "select"},
		{"key": "user.password", "control": "password"},
		{"key": "user.data.big", "control": "number", "type": "number"},
		{"key": "user.data.ratio", "control": "text", "type": "number"},
		{"key": "user.data.priceText", "control": "number", "type": "string"},
		{"key": "user.data.a.b.c", "control": "text", "type": "string"},
		{"key": "user.data.1st-choice", "control": "text", "type": "string"},
		{"key": "user.data.größe", "control": "text", "type": "string"},
		{"key": "user.data.agree", "control": "checkbox", "type": "bool"},
		{"key": "user.data.sports", "control": "checkbox", "type": "string", "options": []string{"Golf, mini", "Football"}},
		{"key": "user.data.color", "control": "radio", "type": "string", "options": []string{"Red", "Blue"}},
		{"key": "user.data.level", "control": "select", "type": "number", "options": []string{"1", "2", "3"}},
		{"key": "user.data.flag", "control": "radio", "type": "bool", "options": []string{"true", "false"}},
		{"key": "user.data.when", "control": "text", "type": "date"},
		{"key": "user.data.mail", "control": "text", "type": "email"},
		{"key": "user.data.phone", "control": "text", "type": "phoneNumber"},
		{"key": "user.data.bio", "control": "textarea", "type": "string"},
		{"key": "user.data.pin", "control": "password", "type": "string"},
		{"key": "user.data.obj", "control": "text", "type": "string"},
		{"key": "user.data.site", "control": "text", "type": "string", "validator": map[string]any{"enabled": true, "expression": `^(?!http)\w+$`}},
		{"key": "registration.data.minprice", "control": "number", "type": "number"},
		{"key": "registration.data.when", "control": "text", "type": "date"},
	}
	var ids []string
	for i, f := range fields {
		f["name"] = "Every field " + string(rune('A'+i))
		out := h.apiSend(http.MethodPost, "/api/form/field", map[string]any{"field": f})
		ids = append(ids, out["field"].(map[string]any)["id"].(string))
	}
	out := h.apiSend(http.MethodPost, "/api/form", map[string]any{"form": map[string]any{
		"name": "Every field", "type": "selfServiceUser", "steps": []any{map[string]any{"fields": ids}},
	}})
	return out["form"].(map[string]any)["id"].(string)
}

// TestEveryFieldRoundTrip: with every control and type on the page and the
// process in far-off time zones, an untouched save changes nothing
// (byte-for-byte), one edit changes exactly its JSON path, and hostile
// posts (duplicates, extra keys, huge, NUL, invalid UTF-8) get field errors
// or are ignored, never a 500, and write nothing.
//
// The time zones are the process's own (TZ), so the test runs itself again
// in a child process per zone; changing time.Local while servers run races.
func TestEveryFieldRoundTrip(t *testing.T) {
	if os.Getenv("PORTAL_TEST_TZ_CHILD") == "" {
		for _, zone := range []string{"Pacific/Kiritimati", "America/Los_Angeles"} {
			cmd := exec.Command(os.Args[0], "-test.run=^TestEveryFieldRoundTrip$", "-test.count=1")
			cmd.Env = append(os.Environ(), "TZ="+zone, "PORTAL_TEST_TZ_CHILD="+zone)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("TZ=%s: %v\n%s", zone, err, out)
			}
		}
	} else {
		want := map[string]int{"Pacific/Kiritimati": 14 * 3600, "America/Los_Angeles": -8 * 3600}[os.Getenv("PORTAL_TEST_TZ_CHILD")]
		_, jan := time.Date(2026, 1, 1, 0, 0, 0, 0, time.Local).Zone()
		if jan != want {
			t.Fatalf("TZ not in effect: offset %d, want %d", jan, want)
		}
	}
	h := newHarness(t, nil)
	formID := h.everyFieldForm()
	logs := &syncBuffer{}
	portalLog := slog.New(slog.NewTextHandler(logs, nil))
	portal, _ := h.startPortal(h.ctx, map[string]string{"FUSIONAUTH_FORM_ID": formID}, portalLog, h.logger)
	h.portalURL = portal

	const email, password = "every@example.com", "every-field-pass-1"
	var user map[string]any
	dec := json.NewDecoder(strings.NewReader(`{"firstName":"Zoë 🙂\u200d","middleName":" spaced ","lastName":"O'Brien <b>",
	  "fullName":"山田 太郎","birthDate":"2000-02-29","mobilePhone":"+1 303 555 1212","imageUrl":"https://example.com/a.png?x=1&y=2",
	  "timezone":"Pacific/Kiritimati","preferredLanguages":["fr_CA","en"],
	  "data":{"big":9007199254740993,"ratio":0.10,"priceText":"007","a":{"b":{"c":"deep"},"sibling":1},"1st-choice":"x",
	    "größe":"Groß","agree":true,"sports":["Golf, mini"],"color":"Blue","level":2,"flag":false,"when":"1969-12-31",
	    "mail":"a@example.com","phone":"+44 20 7946 0958","bio":"line one\nline two  ","pin":"1234",
	    "obj":{"nested":true},"site":"example","untouched":{"x":[1,2,3]}}}`))
	dec.UseNumber()
	if err := dec.Decode(&user); err != nil {
		t.Fatal(err)
	}
	id := h.createUser(email, password, user, map[string]any{"minprice": json.Number("1e2"), "when": "2024-02-29"})
	before := h.userRecord(id)

	for _, zone := range []string{"process", "second visit"} {
		c := h.browser()
		h.login(c, email, password)
		page := readBody(t, h.get(c, h.portalURL+"/"))
		if strings.Contains(page, `name="user.password"`) {
			t.Errorf("user.password is an input on the profile")
		}
		if strings.Contains(page, `name="user.data.obj"`) {
			t.Errorf("object-shaped value is editable")
		}
		_, v := formValues(page, `action="/profile"`)
		if got := v.Get("registration.data.when"); got != "2024-02-29" {
			t.Errorf("%s: registration date shown as %q", zone, got)
		}
		if got := v.Get("user.birthDate"); got != "2000-02-29" {
			t.Errorf("%s: birthDate shown as %q", zone, got)
		}
		if got := v.Get("user.data.big"); got != "9007199254740993" {
			t.Errorf("%s: big number shown as %q", zone, got)
		}
		resp := h.post(c, h.portalURL+"/profile", v)
		if body := readBody(t, resp); !strings.Contains(body, "Nothing changed") {
			t.Fatalf("%s: untouched save: %d %s", zone, resp.StatusCode, body)
		}
		if after := h.userRecord(id); !reflect.DeepEqual(before, after) {
			t.Fatalf("%s: untouched save changed the record:\nwant %v\n got %v", zone, before, after)
		}
	}

	c := h.browser()
	h.login(c, email, password)
	edit := func(set map[string][]string) (int, string) {
		page := readBody(t, h.get(c, h.portalURL+"/"))
		_, v := formValues(page, `action="/profile"`)
		for k, vals := range set {
			v[k] = vals
		}
		resp := h.post(c, h.portalURL+"/profile", v)
		return resp.StatusCode, readBody(t, resp)
	}

	// Hostile posts: a field error (422) or ignored, never a 500; nothing written.
	hostile := []map[string][]string{
		{"user.firstName": {"A", "B"}},
		{"user.data.color": {"Red", "Blue"}},
		{"user.data.level": {"1", "2"}},
		{"user.data.agree": {"true", "true"}},
		{"user.data.big": {"1e400"}},
		{"user.data.big": {"١٢٣"}},
		{"user.data.big": {"１２３"}},
		{"user.data.big": {"NaN"}},
		{"user.data.when": {"2023-02-29"}},
		{"user.data.mail": {"a@b"}},
		{"user.data.site": {"http"}},
		{"user.data.site": {"١٢٣"}},
		{"user.data.sports": {"Golf", "mini"}},
		{"user.firstName": {strings.Repeat("x", 100<<10)}},
		{"user.firstName": {"nul\x00"}},
		{"user.firstName": {"bad\xff"}},
		{"user.data.1st-choice": {"   "}, "user.data.mail": {"\u00a0"}, "user.data.level": {"4"}},
	}
	for _, set := range hostile {
		code, body := edit(set)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `aria-invalid="true"`) {
			t.Errorf("%.80q: %d", set, code)
		}
	}
	code, body := edit(map[string][]string{"user.data.isAdmin": {"true"}, "registration.roles": {"admin"},
		"user.email": {"evil@example.com"}, "user.password": {"x"}, "user.data.obj": {"x"}, "user.data.a": {"x"}})
	if code != http.StatusOK || !strings.Contains(body, "Nothing changed") {
		t.Errorf("extra keys: %d %s", code, body)
	}
	if l := logs.String(); !strings.Contains(l, "keys=registration.roles,user.data.a,user.data.isAdmin,user.data.obj,user.email,user.password") {
		t.Errorf("extra keys not logged: %s", l)
	}
	if after := h.userRecord(id); !reflect.DeepEqual(before, after) {
		t.Fatalf("hostile posts changed the record:\nwant %v\n got %v", before, after)
	}

	// Edits change exactly their path.
	code, body = edit(map[string][]string{
		"user.data.a.b.c":  {"deeper"},
		"user.data.größe":  {"Größer ✓"},
		"user.data.agree":  nil, // unticked
		"user.data.sports": {"Football", "Golf, mini"},
		"user.data.level":  {"3"},
		"user.data.ratio":  {"9007199254740993.5"},
		"user.data.phone":  {""}, // cleared: deleted
		"user.middleName":  {""},
	})
	if code != http.StatusOK || !strings.Contains(body, "Saved") {
		t.Fatalf("edit: %d %s", code, body)
	}
	want := before
	d := want["data"].(map[string]any)
	d["a"].(map[string]any)["b"].(map[string]any)["c"] = "deeper"
	d["größe"] = "Größer ✓"
	d["agree"] = false
	d["sports"] = []any{"Football", "Golf, mini"}
	d["level"] = json.Number("3")
	d["ratio"] = json.Number("9007199254740993.5")
	delete(d, "phone")
	delete(want, "middleName")
	if after := h.userRecord(id); !reflect.DeepEqual(want, after) {
		t.Fatalf("edit changed more or less than asked:\nwant %v\n got %v", want, after)
	}
}
