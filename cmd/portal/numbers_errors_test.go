package main

import (
	"encoding/json"
	"html"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// TestBigNumberAndDuplicateEmailEndToEnd runs the portal against the dev
// server: 99999999999999999999999 typed into number fields is stored with
// every digit (never 1e+23) and shown back the same; an email already used
// by another account is refused by FusionAuth and shown in German at the
// field, logged at Info without the address.
func TestBigNumberAndDuplicateEmailEndToEnd(t *testing.T) {
	h := newHarness(t, nil)
	var ids []string
	for i, f := range []map[string]any{
		{"key": "user.email"},
		{"key": "user.data.big", "control": "number", "type": "number"},
		{"key": "user.data.ratio", "control": "text", "type": "number"},
		{"key": "registration.data.maxprice", "control": "number", "type": "number"},
	} {
		f["name"] = "Numbers field " + string(rune('A'+i))
		out := h.apiSend(http.MethodPost, "/api/form/field", map[string]any{"field": f})
		ids = append(ids, out["field"].(map[string]any)["id"].(string))
	}
	out := h.apiSend(http.MethodPost, "/api/form", map[string]any{"form": map[string]any{
		"name": "Numbers", "type": "selfServiceUser", "steps": []any{map[string]any{"fields": ids}},
	}})
	formID := out["form"].(map[string]any)["id"].(string)
	logs := &syncBuffer{}
	h.portalURL, _ = h.startPortal(h.ctx, map[string]string{"FUSIONAUTH_FORM_ID": formID}, slog.New(slog.NewTextHandler(logs, nil)), h.logger)

	const email, password = "numbers@example.com", "numbers-pass-1"
	id := h.createUser(email, password, map[string]any{}, map[string]any{"maxprice": json.Number("1")})
	h.createUser("other@example.com", "other-pass-1", map[string]any{}, map[string]any{})
	c := h.browser()
	h.login(c, email, password)

	const big = "99999999999999999999999"
	_, v := formValues(readBody(t, h.get(c, h.portalURL+"/")), `action="/profile"`)
	v.Set("user.data.big", big)
	v.Set("user.data.ratio", "-"+big+".25")
	v.Set("registration.data.maxprice", big)
	if body := readBody(t, h.post(c, h.portalURL+"/profile", v)); !strings.Contains(body, "Saved") {
		t.Fatalf("save: %s", body)
	}
	user := h.userRecord(id)
	data := user["data"].(map[string]any)
	reg := user["registrations"].([]any)[0].(map[string]any)["data"].(map[string]any)
	if data["big"] != json.Number(big) || data["ratio"] != json.Number("-"+big+".25") || reg["maxprice"] != json.Number(big) {
		t.Errorf("stored %v / %v", data, reg)
	}
	_, v = formValues(readBody(t, h.get(c, h.portalURL+"/")), `action="/profile"`)
	if v.Get("user.data.big") != big || v.Get("registration.data.maxprice") != big {
		t.Errorf("shown back as %q, %q", v.Get("user.data.big"), v.Get("registration.data.maxprice"))
	}

	// Someone else's email: FusionAuth's 400 [duplicate]user.email.
	v.Set("user.email", "other@example.com")
	req, _ := http.NewRequest(http.MethodPost, h.portalURL+"/profile", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept-Language", "de")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := html.UnescapeString(readBody(t, resp))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "E-Mail wird bereits von einem anderen Konto verwendet.") {
		t.Errorf("duplicate email: %d %s", resp.StatusCode, body)
	}
	l := logs.String()
	if !strings.Contains(l, `level=INFO msg="profile save rejected by FusionAuth"`) || strings.Contains(l, "level=ERROR") || strings.Contains(l, "other@example.com") {
		t.Errorf("logs: %s", l)
	}
}
