package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// A JWKS that also lists keys go-jose cannot use (an X25519 key, a
// secp256k1 key, an unknown kty, a symmetric key) still verifies tokens
// signed with its RSA key; before, one such key failed every sign-in.
func TestJWKSSkipsUnusableKeys(t *testing.T) {
	k := testKey{kid: "k1", key: rsaKey(t, 0)}
	good, err := json.Marshal(jose.JSONWebKey{Key: &k.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	var body atomic.Value
	body.Store(`{"keys":[` +
		`{"kty":"OKP","crv":"X25519","kid":"x","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"},` +
		`{"kty":"EC","crv":"secp256k1","kid":"k","x":"AAAA","y":"AAAA"},` +
		`{"kty":"FUTURE","kid":"f"},` +
		`{"kty":"oct","kid":"k1","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"},` +
		`"not an object",` +
		string(good) + `]}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(body.Load().(string)))
	}))
	t.Cleanup(srv.Close)
	rk := &remoteKeys{url: srv.URL, hc: srv.Client()}
	raw := sign(t, k, map[string]any{"sub": "s"})
	if _, err := rk.VerifySignature(context.Background(), raw); err != nil {
		t.Fatalf("token signed with the published RSA key refused: %v", err)
	}
	if n := len(rk.keys); n != 1 {
		t.Errorf("%d keys kept, want only the RSA one", n)
	}
	// Not a key set at all still fails.
	body.Store(`<html>`)
	rk = &remoteKeys{url: srv.URL, hc: srv.Client()}
	if _, err := rk.VerifySignature(context.Background(), raw); err == nil {
		t.Error("HTML JWKS accepted")
	}
}
