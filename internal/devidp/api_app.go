package devidp

import (
	"encoding/json"
	"net/http"
	"strings"

	"portal/internal/fusionauth"
)

func (s *Server) apiListApplications(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	apps := make([]any, 0, len(s.st.appOrder))
	for _, id := range s.st.appOrder {
		apps = append(apps, copyMap(s.st.apps[id]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"applications": apps})
}

func (s *Server) apiGetApplication(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	a, ok := s.st.apps[r.PathValue("id")]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"application": copyMap(a)})
}

// setDefault sets m[k] = v unless m already has a non-empty value there.
func setDefault(m map[string]any, k string, v any) {
	if cur, ok := m[k]; !ok || cur == nil || cur == "" {
		m[k] = v
	}
}

func subObject(m map[string]any, k string) map[string]any {
	sub, ok := m[k].(map[string]any)
	if !ok {
		sub = map[string]any{}
		m[k] = sub
	}
	return sub
}

// apiCreateApplication handles POST /api/application[/{id}]. The raw object is
// kept (unknown properties survive) with FusionAuth's defaults filled in.
func (s *Server) apiCreateApplication(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	var typed fusionauth.Application
	if e := decodeTyped(body, "application", &typed); e != nil {
		writeErrors(w, *e)
		return
	}
	raw, _ := body["application"].(map[string]any)
	raw = copyMap(raw)
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	id := r.PathValue("id")
	if id == "" {
		id = typed.ID
	}
	if id == "" {
		id = newID()
	}
	var errs fusionauth.Errors
	if _, exists := st.apps[id]; exists {
		addErrors(&errs, fieldError("applicationId", "duplicate", "An Application with Id ["+id+"] already exists."))
	}
	if strings.TrimSpace(typed.Name) == "" {
		addErrors(&errs, fieldError("application.name", "blank", "You must specify the [application.name] property."))
	}
	rc := typed.RegistrationConfiguration
	if rc.Enabled && rc.Type == "advanced" {
		if f, ok := st.forms[rc.FormID]; !ok || f.Type != "registration" {
			addErrors(&errs, fieldError("application.registrationConfiguration.formId", "invalid", "The [application.registrationConfiguration.formId] property must be the id of a form of type [registration]."))
		}
	}
	if hasErrors(errs) {
		writeErrors(w, errs)
		return
	}
	now := nowMillis()
	raw["id"] = id
	raw["tenantId"] = st.tenantID()
	setDefault(raw, "active", true)
	raw["insertInstant"] = now
	raw["lastUpdateInstant"] = now
	oc := subObject(raw, "oauthConfiguration")
	oc["clientId"] = id
	setDefault(oc, "clientSecret", randomToken())
	setDefault(oc, "clientAuthenticationPolicy", "Required")
	setDefault(oc, "proofKeyForCodeExchangePolicy", "NotRequired")
	setDefault(oc, "scopeHandlingPolicy", "Strict")
	setDefault(oc, "unknownScopePolicy", "Reject")
	setDefault(oc, "logoutBehavior", "AllApplications")
	setDefault(oc, "generateRefreshTokens", false)
	setDefault(oc, "requireRegistration", false)
	if _, ok := oc["enabledGrants"]; !ok {
		oc["enabledGrants"] = []any{"authorization_code", "refresh_token"}
	}
	jc := subObject(raw, "jwtConfiguration")
	setDefault(jc, "timeToLiveInSeconds", json.Number("3600"))
	setDefault(jc, "refreshTokenTimeToLiveInMinutes", json.Number("43200"))
	setDefault(jc, "refreshTokenUsagePolicy", "Reusable")
	rcRaw := subObject(raw, "registrationConfiguration")
	setDefault(rcRaw, "enabled", false)
	setDefault(rcRaw, "type", "basic")
	st.apps[id] = raw
	st.appOrder = append(st.appOrder, id)
	writeJSON(w, http.StatusOK, map[string]any{"application": copyMap(raw)})
}

func (s *Server) apiGetTenant(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	if r.PathValue("id") != s.st.tenantID() {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tenant": copyMap(s.st.tenant)})
}

// apiPatchTenant handles PATCH /api/tenant/{id} for the default tenant. The
// stored issuer is reported back but tokens use Options.Issuer (or the base
// URL) so that tests on random ports keep working.
func (s *Server) apiPatchTenant(w http.ResponseWriter, r *http.Request) {
	pk, ok := patchKindOf(w, r)
	if !ok {
		return
	}
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	in, e := objectAt(body, "tenant")
	if e != nil {
		writeErrors(w, *e)
		return
	}
	if in == nil {
		writeErrors(w, fieldError("tenant", "missing", "Your request is missing the Tenant information as JSON in the entity-body."))
		return
	}
	if e := checkShape("tenant", in, map[string]kind{"issuer": kString, "name": kString, "logoutURL": kString}); e != nil {
		writeErrors(w, *e)
		return
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	id := st.tenantID()
	if r.PathValue("id") != id {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	next := copyMap(st.tenant)
	if pk == patchMerge {
		next = mergePatch(next, in)
	} else {
		next = mergeOriginal(next, in)
	}
	next["id"] = id
	if iss, _ := next["issuer"].(string); strings.TrimSpace(iss) == "" {
		writeErrors(w, fieldError("tenant.issuer", "blank", "You must specify the [tenant.issuer] property."))
		return
	}
	st.tenant = next
	writeJSON(w, http.StatusOK, map[string]any{"tenant": copyMap(next)})
}

// apiGenerateKey accepts POST /api/key/generate[/{id}] for RS256 keys. Every
// generated key is an alias of the server's one signing key (generating RSA
// keys is slow and the portal only needs one).
func (s *Server) apiGenerateKey(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	var k struct {
		Algorithm string `json:"algorithm"`
		Name      string `json:"name"`
		Length    int    `json:"length"`
	}
	if e := decodeTyped(body, "key", &k); e != nil {
		writeErrors(w, *e)
		return
	}
	var errs fusionauth.Errors
	if k.Algorithm != "RS256" {
		addErrors(&errs, fieldError("key.algorithm", "invalid", "The development server only generates [RS256] keys."))
	}
	if strings.TrimSpace(k.Name) == "" {
		addErrors(&errs, fieldError("key.name", "blank", "You must specify the [key.name] property."))
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	id := r.PathValue("id")
	if id == "" {
		id = newID()
	}
	if _, exists := st.keys[id]; exists {
		addErrors(&errs, fieldError("keyId", "duplicate", "A Key with Id ["+id+"] already exists."))
	}
	if hasErrors(errs) {
		writeErrors(w, errs)
		return
	}
	if k.Length == 0 {
		k.Length = 2048
	}
	meta := map[string]any{
		"id": id, "algorithm": "RS256", "name": k.Name, "length": k.Length, "type": "RSA",
		"kid": s.keys.current().kid, "insertInstant": nowMillis(),
	}
	st.keys[id] = meta
	writeJSON(w, http.StatusOK, map[string]any{"key": copyMap(meta)})
}
