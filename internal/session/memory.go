package session

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"time"
)

// MemoryStore is a Store kept in a map. It is meant for tests and single-run
// demos: entries are lost on restart. Expired entries are removed when they
// are next touched and by Count.
type MemoryStore struct {
	mu  sync.Mutex
	m   map[string]memEntry
	now func() time.Time
}

type memEntry struct {
	val     []byte
	expires time.Time
}

var _ Store = (*MemoryStore)(nil)

// NewMemory returns an empty in-memory store.
func NewMemory() *MemoryStore {
	return &MemoryStore{m: make(map[string]memEntry), now: time.Now}
}

// Get implements Store.
func (s *MemoryStore) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key)
	if !ok {
		return nil, ErrNotFound
	}
	return clone(e.val), nil
}

// Set implements Store.
func (s *MemoryStore) Set(_ context.Context, key string, val []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return errBadTTL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = memEntry{val: clone(val), expires: s.now().Add(ttl)}
	return nil
}

// Take implements Store.
func (s *MemoryStore) Take(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key)
	if !ok {
		return nil, ErrNotFound
	}
	delete(s.m, key)
	return e.val, nil
}

// CompareAndSet implements Store.
func (s *MemoryStore) CompareAndSet(_ context.Context, key string, old, val []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, errBadTTL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.live(key)
	if !ok || !bytes.Equal(e.val, old) {
		return false, nil
	}
	s.m[key] = memEntry{val: clone(val), expires: s.now().Add(ttl)}
	return true, nil
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

// Count implements Store; it also drops expired entries.
func (s *MemoryStore) Count(_ context.Context, prefix string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	n := 0
	for k, e := range s.m {
		switch {
		case !now.Before(e.expires):
			delete(s.m, k)
		case strings.HasPrefix(k, prefix):
			n++
		}
	}
	return n, nil
}

// Close implements Store; the store stays usable afterwards.
func (s *MemoryStore) Close() error { return nil }

// live returns the entry for key if it has not expired, deleting it if it has.
// The caller holds s.mu.
func (s *MemoryStore) live(key string) (memEntry, bool) {
	e, ok := s.m[key]
	if !ok {
		return memEntry{}, false
	}
	if !s.now().Before(e.expires) {
		delete(s.m, key)
		return memEntry{}, false
	}
	return e, true
}

// clone copies b so that stored values never alias a caller's buffer.
// A nil or empty value comes back as an empty, non-nil slice.
func clone(b []byte) []byte {
	return append([]byte{}, b...)
}
