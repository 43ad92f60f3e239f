package devidp

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"portal/internal/fusionauth"
)

// fallbackTenantID is the default tenant when the kickstart has no
// defaultTenantId variable.
const fallbackTenantID = "00000000-0000-4000-8000-00000000d0fa"

// store is the in-memory database. One mutex guards everything: the server
// is for development, so simplicity beats throughput.
type store struct {
	mu sync.Mutex

	tenant map[string]any // the single default tenant

	users     map[string]map[string]any            // user id -> user (no password, no registrations)
	passwords map[string]string                    // user id -> encoded hash
	regs      map[string]map[string]map[string]any // user id -> application id -> registration

	forms      map[string]fusionauth.Form
	formOrder  []string
	fields     map[string]fusionauth.FormField
	fieldOrder []string

	apps     map[string]map[string]any // raw application objects, as returned by the API
	appOrder []string
	keys     map[string]map[string]any // generated key metadata

	apiKeys []apiKey

	codes    map[string]*authCode
	refresh  map[string]*refreshToken // token value -> token
	sso      map[string]*ssoSession   // session id -> session
	idTokens map[string]time.Time     // jti of id tokens (Strict userinfo rejects them) -> expiry
	pending  map[string]*pendingReg   // registration in progress, by random id
}

// apiKey is one kickstart API key; endpoints nil means a super key.
type apiKey struct {
	key       string
	endpoints map[string][]string
}

func newStore() *store {
	return &store{
		tenant: map[string]any{"id": fallbackTenantID, "name": "Default", "issuer": "acme.com",
			"passwordValidationRules": map[string]any{"minLength": defaultPasswordMinLength, "maxLength": defaultPasswordMaxLength}},
		users:     map[string]map[string]any{},
		passwords: map[string]string{},
		regs:      map[string]map[string]map[string]any{},
		forms:     map[string]fusionauth.Form{},
		fields:    map[string]fusionauth.FormField{},
		apps:      map[string]map[string]any{},
		keys:      map[string]map[string]any{},
		codes:     map[string]*authCode{},
		refresh:   map[string]*refreshToken{},
		sso:       map[string]*ssoSession{},
		idTokens:  map[string]time.Time{},
		pending:   map[string]*pendingReg{},
	}
}

func (st *store) tenantID() string {
	id, _ := st.tenant["id"].(string)
	return id
}

// userByLoginID finds a user by email or username, case-insensitively.
// Caller holds st.mu.
func (st *store) userByLoginID(loginID string) map[string]any {
	loginID = strings.TrimSpace(loginID)
	if loginID == "" {
		return nil
	}
	for _, u := range st.users {
		for _, k := range []string{"email", "username"} {
			if v, _ := u[k].(string); v != "" && strings.EqualFold(v, loginID) {
				return u
			}
		}
	}
	return nil
}

// emailTaken reports whether another user already has this email.
// Caller holds st.mu.
func (st *store) emailTaken(email, exceptID string) bool {
	for id, u := range st.users {
		if v, _ := u["email"].(string); id != exceptID && v != "" && strings.EqualFold(v, email) {
			return true
		}
	}
	return false
}

// app returns the typed view of an application and a copy of the raw
// object. Caller holds st.mu.
func (st *store) app(id string) (fusionauth.Application, map[string]any, bool) {
	raw, ok := st.apps[id]
	if !ok {
		return fusionauth.Application{}, nil, false
	}
	var a fusionauth.Application
	b, _ := json.Marshal(raw)
	_ = json.Unmarshal(b, &a) // shapes were checked when the application was stored
	return a, copyMap(raw), true
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func nowMillis() int64 { return time.Now().UnixMilli() }

// pbkdf2Iterations is lower than FusionAuth's default (24000) to keep tests
// fast; the dev server never stores real passwords.
const pbkdf2Iterations = 10000

func hashPassword(pw string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key, _ := pbkdf2.Key(sha256.New, pw, salt, pbkdf2Iterations, 32)
	return b64(salt) + "." + b64(key)
}

func checkPassword(encoded, pw string) bool {
	salt64, key64, ok := strings.Cut(encoded, ".")
	if !ok {
		return false
	}
	salt, err1 := base64.RawURLEncoding.DecodeString(salt64)
	want, err2 := base64.RawURLEncoding.DecodeString(key64)
	if err1 != nil || err2 != nil {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, pw, salt, pbkdf2Iterations, 32)
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// deepCopy clones a JSON-shaped value so stored records never alias request
// or response data.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, x := range t {
			a[i] = deepCopy(x)
		}
		return a
	default:
		return v
	}
}

func copyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return deepCopy(m).(map[string]any)
}
