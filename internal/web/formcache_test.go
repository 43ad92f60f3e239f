package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"portal/internal/fusionauth"
)

// cacheFA serves one form whose fields the test can change, counts calls,
// and can fail or stall on demand.
type cacheFA struct {
	fakeFA
	mu               sync.Mutex
	required         bool
	fail             bool
	stall            chan struct{} // non-nil: calls wait for it to close
	app, frm, fields atomic.Int32
}

func (f *cacheFA) wait() {
	f.mu.Lock()
	ch := f.stall
	f.mu.Unlock()
	if ch != nil {
		<-ch
	}
}

func (f *cacheFA) RetrieveApplication(context.Context, string) (fusionauth.Application, error) {
	f.app.Add(1)
	f.wait()
	return fusionauth.Application{ID: "app", FormConfiguration: fusionauth.ApplicationFormConfiguration{SelfServiceFormID: "f1"}}, nil
}

func (f *cacheFA) RetrieveForm(context.Context, string) (fusionauth.Form, error) {
	f.frm.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return fusionauth.Form{}, fusionauth.ErrUnavailable
	}
	return fusionauth.Form{ID: "f1", Type: "selfServiceUser", Steps: []fusionauth.FormStep{{Fields: []string{"a"}}}}, nil
}

func (f *cacheFA) RetrieveFormFields(context.Context) ([]fusionauth.FormField, error) {
	f.fields.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return nil, fusionauth.ErrUnavailable
	}
	return []fusionauth.FormField{{ID: "a", Key: "registration.data.area", Control: "text", Type: "string", Required: f.required}}, nil
}

func (f *cacheFA) set(fn func(*cacheFA)) {
	f.mu.Lock()
	fn(f)
	f.mu.Unlock()
}

// lockedBuffer collects log output from the refresh goroutine safely.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func required(t *testing.T, c *formCache) bool {
	t.Helper()
	def, err := c.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// A required field refuses a blank value; an optional one takes it.
	sub := def.Parse(url.Values{"registration.data.area": {"  "}})
	_, bad := sub.Errors["registration.data.area"]
	return bad
}

// TestFormCacheFirstLoadIsSingleFlight: fifty page views arriving before
// the first definition is loaded make one set of FusionAuth calls.
func TestFormCacheFirstLoadIsSingleFlight(t *testing.T) {
	fa := &cacheFA{stall: make(chan struct{})}
	c := newFormCache(fa, "app", "", time.Hour, slog.New(slog.DiscardHandler))
	defer c.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Get(context.Background())
			errs <- err
		}()
	}
	time.Sleep(50 * time.Millisecond) // let them all queue behind the stalled load
	fa.set(func(f *cacheFA) { close(f.stall); f.stall = nil })
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if a, f, fl := fa.app.Load(), fa.frm.Load(), fa.fields.Load(); a != 1 || f != 1 || fl != 1 {
		t.Errorf("calls: application %d, form %d, fields %d; want 1 each", a, f, fl)
	}
	// Views after the load cost nothing.
	for i := 0; i < 100; i++ {
		c.Get(context.Background())
	}
	if n := fa.frm.Load() + fa.fields.Load(); n != 2 {
		t.Errorf("cached views made FusionAuth calls: %d form+field calls in all", n)
	}
}

// TestFormCacheRefreshKeepsLastGood: the background refresh picks up an
// admin's change; while FusionAuth fails it keeps serving the last good
// definition and logs the failure once, then logs the recovery.
func TestFormCacheRefreshKeepsLastGood(t *testing.T) {
	fa := &cacheFA{}
	var logs lockedBuffer
	c := newFormCache(fa, "app", "f1", 20*time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)))
	defer c.Close()
	if required(t, c) {
		t.Fatal("field required before the admin changed it")
	}
	if fa.app.Load() != 0 {
		t.Error("a configured form id must not need the application")
	}

	fa.set(func(f *cacheFA) { f.required = true })
	eventually(t, func() bool { return required(t, c) }, "the field made required in FusionAuth")

	fa.set(func(f *cacheFA) { f.fail = true; f.required = false })
	start := fa.frm.Load()
	eventually(t, func() bool { return fa.frm.Load() >= start+5 }, "five failed refreshes")
	if !required(t, c) {
		t.Error("a failed refresh replaced the last good definition")
	}
	if n := strings.Count(logs.String(), "loading form definitions failed"); n != 1 {
		t.Errorf("failure logged %d times over several failed refreshes, want once:\n%s", n, logs.String())
	}

	fa.set(func(f *cacheFA) { f.fail = false })
	eventually(t, func() bool { return !required(t, c) }, "the definition after recovery")
	eventually(t, func() bool { return strings.Contains(logs.String(), "form definitions loaded again") }, "the recovery log line")
	if c.Age() > time.Second {
		t.Errorf("age %s after a fresh load", c.Age())
	}
}

func eventually(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
