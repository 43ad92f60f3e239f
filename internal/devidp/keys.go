package devidp

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"sync"
)

// rsaKey is one RS256 signing key and its key id.
type rsaKey struct {
	kid  string
	priv *rsa.PrivateKey
}

// keyring holds the published keys; the last one signs. One 2048-bit key is
// generated per Server (generation is the slowest part of New).
type keyring struct {
	mu        sync.RWMutex
	published []rsaKey
	hidden    *rsaKey // for the UnknownKID fault; generated on first use
}

func newRSAKey() (rsaKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return rsaKey{}, err
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return rsaKey{kid: hex.EncodeToString(b), priv: priv}, nil
}

func newKeyring() (*keyring, error) {
	k, err := newRSAKey()
	if err != nil {
		return nil, err
	}
	return &keyring{published: []rsaKey{k}}, nil
}

// RotateKey publishes a new signing key and signs with it from now on; the old
// keys stay in the JWKS so earlier tokens still verify. Clients holding a
// cached JWKS see an unknown kid and must fetch the JWKS again.
func (s *Server) RotateKey() error {
	k, err := newRSAKey()
	if err != nil {
		return err
	}
	s.keys.mu.Lock()
	s.keys.published = append(s.keys.published, k)
	s.keys.mu.Unlock()
	return nil
}

func (kr *keyring) current() rsaKey {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	return kr.published[len(kr.published)-1]
}

func (kr *keyring) hiddenKey() (rsaKey, error) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if kr.hidden == nil {
		k, err := newRSAKey()
		if err != nil {
			return rsaKey{}, err
		}
		kr.hidden = &k
	}
	return *kr.hidden, nil
}

func (kr *keyring) byKID(kid string) (rsaKey, bool) {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	for _, k := range kr.published {
		if k.kid == kid {
			return k, true
		}
	}
	return rsaKey{}, false
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// sign encodes claims as an RS256 JWT with typ JWT, kid and FusionAuth's gty
// header, applying the signature faults.
func (s *Server) sign(claims map[string]any, gty []string, f FaultConfig) (string, error) {
	key := s.keys.current()
	if f.UnknownKID {
		k, err := s.keys.hiddenKey()
		if err != nil {
			return "", err
		}
		key = k
	}
	header := map[string]any{"alg": "RS256", "typ": "JWT", "kid": key.kid}
	if len(gty) > 0 {
		header["gty"] = gty
	}
	if f.AlgNone {
		header = map[string]any{"alg": "none", "typ": "JWT"}
	}
	hb, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64(hb) + "." + b64(cb)
	if f.AlgNone {
		return input + ".", nil
	}
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key.priv, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	if f.BadSignature {
		sig[len(sig)/2] ^= 0xff
	}
	return input + "." + b64(sig), nil
}

var errBadToken = errors.New("token is malformed or its signature is invalid")

// verify checks a JWT signed by one of the published keys and returns its
// claims (numbers as json.Number). Expiry is the caller's business.
func (s *Server) verify(token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errBadToken
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, errBadToken
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if json.Unmarshal(hb, &header) != nil || header.Alg != "RS256" {
		return nil, errBadToken
	}
	key, ok := s.keys.byKID(header.Kid)
	if !ok {
		return nil, errBadToken
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&key.priv.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		return nil, errBadToken
	}
	dec := json.NewDecoder(bytes.NewReader(cb))
	dec.UseNumber()
	var claims map[string]any
	if dec.Decode(&claims) != nil || claims == nil {
		return nil, errBadToken
	}
	return claims, nil
}

func (s *Server) handleJWKS(w http.ResponseWriter, r *http.Request) {
	s.keys.mu.RLock()
	keys := make([]map[string]any, 0, len(s.keys.published))
	for _, k := range s.keys.published {
		pub := k.priv.PublicKey
		keys = append(keys, map[string]any{
			"alg": "RS256",
			"e":   b64(big.NewInt(int64(pub.E)).Bytes()),
			"kid": k.kid,
			"kty": "RSA",
			"n":   b64(pub.N.Bytes()),
			"use": "sig",
		})
	}
	s.keys.mu.RUnlock()
	writeJSON(w, http.StatusOK, map[string]any{"keys": keys})
}
