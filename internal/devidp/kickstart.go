package devidp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
)

// kickstartFile is FusionAuth's kickstart format (the parts the dev server
// reads; licenseId, license and settings are accepted and ignored).
type kickstartFile struct {
	Variables map[string]any `json:"variables"`
	APIKeys   []struct {
		Key         string `json:"key"`
		Description string `json:"description"`
		TenantID    string `json:"tenantId"`
		Permissions struct {
			Endpoints map[string][]string `json:"endpoints"`
		} `json:"permissions"`
	} `json:"apiKeys"`
	Requests []struct {
		Method      string          `json:"method"`
		URL         string          `json:"url"`
		Body        json.RawMessage `json:"body"`
		TenantID    string          `json:"tenantId"`
		ContentType string          `json:"contentType"`
	} `json:"requests"`
}

var placeholderRE = regexp.MustCompile(`#\{([^}]*)\}`)

// expand replaces #{name}, #{ENV.NAME} and #{UUID()} in s. UUID() is
// evaluated at each occurrence; a variable whose value is #{UUID()} is
// evaluated once, so every use of that variable gets the same id.
func expand(s string, vars map[string]string, getenv func(string) string) (string, error) {
	var firstErr error
	out := placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		switch {
		case name == "UUID()":
			return newID()
		case strings.HasPrefix(name, "ENV."):
			return getenv(strings.TrimPrefix(name, "ENV."))
		}
		v, ok := vars[name]
		if !ok && firstErr == nil {
			firstErr = fmt.Errorf("devidp: kickstart: unknown variable #{%s}", name)
		}
		return v
	})
	return out, firstErr
}

// jsonEscape returns s escaped for use inside a JSON string literal.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// runKickstart seeds the server: the default tenant, the API keys, then every
// request dispatched through the API handlers with the first key. Anything it
// cannot do is an error; nothing is skipped silently.
func (s *Server) runKickstart(data []byte, getenv func(string) string) error {
	var first kickstartFile
	if err := json.Unmarshal(data, &first); err != nil {
		return fmt.Errorf("devidp: kickstart is not valid JSON: %w", err)
	}
	vars := map[string]string{}
	for k, v := range first.Variables {
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("devidp: kickstart: variable %q must be a string", k)
		}
		vars[k] = str
	}
	for k, v := range vars { // values may use ENV and UUID() but not other variables
		x, err := expand(v, nil, getenv)
		if err != nil {
			return fmt.Errorf("devidp: kickstart: variable %q: %w", k, err)
		}
		vars[k] = x
	}
	escaped := make(map[string]string, len(vars))
	for k, v := range vars {
		escaped[k] = jsonEscape(v)
	}
	envEsc := func(n string) string { return jsonEscape(getenv(n)) }
	text, err := expand(string(data), escaped, envEsc)
	if err != nil {
		return err
	}
	var ks kickstartFile
	if err := json.Unmarshal([]byte(text), &ks); err != nil {
		return fmt.Errorf("devidp: kickstart is not valid JSON after variable substitution: %w", err)
	}
	if id := vars["defaultTenantId"]; id != "" {
		s.st.tenant["id"] = id
	}
	for i, k := range ks.APIKeys {
		if k.Key == "" {
			return fmt.Errorf("devidp: kickstart: apiKeys[%d] has no key", i)
		}
		ak := apiKey{key: k.Key}
		if len(k.Permissions.Endpoints) > 0 {
			ak.endpoints = k.Permissions.Endpoints
		}
		if i == 0 && ak.endpoints != nil {
			return fmt.Errorf("devidp: kickstart: the first API key must not be limited by permissions")
		}
		s.st.apiKeys = append(s.st.apiKeys, ak)
	}
	seedKey := ""
	if len(s.st.apiKeys) > 0 {
		seedKey = s.st.apiKeys[0].key
	} else if len(ks.Requests) > 0 {
		// FusionAuth needs a key to run requests; make a private one.
		seedKey = randomToken()
		s.st.apiKeys = append(s.st.apiKeys, apiKey{key: seedKey})
	}
	for i, rq := range ks.Requests {
		if err := s.seedRequest(i, rq.Method, rq.URL, rq.Body, rq.ContentType, rq.TenantID, seedKey); err != nil {
			return err
		}
	}
	s.log.Info("devidp: kickstart done", "apiKeys", len(ks.APIKeys), "requests", len(ks.Requests))
	return nil
}

func (s *Server) seedRequest(i int, method, url string, body json.RawMessage, contentType, tenantID, key string) error {
	method = strings.ToUpper(method)
	name := fmt.Sprintf("devidp: kickstart request %d (%s %s)", i, method, url)
	if !strings.HasPrefix(url, "/api/") {
		return fmt.Errorf("%s: only /api/ URLs are supported", name)
	}
	var str string
	if json.Unmarshal(body, &str) == nil {
		return fmt.Errorf("%s: file includes (%q) are not supported by the development server; inline the JSON body", name, str)
	}
	if bytes.Contains(body, []byte("@{")) {
		return fmt.Errorf("%s: @{file} includes are not supported by the development server", name)
	}
	req := httptest.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", key)
	if contentType == "" {
		contentType = "application/json"
	}
	req.Header.Set("Content-Type", contentType)
	if tenantID != "" {
		req.Header.Set("X-FusionAuth-TenantId", tenantID)
	}
	if _, pattern := s.mux.Handler(req); pattern == "" || !strings.HasPrefix(endpointOf(pattern), "/api/") {
		return fmt.Errorf("%s: not implemented by the development server", name)
	}
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		detail, _ := io.ReadAll(io.LimitReader(rec.Body, 2000))
		return fmt.Errorf("%s: status %d %s: %s", name, rec.Code, http.StatusText(rec.Code), strings.TrimSpace(string(detail)))
	}
	return nil
}
