package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/sync/singleflight"
)

// remoteKeys verifies JWS signatures against the provider's JWKS. Keys are
// cached; a token whose kid is not in the cache (key rotation) triggers one
// refetch, shared by all concurrent callers. We use this instead of
// go-oidc's RemoteKeySet because that one can hand a just-finished fetch's
// stale result to the next caller, so a rotated key is sometimes missed.
type remoteKeys struct {
	url   string
	hc    *http.Client
	group singleflight.Group

	mu   sync.RWMutex
	keys []jose.JSONWebKey
}

var asymmetricAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512,
	jose.PS256, jose.PS384, jose.PS512, jose.EdDSA,
}

// VerifySignature implements oidc.KeySet. The algorithm allow-list has
// already been applied by the go-oidc verifier before this is called.
func (r *remoteKeys) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSigned(raw, asymmetricAlgs)
	if err != nil {
		return nil, fmt.Errorf("malformed jws: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("expected exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	r.mu.RLock()
	cached := r.keys
	r.mu.RUnlock()
	if payload, ok := verifyWith(jws, cached, kid); ok {
		return payload, nil
	}
	ch := r.group.DoChan("jwks", func() (any, error) { return r.fetch() })
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			return nil, fmt.Errorf("fetching keys: %w", res.Err)
		}
		if payload, ok := verifyWith(jws, res.Val.([]jose.JSONWebKey), kid); ok {
			return payload, nil
		}
	}
	return nil, errors.New("no published key verifies the signature")
}

func verifyWith(jws *jose.JSONWebSignature, keys []jose.JSONWebKey, kid string) ([]byte, bool) {
	for i := range keys {
		if kid != "" && keys[i].KeyID != kid {
			continue
		}
		if payload, err := jws.Verify(&keys[i]); err == nil {
			return payload, true
		}
	}
	return nil, false
}

// fetch downloads the JWKS and replaces the cache. It runs detached from
// any one caller's context so a cancelled request does not fail the others.
func (r *remoteKeys) fetch() ([]jose.JSONWebKey, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := r.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jwks answered status %d", resp.StatusCode)
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.keys = keys
	r.mu.Unlock()
	return keys, nil
}

// parseJWKS reads a JWK set, skipping keys that cannot verify signatures:
// kinds go-jose does not know (an X25519 or secp256k1 key, a future kty),
// malformed ones, and encryption keys. One such key next to the signing
// keys must not make every sign-in fail.
func parseJWKS(body []byte) ([]jose.JSONWebKey, error) {
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("jwks is not a JSON key set: %w", err)
	}
	keys := make([]jose.JSONWebKey, 0, len(raw.Keys))
	for _, m := range raw.Keys {
		var k jose.JSONWebKey
		if err := json.Unmarshal(m, &k); err != nil || k.Use == "enc" {
			continue
		}
		if !k.IsPublic() {
			k = k.Public() // a symmetric key becomes invalid here
		}
		if !k.Valid() {
			continue
		}
		keys = append(keys, k)
	}
	return keys, nil
}
