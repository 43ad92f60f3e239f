package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStore is a Store in Redis, for several portal instances sharing
// sessions. Redis expires keys itself (SET … PX), so there is no sweeper.
type RedisStore struct {
	c      *redis.Client
	prefix string
}

var _ Store = (*RedisStore)(nil)

// DefaultRedisPrefix namespaces the portal's keys in a shared Redis.
const DefaultRedisPrefix = "portal:"

// NewRedis connects to the server at url (redis:// or rediss://, as accepted
// by redis.ParseURL) with the key prefix "portal:", and pings it so that a
// wrong address fails at start-up rather than on the first sign-in.
func NewRedis(url string) (*RedisStore, error) {
	return NewRedisPrefix(url, DefaultRedisPrefix)
}

// NewRedisPrefix is NewRedis with a chosen key prefix, so that several
// portals (or test runs) can share one Redis database.
func NewRedisPrefix(url, prefix string) (*RedisStore, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		// The URL may carry a password: do not echo it.
		return nil, errors.New("session: invalid Redis URL (expected redis://[user:password@]host:port/db)")
	}
	c := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("session: cannot reach Redis at %s: %w", opt.Addr, err)
	}
	return &RedisStore{c: c, prefix: prefix}, nil
}

// Get implements Store.
func (s *RedisStore) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := s.c.Get(ctx, s.prefix+key).Bytes()
	return redisResult(v, err, "get")
}

// Set implements Store. Redis keeps millisecond TTLs, so ttl is rounded up
// to a whole millisecond.
func (s *RedisStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return errBadTTL
	}
	ttl = ttl.Round(time.Millisecond)
	if ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	if err := s.c.Set(ctx, s.prefix+key, val, ttl).Err(); err != nil {
		return fmt.Errorf("session: redis set: %w", err)
	}
	return nil
}

// Take implements Store with GETDEL (Redis 6.2 or later), which is atomic.
func (s *RedisStore) Take(ctx context.Context, key string) ([]byte, error) {
	v, err := s.c.GetDel(ctx, s.prefix+key).Bytes()
	return redisResult(v, err, "take")
}

// casScript replaces KEYS[1] with ARGV[2] (TTL ARGV[3] ms) only if it holds
// exactly ARGV[1]; a script runs atomically in Redis.
var casScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
	return 1
end
return 0`)

// CompareAndSet implements Store with a Lua script.
func (s *RedisStore) CompareAndSet(ctx context.Context, key string, old, val []byte, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, errBadTTL
	}
	ms := max(ttl.Round(time.Millisecond).Milliseconds(), 1)
	n, err := casScript.Run(ctx, s.c, []string{s.prefix + key}, old, val, ms).Int()
	if err != nil {
		return false, fmt.Errorf("session: redis compare-and-set: %w", err)
	}
	return n == 1, nil
}

// Delete implements Store.
func (s *RedisStore) Delete(ctx context.Context, key string) error {
	if err := s.c.Del(ctx, s.prefix+key).Err(); err != nil {
		return fmt.Errorf("session: redis delete: %w", err)
	}
	return nil
}

// Count implements Store by SCANning the prefix. That is O(number of keys)
// per call, but always exact: a maintained counter would drift because
// Redis expires keys without telling us. Count is only called for metrics,
// so the cost is paid once per scrape.
func (s *RedisStore) Count(ctx context.Context, prefix string) (int, error) {
	n := 0
	iter := s.c.Scan(ctx, 0, globEscape(s.prefix+prefix)+"*", 1000).Iterator()
	for iter.Next(ctx) {
		n++
	}
	if err := iter.Err(); err != nil {
		return 0, fmt.Errorf("session: redis count: %w", err)
	}
	return n, nil
}

// Close implements Store.
func (s *RedisStore) Close() error { return s.c.Close() }

// globEscape quotes the characters SCAN MATCH treats as patterns, so a
// prefix is matched literally.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\*?[]^`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func redisResult(v []byte, err error, op string) ([]byte, error) {
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("session: redis %s: %w", op, err)
	}
	return v, nil
}
