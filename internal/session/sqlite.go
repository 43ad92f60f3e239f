package session

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go)
)

// SQLiteStore is a Store in one SQLite file, the default for a single
// instance. Writes go through one connection so that writers queue in Go
// instead of failing with SQLITE_BUSY; reads use a separate pool, which WAL
// mode lets run alongside the writer.
type SQLiteStore struct {
	w, r *sql.DB // w == r when not using a single writer (benchmarks only)

	get, count         *sql.Stmt // on r
	set, take, del, sw *sql.Stmt // on w
	cas                *sql.Stmt // on w

	now       func() time.Time
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

var _ Store = (*SQLiteStore)(nil)

type sqliteConfig struct {
	sweepEvery   time.Duration
	singleWriter bool
	now          func() time.Time
}

const sqliteSchema = `
CREATE TABLE IF NOT EXISTS kv (
	key     TEXT PRIMARY KEY,
	value   BLOB NOT NULL,
	expires INTEGER NOT NULL -- unix milliseconds
);
CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires);`

// NewSQLite opens (or creates) the store at path. A new file and its missing
// parent directories are created readable by the owner only (0600 / 0700),
// because the rows hold OAuth tokens. Expired rows are swept every minute
// until Close.
func NewSQLite(path string) (*SQLiteStore, error) {
	return openSQLite(path, sqliteConfig{sweepEvery: time.Minute, singleWriter: true, now: time.Now})
}

func openSQLite(path string, cfg sqliteConfig) (*SQLiteStore, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("session: invalid SQLite path %q (empty, or contains ? or #)", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("session: create directory for SQLite store: %w", err)
	}
	// Create the file ourselves so its mode is 0600; SQLite gives the -wal and
	// -shm files the same mode as the database file.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("session: open SQLite file: %w", err)
	}
	f.Close()

	dsn := path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	s := &SQLiteStore{now: cfg.now, stop: make(chan struct{}), done: make(chan struct{})}
	if s.w, err = sql.Open("sqlite", dsn); err != nil {
		return nil, fmt.Errorf("session: open SQLite: %w", err)
	}
	s.w.SetConnMaxIdleTime(0)
	if cfg.singleWriter {
		s.w.SetMaxOpenConns(1)
		if s.r, err = sql.Open("sqlite", dsn+"&_query_only=1"); err != nil {
			s.w.Close()
			return nil, fmt.Errorf("session: open SQLite: %w", err)
		}
	} else {
		s.r = s.w
	}
	n := max(4, runtime.GOMAXPROCS(0))
	s.r.SetMaxOpenConns(n)
	s.r.SetMaxIdleConns(n)

	if err := s.prepare(); err != nil {
		s.closeDBs()
		return nil, err
	}
	go s.sweeper(cfg.sweepEvery)
	return s, nil
}

// prepare creates the schema and the prepared statements.
func (s *SQLiteStore) prepare() error {
	ctx := context.Background()
	if _, err := s.w.ExecContext(ctx, sqliteSchema); err != nil {
		return fmt.Errorf("session: create SQLite schema: %w", err)
	}
	stmts := []struct {
		db   *sql.DB
		dst  **sql.Stmt
		text string
	}{
		{s.r, &s.get, `SELECT value FROM kv WHERE key = ? AND expires > ?`},
		{s.r, &s.count, `SELECT count(*) FROM kv WHERE expires > ?1 AND substr(key, 1, length(?2)) = ?2`},
		{s.w, &s.set, `INSERT INTO kv (key, value, expires) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires`},
		{s.w, &s.cas, `UPDATE kv SET value = ?, expires = ? WHERE key = ? AND value = ? AND expires > ?`},
		{s.w, &s.take, `DELETE FROM kv WHERE key = ? RETURNING value, expires`},
		{s.w, &s.del, `DELETE FROM kv WHERE key = ?`},
		{s.w, &s.sw, `DELETE FROM kv WHERE expires <= ?`},
	}
	for _, st := range stmts {
		p, err := st.db.PrepareContext(ctx, st.text)
		if err != nil {
			return fmt.Errorf("session: prepare SQLite statement: %w", err)
		}
		*st.dst = p
	}
	return nil
}

// Get implements Store.
func (s *SQLiteStore) Get(ctx context.Context, key string) ([]byte, error) {
	var val []byte
	err := s.get.QueryRowContext(ctx, key, s.now().UnixMilli()).Scan(&val)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("session: sqlite get: %w", err)
	}
	return nonNil(val), nil
}

// Set implements Store.
func (s *SQLiteStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return errBadTTL
	}
	// A nil []byte would be stored as NULL and violate NOT NULL.
	if _, err := s.set.ExecContext(ctx, key, nonNil(val), s.now().Add(ttl).UnixMilli()); err != nil {
		return fmt.Errorf("session: sqlite set: %w", err)
	}
	return nil
}

// CompareAndSet implements Store with one conditional UPDATE,
// which is atomic on its own.
func (s *SQLiteStore) CompareAndSet(ctx context.Context, key string, old, val []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, errBadTTL
	}
	now := s.now()
	res, err := s.cas.ExecContext(ctx, nonNil(val), now.Add(ttl).UnixMilli(), key, nonNil(old), now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("session: sqlite compare-and-set: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("session: sqlite compare-and-set: %w", err)
	}
	return n == 1, nil
}

// Take implements Store with DELETE … RETURNING, which is atomic on its own.
// An expired row is deleted too, but reported as ErrNotFound.
func (s *SQLiteStore) Take(ctx context.Context, key string) ([]byte, error) {
	var val []byte
	var expires int64
	err := s.take.QueryRowContext(ctx, key).Scan(&val, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("session: sqlite take: %w", err)
	}
	if expires <= s.now().UnixMilli() {
		return nil, ErrNotFound
	}
	return nonNil(val), nil
}

// Delete implements Store.
func (s *SQLiteStore) Delete(ctx context.Context, key string) error {
	if _, err := s.del.ExecContext(ctx, key); err != nil {
		return fmt.Errorf("session: sqlite delete: %w", err)
	}
	return nil
}

// Count implements Store.
func (s *SQLiteStore) Count(ctx context.Context, prefix string) (int, error) {
	var n int
	if err := s.count.QueryRowContext(ctx, s.now().UnixMilli(), prefix).Scan(&n); err != nil {
		return 0, fmt.Errorf("session: sqlite count: %w", err)
	}
	return n, nil
}

// nonNil maps nil to an empty slice: Scan already copies into a fresh slice,
// but reads an empty BLOB as nil, and a nil argument would be bound as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// sweep deletes expired rows and reports how many went.
func (s *SQLiteStore) sweep(ctx context.Context) (int64, error) {
	res, err := s.sw.ExecContext(ctx, s.now().UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("session: sqlite sweep: %w", err)
	}
	return res.RowsAffected()
}

// sweeper keeps the file from growing with sessions nobody comes back to;
// reads already ignore expired rows, so a late sweep is harmless.
func (s *SQLiteStore) sweeper(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if _, err := s.sweep(context.Background()); err != nil {
				slog.Warn("session sweep failed", "err", err)
			}
		}
	}
}

// Close stops the sweeper and closes the database. It is safe to call more
// than once.
func (s *SQLiteStore) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.closeErr = s.closeDBs()
	})
	return s.closeErr
}

// closeDBs closes the reader pool first so the writer's close, the last
// connection, can checkpoint and remove the WAL file.
func (s *SQLiteStore) closeDBs() error {
	var errR error
	if s.r != nil && s.r != s.w {
		errR = s.r.Close()
	}
	return errors.Join(errR, s.w.Close())
}
