package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDefinitionChangesWithoutRestart: an admin makes a field required in
// FusionAuth; within the form-cache interval the profile marks it required
// and the portal enforces it, with no restart.
func TestDefinitionChangesWithoutRestart(t *testing.T) {
	h := newHarness(t, map[string]string{"PORTAL_FORM_CACHE_TTL": "200ms"})
	c := h.browser()
	h.login(c, demoEmail, demoPassword)
	geo := `"key":"registration.data.geographicarea","name":"Geographic area (made required)","control":"text","type":"string","required":true`
	req, _ := http.NewRequest(http.MethodPut, h.idpURL+"/api/form/field/5e1f0001-0000-4000-8000-000000000005",
		bytes.NewBufferString(`{"field":{`+geo+`}}`))
	req.Header.Set("Authorization", h.seed.Variables.APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != http.StatusOK {
		t.Fatalf("update field: %d %s", resp.StatusCode, body)
	}
	deadline := time.Now().Add(5 * time.Second)
	var page string
	for time.Now().Before(deadline) {
		page = readBody(t, h.get(c, h.portalURL+"/"))
		if strings.Contains(page, "Geographic area (made required)") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(page, "Geographic area (made required)") {
		t.Fatalf("the change never showed: %s", page)
	}
	_, v := formValues(page, `action="/profile"`)
	v.Set("registration.data.geographicarea", "   ")
	resp = h.post(c, h.portalURL+"/profile", v)
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("blank required field accepted: %d %s", resp.StatusCode, body)
	}
}
