package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
)

// VerificationError means a token or userinfo answer failed a check. Reason
// is short and safe to log or show ("nonce mismatch", "expired"); Err holds
// the detail for logs. Callers restart the sign-in.
type VerificationError struct {
	Reason string
	Err    error
}

func (e *VerificationError) Error() string {
	if e.Err == nil {
		return "auth: token rejected: " + e.Reason
	}
	return "auth: token rejected: " + e.Reason + ": " + e.Err.Error()
}

func (e *VerificationError) Unwrap() error { return e.Err }

// SafeMessage is the text for users: it names no claim values.
func (e *VerificationError) SafeMessage() string {
	return "Your sign-in could not be verified. Please sign in again."
}

func verr(reason string, format string, args ...any) *VerificationError {
	return &VerificationError{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// keySet verifies HS* tokens with the client secret (only when such an
// algorithm is allowed) and everything else against the provider's JWKS.
// remoteKeys refetches the JWKS when a kid is unknown, which is how key
// rotation is picked up.
type keySet struct {
	remote   oidc.KeySet
	hmacAlgs []string
	secret   []byte
}

func (k *keySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	if len(k.secret) > 0 {
		algs := make([]jose.SignatureAlgorithm, len(k.hmacAlgs))
		for i, a := range k.hmacAlgs {
			algs[i] = jose.SignatureAlgorithm(a)
		}
		if jws, err := jose.ParseSigned(raw, algs); err == nil {
			return jws.Verify(k.secret)
		}
	}
	return k.remote.VerifySignature(ctx, raw)
}

// verifyIDToken checks an ID token: signature and algorithm (go-oidc), then
// exact issuer, audience and azp, exp/iat/nbf with the clock skew, and the
// access token hash when present. The nonce is checked by the caller because
// the rules differ between sign-in and refresh. It returns the token and its
// claims decoded with UseNumber.
func (p *Provider) verifyIDToken(ctx context.Context, raw, accessToken string) (*oidc.IDToken, map[string]any, error) {
	tok, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		reason := "bad signature or algorithm"
		if strings.Contains(err.Error(), "fetching keys") {
			reason = "signing keys unavailable"
		}
		return nil, nil, &VerificationError{Reason: reason, Err: err}
	}
	var payload json.RawMessage
	if err := tok.Claims(&payload); err != nil {
		return nil, nil, &VerificationError{Reason: "malformed claims", Err: err}
	}
	claims := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		return nil, nil, &VerificationError{Reason: "malformed claims", Err: err}
	}

	if tok.Issuer != p.issuer {
		return nil, nil, verr("wrong issuer", "iss %q, want %q", tok.Issuer, p.issuer)
	}
	if !slices.Contains(tok.Audience, p.clientID) {
		return nil, nil, verr("wrong audience", "aud %q does not contain client id %q", tok.Audience, p.clientID)
	}
	azp, hasAzp := claims["azp"]
	if hasAzp && azp != p.clientID {
		return nil, nil, verr("wrong authorized party", "azp %v, want %q", azp, p.clientID)
	}
	if len(tok.Audience) > 1 && !hasAzp {
		return nil, nil, verr("wrong authorized party", "several audiences %q and no azp", tok.Audience)
	}
	if tok.Subject == "" {
		return nil, nil, verr("missing subject", "no sub claim")
	}

	now := p.now()
	switch {
	case tok.Expiry.IsZero():
		return nil, nil, verr("missing expiry", "no exp claim")
	case now.After(tok.Expiry.Add(p.skew)):
		return nil, nil, verr("expired", "exp %s is before now %s minus skew %s", tok.Expiry.UTC(), now.UTC(), p.skew)
	case tok.IssuedAt.IsZero():
		return nil, nil, verr("missing issued-at", "no iat claim")
	case tok.IssuedAt.After(now.Add(p.skew)):
		return nil, nil, verr("issued in the future", "iat %s is after now %s plus skew %s", tok.IssuedAt.UTC(), now.UTC(), p.skew)
	}
	if v, ok := claims["nbf"]; ok {
		nbf, err := numericDate(v)
		if err != nil {
			return nil, nil, &VerificationError{Reason: "malformed claims", Err: err}
		}
		if nbf.After(now.Add(p.skew)) {
			return nil, nil, verr("not yet valid", "nbf %s is after now %s plus skew %s", nbf.UTC(), now.UTC(), p.skew)
		}
	}
	if tok.AccessTokenHash != "" && accessToken != "" {
		if err := tok.VerifyAccessToken(accessToken); err != nil {
			return nil, nil, &VerificationError{Reason: "access token hash mismatch", Err: err}
		}
	}
	return tok, claims, nil
}

func numericDate(v any) (time.Time, error) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, errors.New("time claim is not a number")
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, fmt.Errorf("time claim: %w", err)
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), nil
}
