package fusionauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	// maxBody caps how much of a success body we read; FusionAuth answers
	// for one user or all form fields are far smaller, so more means trouble.
	maxBody = 10 << 20
	// maxErrorBody caps how much of an error body we read and parse.
	maxErrorBody = 64 << 10
	// logBodyLen is how much of an error body APIError.Body keeps for logs.
	logBodyLen = 512
)

// Client calls the FusionAuth REST API with an API key. It is safe for
// concurrent use; set Observer before the first call.
type Client struct {
	baseURL  string
	apiKey   string
	tenantID string
	hc       *http.Client

	// Observer, if set, is called once per HTTP attempt (a retried GET calls
	// it once per attempt) with the route pattern such as
	// "GET /api/user/{id}" (never the id), the HTTP status (0 when no
	// answer arrived), the duration and the attempt's error. It feeds metrics.
	Observer func(endpoint string, status int, dur time.Duration, err error)

	// retryDelays are the waits before each retry of a GET.
	retryDelays []time.Duration
	// br fails calls at once while FusionAuth is down.
	br *breaker
}

// New returns a client for the FusionAuth at baseURL (e.g.
// "http://localhost:9011"). tenantID may be empty; when set it is sent as
// X-FusionAuth-TenantId. hc nil means NewHTTPClient().
func New(baseURL, apiKey, tenantID string, hc *http.Client) *Client {
	if hc == nil {
		hc = NewHTTPClient()
	}
	return &Client{
		baseURL:     strings.TrimRight(baseURL, "/"),
		apiKey:      apiKey,
		tenantID:    tenantID,
		hc:          hc,
		retryDelays: []time.Duration{50 * time.Millisecond, 150 * time.Millisecond},
		br:          newBreaker(),
	}
}

// RetrieveUser returns the "user" object of GET /api/user/{id}, decoded with
// UseNumber so numbers keep every digit and unknown keys survive.
func (c *Client) RetrieveUser(ctx context.Context, userID string) (map[string]any, error) {
	if err := checkID(userID); err != nil {
		return nil, err
	}
	var w struct {
		User map[string]any `json:"user"`
	}
	const route = "GET /api/user/{id}"
	if err := c.do(ctx, http.MethodGet, route, "/api/user/"+url.PathEscape(userID), nil, &w); err != nil {
		return nil, err
	}
	if w.User == nil {
		return nil, missing(route, "user")
	}
	return w.User, nil
}

// PatchUser sends user as a JSON merge patch (RFC 7396): objects merge, null
// deletes, arrays are replaced. FusionAuth's original PATCH flavour appends to
// arrays instead, which is why the merge-patch content type matters.
func (c *Client) PatchUser(ctx context.Context, userID string, user map[string]any) error {
	if err := checkID(userID); err != nil {
		return err
	}
	body, err := encodeBody("user", user)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPatch, "PATCH /api/user/{id}", "/api/user/"+url.PathEscape(userID), body, nil)
}

// PatchRegistration merge-patches the user's registration for appID. The
// application id must be in the URL: without it FusionAuth overwrites
// registration data instead of merging (FusionAuth issue 3061).
func (c *Client) PatchRegistration(ctx context.Context, userID, appID string, reg map[string]any) error {
	if err := checkID(userID); err != nil {
		return err
	}
	if err := checkID(appID); err != nil {
		return err
	}
	body, err := encodeBody("registration", reg)
	if err != nil {
		return err
	}
	path := "/api/user/registration/" + url.PathEscape(userID) + "/" + url.PathEscape(appID)
	return c.do(ctx, http.MethodPatch, "PATCH /api/user/registration/{userId}/{applicationId}", path, body, nil)
}

// RetrieveForm returns the form definition with the given id.
func (c *Client) RetrieveForm(ctx context.Context, id string) (Form, error) {
	if err := checkID(id); err != nil {
		return Form{}, err
	}
	var w struct {
		Form *Form `json:"form"`
	}
	const route = "GET /api/form/{id}"
	if err := c.do(ctx, http.MethodGet, route, "/api/form/"+url.PathEscape(id), nil, &w); err != nil {
		return Form{}, err
	}
	if w.Form == nil {
		return Form{}, missing(route, "form")
	}
	return *w.Form, nil
}

// RetrieveFormFields returns every form field in one call (rather than one
// GET per field id). An answer without "fields" means there are none.
func (c *Client) RetrieveFormFields(ctx context.Context) ([]FormField, error) {
	var w struct {
		Fields []FormField `json:"fields"`
	}
	if err := c.do(ctx, http.MethodGet, "GET /api/form/field", "/api/form/field", nil, &w); err != nil {
		return nil, err
	}
	if w.Fields == nil {
		w.Fields = []FormField{}
	}
	return w.Fields, nil
}

// RetrieveApplication returns the application with the given id.
func (c *Client) RetrieveApplication(ctx context.Context, id string) (Application, error) {
	if err := checkID(id); err != nil {
		return Application{}, err
	}
	var w struct {
		Application *Application `json:"application"`
	}
	const route = "GET /api/application/{id}"
	if err := c.do(ctx, http.MethodGet, route, "/api/application/"+url.PathEscape(id), nil, &w); err != nil {
		return Application{}, err
	}
	if w.Application == nil {
		return Application{}, missing(route, "application")
	}
	return *w.Application, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// checkID rejects ids that are empty or could alter the request path even
// after escaping ("/" and dot segments are normalised by some proxies).
func checkID(id string) error {
	if id == "" || id == "." || id == ".." || strings.Contains(id, "/") || len(id) > 512 {
		return fmt.Errorf("%w: %q", ErrInvalidID, truncate(id, 64))
	}
	return nil
}

func missing(route, key string) error {
	return fmt.Errorf("%w: %s: no %q object in the body", ErrBadResponse, route, key)
}

// encodeBody builds {"<key>": v} without HTML escaping, so json.Number
// values and strings go out exactly as they came in.
func encodeBody(key string, v map[string]any) ([]byte, error) {
	if v == nil {
		return nil, fmt.Errorf("fusionauth: nil %s patch", key)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any{key: v}); err != nil {
		return nil, fmt.Errorf("fusionauth: encode %s patch: %w", key, err)
	}
	return buf.Bytes(), nil
}

// do sends the request, retrying GETs (idempotent) on network errors and on
// 502/503/504. PATCHes are never retried: a lost answer does not tell us
// whether the write happened.
func (c *Client) do(ctx context.Context, method, route, path string, body []byte, out any) error {
	attempts := 1
	if method == http.MethodGet {
		attempts += len(c.retryDelays)
	}
	for i := 0; ; i++ {
		if !c.br.allow() {
			return fmt.Errorf("fusionauth: %s %s: %w: it failed %d times in a row, so calls are paused for %s",
				method, path, ErrUnavailable, c.br.threshold, c.br.cooldown)
		}
		retry, err := c.once(ctx, method, route, path, body, out)
		switch {
		case ctx.Err() != nil:
			c.br.abandon() // the caller gave up: says nothing about FusionAuth
		default:
			c.br.record(errors.Is(err, ErrUnavailable))
		}
		if err == nil || !retry || i+1 >= attempts {
			return err
		}
		t := time.NewTimer(c.retryDelays[i])
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// once makes one HTTP attempt and reports whether a failure may be retried.
func (c *Client) once(ctx context.Context, method, route, path string, body []byte, out any) (retry bool, err error) {
	start := time.Now()
	status := 0
	defer func() {
		if c.Observer != nil {
			c.Observer(route, status, time.Since(start), err)
		}
	}()

	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, rd)
	if err != nil {
		return false, fmt.Errorf("fusionauth: %s %s: build request: %w", method, path, err)
	}
	req.Header.Set("Authorization", c.apiKey)
	req.Header.Set("Accept", "application/json")
	if c.tenantID != "" {
		req.Header.Set("X-FusionAuth-TenantId", c.tenantID)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/merge-patch+json")
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		// Retry only if the caller still wants an answer, and not after a
		// timeout: a hanging FusionAuth would make the user wait three times.
		return ctx.Err() == nil && !isTimeout(err), fmt.Errorf("fusionauth: %s %s: %w: %w", method, path, ErrUnavailable, err)
	}
	defer resp.Body.Close()
	status = resp.StatusCode

	if status < 200 || status > 299 {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		apiErr := &APIError{Method: method, Path: path, Status: status, Body: truncate(string(raw), logBodyLen)}
		// The body is FusionAuth's error JSON for 400s; anything else
		// (empty 401/404 bodies, HTML from a proxy) leaves Errors empty.
		_ = json.Unmarshal(raw, &apiErr.Errors)
		retry = status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
		return retry, apiErr
	}

	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return ctx.Err() == nil, fmt.Errorf("fusionauth: %s %s: reading body: %w: %w", method, path, ErrUnavailable, err)
	}
	if len(raw) > maxBody {
		return false, fmt.Errorf("%w: %s %s: body larger than %d bytes", ErrBadResponse, method, path, maxBody)
	}
	if out == nil {
		return false, nil
	}
	if err := decodeObject(raw, out); err != nil {
		return false, fmt.Errorf("%w: %s %s: status %d, content type %q: %w", ErrBadResponse, method, path, status, resp.Header.Get("Content-Type"), err)
	}
	return false, nil
}

// decodeObject decodes exactly one JSON object, numbers as json.Number.
func decodeObject(raw []byte, out any) error {
	trimmed := bytes.TrimLeft(raw, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errors.New("body is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
