package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"portal/internal/form"
)

// formCache keeps the profile form's definition in memory so a page view
// costs no FusionAuth call for it. The first load blocks (single flight);
// after that a background loop refreshes it every ttl, and a failed refresh
// keeps serving the last good definition and logs once until it recovers.
// So a field an admin adds or makes required shows within ttl (plus one
// FusionAuth round trip), with no restart.
type formCache struct {
	fa     FusionAuth
	appID  string
	formID string // configured; empty: from the application
	ttl    time.Duration
	log    *slog.Logger

	mu       sync.RWMutex
	def      *form.Definition
	loadedAt time.Time
	failing  bool

	sf     singleflight.Group
	stop   chan struct{}
	once   sync.Once
	loopOn sync.Once
}

func newFormCache(fa FusionAuth, appID, formID string, ttl time.Duration, log *slog.Logger) *formCache {
	return &formCache{fa: fa, appID: appID, formID: formID, ttl: ttl, log: log, stop: make(chan struct{})}
}

// errNoForm means the application points at no form the portal can show.
var errNoForm = errors.New("the application has no self-service or registration form")

// Get returns the current definition, loading it on first use.
func (c *formCache) Get(ctx context.Context) (*form.Definition, error) {
	c.mu.RLock()
	def := c.def
	c.mu.RUnlock()
	if def != nil {
		return def, nil
	}
	v, err, _ := c.sf.Do("load", func() (any, error) { return c.load(context.WithoutCancel(ctx)) })
	if err != nil {
		return nil, err
	}
	c.loopOn.Do(func() { go c.loop() })
	return v.(*form.Definition), nil
}

// Age is how old the served definition is (for metrics).
func (c *formCache) Age() time.Duration {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.loadedAt.IsZero() {
		return 0
	}
	return time.Since(c.loadedAt)
}

func (c *formCache) loop() {
	t := time.NewTicker(c.ttl)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			c.sf.Do("load", func() (any, error) { return c.load(ctx) })
			cancel()
		}
	}
}

// load fetches the form and all fields (two calls, or three when the form id
// comes from the application) and swaps the definition in.
func (c *formCache) load(ctx context.Context) (*form.Definition, error) {
	def, err := c.fetch(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		if !c.failing {
			c.log.Error("loading form definitions failed; serving the last good ones", "err", err)
		}
		c.failing = true
		return c.def, err
	}
	if c.failing {
		c.log.Info("form definitions loaded again")
	}
	c.failing = false
	for _, p := range def.Problems() {
		c.log.Warn("form definition problem", "problem", p)
	}
	c.def, c.loadedAt = def, time.Now()
	return def, nil
}

func (c *formCache) fetch(ctx context.Context) (*form.Definition, error) {
	formID := c.formID
	if formID == "" {
		app, err := c.fa.RetrieveApplication(ctx, c.appID)
		if err != nil {
			return nil, fmt.Errorf("retrieve application %s: %w", c.appID, err)
		}
		formID = app.FormConfiguration.SelfServiceFormID
		if formID == "" && app.RegistrationConfiguration.Type == "advanced" {
			formID = app.RegistrationConfiguration.FormID
		}
		if formID == "" {
			return nil, errNoForm
		}
	}
	f, err := c.fa.RetrieveForm(ctx, formID)
	if err != nil {
		return nil, fmt.Errorf("retrieve form %s: %w", formID, err)
	}
	fields, err := c.fa.RetrieveFormFields(ctx)
	if err != nil {
		return nil, fmt.Errorf("retrieve form fields: %w", err)
	}
	return form.NewDefinition(f, fields)
}

func (c *formCache) Close() { c.once.Do(func() { close(c.stop) }) }
