package fusionauth

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// seen records what the test server received.
type seen struct {
	Method, Path, Auth, Tenant, ContentType string
	Body                                    string
}

// newServer returns a client talking to handler, and a func returning the
// requests seen so far.
func newServer(t *testing.T, handler func(w http.ResponseWriter, r *http.Request)) (*Client, func() []seen) {
	t.Helper()
	var mu sync.Mutex
	var reqs []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, seen{r.Method, r.URL.EscapedPath(), r.Header.Get("Authorization"),
			r.Header.Get("X-FusionAuth-TenantId"), r.Header.Get("Content-Type"), string(b)})
		mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	c := New(srv.URL+"/", "the-key", "tenant-1", nil)
	c.retryDelays = []time.Duration{time.Millisecond, 2 * time.Millisecond}
	return c, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), reqs...)
	}
}

func jsonReply(status int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func TestRetrieveUserRequestAndNumbers(t *testing.T) {
	c, reqs := newServer(t, jsonReply(200, `{"user":{"id":"u1","email":"a@b.c","data":{"big":9007199254740993,"f":1.10}}}`))
	u, err := c.RetrieveUser(context.Background(), "u1")
	if err != nil {
		t.Fatal(err)
	}
	r := reqs()
	if len(r) != 1 || r[0].Method != "GET" || r[0].Path != "/api/user/u1" || r[0].Auth != "the-key" || r[0].Tenant != "tenant-1" {
		t.Fatalf("request = %+v", r)
	}
	data := u["data"].(map[string]any)
	if n, ok := data["big"].(json.Number); !ok || n.String() != "9007199254740993" {
		t.Fatalf("big = %#v", data["big"])
	}
	// Round trip: the number and the decimal go back byte-exact.
	if err := c.PatchUser(context.Background(), "u1", map[string]any{"data": data}); err != nil {
		t.Fatal(err)
	}
	p := reqs()[1]
	if p.Method != "PATCH" || p.Path != "/api/user/u1" || p.ContentType != "application/merge-patch+json" || p.Auth != "the-key" {
		t.Fatalf("patch request = %+v", p)
	}
	if !strings.Contains(p.Body, `"big":9007199254740993`) || !strings.Contains(p.Body, `"f":1.10`) {
		t.Fatalf("patch body lost precision: %s", p.Body)
	}
}

func TestPatchBodies(t *testing.T) {
	c, reqs := newServer(t, jsonReply(200, `{"registration":{}}`))
	reg := map[string]any{"data": map[string]any{"maxprice": json.Number("650000"), "note": "<b>&"}, "gone": nil}
	if err := c.PatchRegistration(context.Background(), "u 1", "app?1", reg); err != nil {
		t.Fatal(err)
	}
	r := reqs()[0]
	if r.Method != "PATCH" || r.Path != "/api/user/registration/u%201/app%3F1" || r.ContentType != "application/merge-patch+json" {
		t.Fatalf("request = %+v", r)
	}
	var got map[string]map[string]any
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got["registration"]["gone"]; !ok || got["registration"]["gone"] != nil {
		t.Fatalf("null not sent: %s", r.Body)
	}
	if !strings.Contains(r.Body, `"note":"<b>&"`) || !strings.Contains(r.Body, `"maxprice":650000`) {
		t.Fatalf("body = %s", r.Body)
	}
}

func TestNoTenantHeaderWhenUnset(t *testing.T) {
	var has atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, ok := r.Header["X-Fusionauth-Tenantid"]
		has.Store(ok)
		io.WriteString(w, `{"fields":[]}`)
	}))
	defer srv.Close()
	c := New(srv.URL, "k", "", srv.Client())
	if _, err := c.RetrieveFormFields(context.Background()); err != nil {
		t.Fatal(err)
	}
	if has.Load() {
		t.Fatal("tenant header sent although tenant id is empty")
	}
}

func TestInvalidIDsNotSent(t *testing.T) {
	c, reqs := newServer(t, jsonReply(200, `{}`))
	for _, id := range []string{"", "a/b", "..", ".", "/"} {
		if _, err := c.RetrieveUser(context.Background(), id); !errors.Is(err, ErrInvalidID) {
			t.Errorf("RetrieveUser(%q) err = %v", id, err)
		}
		if err := c.PatchRegistration(context.Background(), "u", id, map[string]any{}); !errors.Is(err, ErrInvalidID) {
			t.Errorf("PatchRegistration(app %q) err = %v", id, err)
		}
		if _, err := c.RetrieveForm(context.Background(), id); !errors.Is(err, ErrInvalidID) {
			t.Errorf("RetrieveForm(%q) err = %v", id, err)
		}
	}
	if n := len(reqs()); n != 0 {
		t.Fatalf("%d requests sent for invalid ids", n)
	}
}

func TestStatusErrors(t *testing.T) {
	cases := []struct {
		status int
		body   string
		is     error
	}{
		{401, ``, ErrUnauthorized},
		{404, ``, ErrNotFound},
		{500, ``, ErrUnavailable},
		{503, `{"generalErrors":[{"code":"[Exception]","message":"x"}]}`, ErrUnavailable},
	}
	for _, tc := range cases {
		c, _ := newServer(t, jsonReply(tc.status, tc.body))
		_, err := c.RetrieveUser(context.Background(), "u1")
		var apiErr *APIError
		if !errors.Is(err, tc.is) || !errors.As(err, &apiErr) || apiErr.Status != tc.status {
			t.Errorf("status %d: err = %v", tc.status, err)
		}
		if tc.status == 401 && errors.Is(err, ErrNotFound) {
			t.Error("401 also matched ErrNotFound")
		}
	}
}

func TestFieldErrors(t *testing.T) {
	body := `{"fieldErrors":{"user.email":[{"code":"[blank]user.email","message":"You must specify..."}]},"generalErrors":[{"code":"[TenantIdRequired]","message":"m"}]}`
	c, _ := newServer(t, jsonReply(400, body))
	err := c.PatchUser(context.Background(), "u1", map[string]any{"email": ""})
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v", err)
	}
	fe := apiErr.FieldErrors()["user.email"]
	if len(fe) != 1 || fe[0].Code != "[blank]user.email" || apiErr.Errors.GeneralErrors[0].Code != "[TenantIdRequired]" {
		t.Fatalf("errors = %+v", apiErr.Errors)
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNotFound) {
		t.Fatal("400 matched a sentinel")
	}
	if !strings.Contains(err.Error(), "[blank]user.email") {
		t.Fatalf("Error() = %q", err.Error())
	}
}

func TestGarbageResponses(t *testing.T) {
	bodies := map[string]string{
		"html":        `<html><body>Bad gateway</body></html>`,
		"truncated":   `{"user":{"id":"u1","data":{"a":`,
		"wrong shape": `{"user":"u1"}`,
		"array":       `[{"user":{}}]`,
		"null":        `null`,
		"no user":     `{"users":[]}`,
		"trailing":    `{"user":{"id":"u1"}} {"x":1}`,
		"empty":       ``,
	}
	for name, body := range bodies {
		c, _ := newServer(t, jsonReply(200, body))
		_, err := c.RetrieveUser(context.Background(), "u1")
		if !errors.Is(err, ErrBadResponse) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	c, _ := newServer(t, jsonReply(200, `{"form":{"steps":"nope"}}`))
	if _, err := c.RetrieveForm(context.Background(), "f"); !errors.Is(err, ErrBadResponse) {
		t.Errorf("form wrong shape: err = %v", err)
	}
	c, _ = newServer(t, jsonReply(200, `{}`))
	if _, err := c.RetrieveApplication(context.Background(), "a"); !errors.Is(err, ErrBadResponse) {
		t.Errorf("application missing: err = %v", err)
	}
}

func TestHugeBody(t *testing.T) {
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"user":{"x":"`)
		chunk := strings.Repeat("a", 1<<16)
		for i := 0; i < (maxBody>>16)+2; i++ {
			io.WriteString(w, chunk)
		}
		io.WriteString(w, `"}}`)
	})
	_, err := c.RetrieveUser(context.Background(), "u1")
	if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "larger") {
		t.Fatalf("err = %v", err)
	}
}

func TestRetryGETOnly(t *testing.T) {
	var n atomic.Int32
	c, reqs := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			w.WriteHeader(503)
			return
		}
		io.WriteString(w, `{"form":{"id":"f1","steps":[{"fields":["a","b"]}]}}`)
	})
	var observed []string
	c.Observer = func(endpoint string, status int, _ time.Duration, _ error) {
		observed = append(observed, endpoint+" "+http.StatusText(status))
	}
	f, err := c.RetrieveForm(context.Background(), "f1")
	if err != nil || f.ID != "f1" || len(f.Steps) != 1 || len(f.Steps[0].Fields) != 2 {
		t.Fatalf("form = %+v, err = %v", f, err)
	}
	if len(reqs()) != 3 || len(observed) != 3 || observed[0] != "GET /api/form/{id} Service Unavailable" || observed[2] != "GET /api/form/{id} OK" {
		t.Fatalf("requests %d, observed %v", len(reqs()), observed)
	}

	// Always failing: 1 try + 2 retries, then the error.
	c2, reqs2 := newServer(t, jsonReply(502, ``))
	if _, err := c2.RetrieveFormFields(context.Background()); !errors.Is(err, ErrUnavailable) || len(reqs2()) != 3 {
		t.Fatalf("err = %v after %d requests", err, len(reqs2()))
	}
	// 500 is not retried (not transient by convention), nor is a PATCH.
	c3, reqs3 := newServer(t, jsonReply(500, ``))
	c3.RetrieveUser(context.Background(), "u")
	if len(reqs3()) != 1 {
		t.Fatalf("500 retried: %d requests", len(reqs3()))
	}
	c4, reqs4 := newServer(t, jsonReply(503, ``))
	if err := c4.PatchUser(context.Background(), "u", map[string]any{"a": 1}); !errors.Is(err, ErrUnavailable) || len(reqs4()) != 1 {
		t.Fatalf("PATCH: err = %v after %d requests", err, len(reqs4()))
	}
}

func TestNetworkErrorRetriedAndUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens now
	c := New(base, "k", "", nil)
	c.retryDelays = []time.Duration{time.Millisecond, time.Millisecond}
	var calls atomic.Int32
	c.Observer = func(endpoint string, status int, _ time.Duration, err error) {
		calls.Add(1)
		if status != 0 || err == nil || strings.Contains(endpoint, "u1") {
			t.Errorf("observer got %q %d %v", endpoint, status, err)
		}
	}
	_, err := c.RetrieveUser(context.Background(), "u1")
	if !errors.Is(err, ErrUnavailable) || calls.Load() != 3 {
		t.Fatalf("err = %v, attempts = %d", err, calls.Load())
	}
	calls.Store(0)
	if err := c.PatchUser(context.Background(), "u1", map[string]any{}); !errors.Is(err, ErrUnavailable) || calls.Load() != 1 {
		t.Fatalf("patch err = %v, attempts = %d", err, calls.Load())
	}
}

func TestTimeoutIsUnavailable(t *testing.T) {
	block := make(chan struct{})
	c, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	defer close(block)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := c.RetrieveUser(ctx, "u1")
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestRetrieveFormFieldsAndApplication(t *testing.T) {
	c, reqs := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/form/field":
			io.WriteString(w, `{"fields":[{"id":"f1","key":"registration.data.maxprice","type":"number","control":"number","required":true,"validator":{"enabled":true,"expression":"^\\d+$"}}]}`)
		case "/api/application/app1":
			io.WriteString(w, `{"application":{"id":"app1","active":true,"registrationConfiguration":{"enabled":true,"type":"advanced","formId":"form1"},"formConfiguration":{"selfServiceFormId":"ss1"},"unknown":{"x":1}}}`)
		default:
			w.WriteHeader(404)
		}
	})
	fields, err := c.RetrieveFormFields(context.Background())
	if err != nil || len(fields) != 1 || fields[0].Key != "registration.data.maxprice" || !fields[0].Required || fields[0].Validator.Expression != `^\d+$` {
		t.Fatalf("fields = %+v, err = %v", fields, err)
	}
	app, err := c.RetrieveApplication(context.Background(), "app1")
	if err != nil || app.RegistrationConfiguration.FormID != "form1" || app.FormConfiguration.SelfServiceFormID != "ss1" {
		t.Fatalf("app = %+v, err = %v", app, err)
	}
	if r := reqs(); r[0].Method != "GET" || r[1].Path != "/api/application/app1" {
		t.Fatalf("requests = %+v", r)
	}
	if _, err := c.RetrieveForm(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing form: err = %v", err)
	}
}

func TestPatchEncodeErrors(t *testing.T) {
	c, reqs := newServer(t, jsonReply(200, `{}`))
	if err := c.PatchUser(context.Background(), "u", nil); err == nil {
		t.Error("nil patch accepted")
	}
	if err := c.PatchUser(context.Background(), "u", map[string]any{"n": json.Number("12abc")}); err == nil {
		t.Error("invalid json.Number accepted")
	}
	if err := c.PatchUser(context.Background(), "u", map[string]any{"c": make(chan int)}); err == nil {
		t.Error("unencodable value accepted")
	}
	if n := len(reqs()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

func TestAPIErrorBodyTruncated(t *testing.T) {
	c, _ := newServer(t, jsonReply(409, strings.Repeat("x", 5000)))
	_, err := c.RetrieveUser(context.Background(), "u")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 409 || len(apiErr.Body) > logBodyLen+4 {
		t.Fatalf("err = %v", err)
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnauthorized) {
		t.Fatal("409 matched a sentinel")
	}
}

func TestNewHTTPClientSettings(t *testing.T) {
	hc := NewHTTPClient()
	tr, ok := hc.Transport.(*http.Transport)
	if !ok || tr.MaxIdleConnsPerHost < 64 || hc.Timeout != 10*time.Second || tr.ResponseHeaderTimeout == 0 || tr.TLSHandshakeTimeout == 0 {
		t.Fatalf("client = %+v transport = %+v", hc, tr)
	}
	// Redirects are not followed (the API key must not travel elsewhere).
	srv := httptest.NewServer(http.RedirectHandler("http://127.0.0.1:1/elsewhere", http.StatusFound))
	defer srv.Close()
	c := New(srv.URL, "k", "", hc)
	_, err := c.RetrieveUser(context.Background(), "u")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 302 {
		t.Fatalf("err = %v", err)
	}
}
