package devidp

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"portal/internal/fusionauth"
)

// maxBody caps API and form request bodies.
const maxBody = 1 << 20

// apiMiddleware applies the API faults and FusionAuth's API-key check: the raw
// key in the Authorization header, optionally limited to endpoint+method.
func (s *Server) apiMiddleware(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := s.faults.Get()
		if f.APILatency > 0 {
			t := time.NewTimer(f.APILatency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if f.FailAPI {
			writeJSON(w, http.StatusInternalServerError, fusionauth.Errors{GeneralErrors: []fusionauth.ErrorItem{{
				Code:    "[Exception]",
				Message: "FusionAuth encountered an unexpected error. Please contact support for assistance.",
			}}})
			return
		}
		if !s.keyAllows(r.Header.Get("Authorization"), r.Method, endpointOf(r.Pattern)) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		h(w, r)
	})
}

// endpointOf turns a route pattern such as "GET /api/user/registration/{userId}"
// into the endpoint name API-key permissions use: "/api/user/registration".
func endpointOf(pattern string) string {
	_, path, _ := strings.Cut(pattern, " ")
	if i := strings.Index(path, "{"); i >= 0 {
		path = path[:i]
	}
	return strings.TrimSuffix(path, "/")
}

func (s *Server) keyAllows(header, method, endpoint string) bool {
	if header == "" {
		return false
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	for _, k := range s.st.apiKeys {
		if subtle.ConstantTimeCompare([]byte(k.key), []byte(header)) != 1 {
			continue
		}
		if k.endpoints == nil {
			return true
		}
		return slices.ContainsFunc(k.endpoints[endpoint], func(m string) bool { return strings.EqualFold(m, method) })
	}
	return false
}

// fieldError builds FusionAuth's error body with one field error, code "[typ]path".
func fieldError(path, typ, msg string) fusionauth.Errors {
	return fusionauth.Errors{FieldErrors: map[string][]fusionauth.ErrorItem{
		path: {{Code: "[" + typ + "]" + path, Message: msg}},
	}}
}

// invalidJSON is the error for a property of the wrong JSON type; its code
// is the bare "[invalidJSON]", as FusionAuth sends it.
func invalidJSON(path, detail string) fusionauth.Errors {
	return fusionauth.Errors{FieldErrors: map[string][]fusionauth.ErrorItem{
		path: {{Code: "[invalidJSON]", Message: fmt.Sprintf("Invalid JSON in the request body. The property was [%s]. The error was [Possible conversion error]. The detailed exception was [%s].", path, detail)}},
	}}
}

// addErrors merges other's errors into e.
func addErrors(e *fusionauth.Errors, other fusionauth.Errors) {
	for k, v := range other.FieldErrors {
		if e.FieldErrors == nil {
			e.FieldErrors = map[string][]fusionauth.ErrorItem{}
		}
		e.FieldErrors[k] = append(e.FieldErrors[k], v...)
	}
	e.GeneralErrors = append(e.GeneralErrors, other.GeneralErrors...)
}

func hasErrors(e fusionauth.Errors) bool { return len(e.FieldErrors) > 0 || len(e.GeneralErrors) > 0 }

func writeErrors(w http.ResponseWriter, e fusionauth.Errors) { writeJSON(w, http.StatusBadRequest, e) }

// readObject reads a JSON object body with numbers kept as json.Number.
// On failure it has already answered the request.
func readObject(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return nil, false
		}
		w.WriteHeader(http.StatusBadRequest)
		return nil, false
	}
	obj, err := decodeObject(data)
	if err != nil {
		writeErrors(w, fusionauth.Errors{GeneralErrors: []fusionauth.ErrorItem{{
			Code:    "[invalidJSON]",
			Message: "Invalid JSON in the request body. The error was [" + err.Error() + "].",
		}}})
		return nil, false
	}
	return obj, true
}

func decodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the request body is empty")
		}
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("unexpected data after the JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("the request body is not a JSON object")
	}
	return obj, nil
}

// patchKind is the PATCH flavour chosen by Content-Type.
type patchKind int

const (
	patchOriginal patchKind = iota // application/json
	patchMerge                     // application/merge-patch+json (RFC 7396)
)

func patchKindOf(w http.ResponseWriter, r *http.Request) (patchKind, bool) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return patchOriginal, true
	}
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err != nil:
		w.WriteHeader(http.StatusUnsupportedMediaType)
		return 0, false
	case mt == "application/json":
		return patchOriginal, true
	case mt == "application/merge-patch+json":
		return patchMerge, true
	case mt == "application/json-patch+json":
		http.Error(w, "devidp: PATCH with application/json-patch+json is not implemented by the development server", http.StatusNotImplemented)
		return 0, false
	default:
		w.WriteHeader(http.StatusUnsupportedMediaType)
		return 0, false
	}
}

// objectAt returns body[key] as an object. Absent is (nil, true); any other
// JSON type is an [invalidJSON] error.
func objectAt(body map[string]any, key string) (map[string]any, *fusionauth.Errors) {
	v, ok := body[key]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		e := invalidJSON(key, fmt.Sprintf("expected an object for [%s]", key))
		return nil, &e
	}
	return m, nil
}
