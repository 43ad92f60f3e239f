package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Test fixtures shared by the auth tests.
const (
	testClientID = "client-1"
	// 32+ bytes: HS256 keys must be at least as long as the hash.
	testSecret   = "a-client-secret-of-at-least-32-bytes!"
	testRedirect = "http://portal.test/callback"
	testSubject  = "user-1"
)

var testNow = time.Unix(1_700_000_000, 0)

// testOP is a small OpenID provider: discovery, JWKS, token and userinfo
// endpoints, with knobs to produce each kind of bad answer.
type testOP struct {
	t   *testing.T
	srv *httptest.Server

	mu           sync.Mutex
	discIssuer   string // "" means srv.URL
	noEndSession bool
	published    []jose.JSONWebKey // public keys served at the JWKS URL
	jwksFetches  int
	jwksDown     bool
	tokenReply   func(form url.Values) (int, any) // token endpoint answer
	tokenForms   []url.Values
	userinfo     map[string]any
	userinfoCode int
	userinfoAuth string
}

// testKey is a signing key and its kid.
type testKey struct {
	kid string
	key *rsa.PrivateKey
}

var (
	keyOnce  sync.Once
	keyCache []*rsa.PrivateKey
)

// rsaKey returns one of a few RSA keys generated once per test binary.
func rsaKey(t *testing.T, i int) *rsa.PrivateKey {
	keyOnce.Do(func() {
		for range 3 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keyCache = append(keyCache, k)
		}
	})
	return keyCache[i]
}

func newOP(t *testing.T) (*testOP, testKey) {
	t.Helper()
	op := &testOP{t: t, userinfoCode: 200}
	k := testKey{kid: "k1", key: rsaKey(t, 0)}
	op.publish(k)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", op.discovery)
	mux.HandleFunc("GET /.well-known/jwks.json", op.jwks)
	mux.HandleFunc("POST /oauth2/token", op.token)
	mux.HandleFunc("GET /oauth2/userinfo", op.userinfoHandler)
	op.srv = httptest.NewServer(mux)
	t.Cleanup(op.srv.Close)
	op.userinfo = map[string]any{"sub": testSubject, "email": "jo@example.com", "email_verified": true, "given_name": "Jo"}
	return op, k
}

func (op *testOP) publish(keys ...testKey) {
	op.mu.Lock()
	defer op.mu.Unlock()
	for _, k := range keys {
		op.published = append(op.published, jose.JSONWebKey{Key: &k.key.PublicKey, KeyID: k.kid, Algorithm: "RS256", Use: "sig"})
	}
}

func (op *testOP) discovery(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	iss := op.discIssuer
	noEnd := op.noEndSession
	op.mu.Unlock()
	if iss == "" {
		iss = op.srv.URL
	}
	d := map[string]any{
		"issuer":                                iss,
		"authorization_endpoint":                op.srv.URL + "/oauth2/authorize",
		"token_endpoint":                        op.srv.URL + "/oauth2/token",
		"userinfo_endpoint":                     op.srv.URL + "/oauth2/userinfo",
		"jwks_uri":                              op.srv.URL + "/.well-known/jwks.json",
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
	}
	if !noEnd {
		d["end_session_endpoint"] = op.srv.URL + "/oauth2/logout"
	}
	json.NewEncoder(w).Encode(d)
}

func (op *testOP) jwks(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	op.jwksFetches++
	set := jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey(nil), op.published...)}
	down := op.jwksDown
	op.mu.Unlock()
	if down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	json.NewEncoder(w).Encode(set)
}

func (op *testOP) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", 400)
		return
	}
	op.mu.Lock()
	op.tokenForms = append(op.tokenForms, r.PostForm)
	reply := op.tokenReply
	op.mu.Unlock()
	status, body := reply(r.PostForm)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func (op *testOP) userinfoHandler(w http.ResponseWriter, r *http.Request) {
	op.mu.Lock()
	op.userinfoAuth = r.Header.Get("Authorization")
	code, info := op.userinfoCode, op.userinfo
	op.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(info)
}

// replyTokens makes the token endpoint answer with these tokens.
func (op *testOP) replyTokens(idToken, refresh string) {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.tokenReply = func(url.Values) (int, any) {
		body := map[string]any{"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}
		if idToken != "" {
			body["id_token"] = idToken
		}
		if refresh != "" {
			body["refresh_token"] = refresh
		}
		return 200, body
	}
}

// claims returns valid ID token claims for nonce.
func (op *testOP) claims(nonce string) map[string]any {
	c := map[string]any{
		"iss": op.srv.URL, "aud": testClientID, "sub": testSubject,
		"iat": testNow.Unix(), "exp": testNow.Add(time.Hour).Unix(),
		"email": "id@example.com", "name": "Jo Doe",
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	return c
}

// sign returns a compact JWS of claims signed with k (RS256).
func sign(t *testing.T, k testKey, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: k.key, KeyID: k.kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	return signWith(t, s, claims)
}

func signHS256(t *testing.T, secret string, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(secret)}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	return signWith(t, s, claims)
}

func signWith(t *testing.T, s jose.Signer, claims map[string]any) string {
	t.Helper()
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// unsignedToken builds an alg "none" token.
func unsignedToken(claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	b, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(b) + "."
}

func (op *testOP) config() Config {
	return Config{
		Issuer: op.srv.URL, ClientID: testClientID, ClientSecret: testSecret, RedirectURL: testRedirect,
		PostLogoutRedirectURL: "http://portal.test/",
		HTTPClient:            op.srv.Client(),
		Now:                   func() time.Time { return testNow },
	}
}

func (op *testOP) provider(t *testing.T, mod func(*Config)) *Provider {
	t.Helper()
	c := op.config()
	if mod != nil {
		mod(&c)
	}
	p, err := New(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (op *testOP) fetches() int {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.jwksFetches
}

func (op *testOP) lastTokenForm() url.Values {
	op.mu.Lock()
	defer op.mu.Unlock()
	if len(op.tokenForms) == 0 {
		return nil
	}
	return op.tokenForms[len(op.tokenForms)-1]
}

// set changes the provider's knobs under its lock (handlers read them
// from other goroutines).
func (op *testOP) set(f func()) {
	op.mu.Lock()
	defer op.mu.Unlock()
	f()
}
