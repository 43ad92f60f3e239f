// Package session keeps server-side sessions: a small key/value Store with
// expiry (SQLite, Redis or memory) and a Manager that ties a store entry to an
// opaque cookie.
package session

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by Get and Take when a key is missing or expired.
var ErrNotFound = errors.New("session: not found")

// errBadTTL rejects entries that would never expire or are already expired;
// every entry in a session store must go away on its own.
var errBadTTL = errors.New("session: ttl must be positive")

// Store is a raw key/value store with per-entry expiry. Implementations are
// safe for concurrent use and copy values in and out, so callers may reuse
// their buffers.
type Store interface {
	// Get returns the value of key, or ErrNotFound when missing or expired.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores val under key for ttl, replacing any earlier value.
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	// Take atomically returns and deletes key: of several concurrent callers
	// exactly one gets the value, the others ErrNotFound. Used for
	// single-use pending sign-ins.
	Take(ctx context.Context, key string) ([]byte, error)
	// CompareAndSet stores val under key for ttl only if key is live and
	// holds exactly old, and reports whether it did (a missing or expired key
	// reports false, not an error). Manager.Save uses it so that a save
	// cannot bring back a session deleted meanwhile (sign-out in another
	// tab) or overwrite what a concurrent request stored after this one read
	// the record.
	CompareAndSet(ctx context.Context, key string, old, val []byte, ttl time.Duration) (bool, error)
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// Count returns the number of live entries whose key starts with
	// prefix ("" counts all), for metrics.
	Count(ctx context.Context, prefix string) (int, error)
	// Close releases the store's resources.
	Close() error
}
