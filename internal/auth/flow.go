package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// ErrInvalidGrant means the provider rejected the code or refresh token
// (expired, revoked, already used). For a refresh it ends the session.
var ErrInvalidGrant = errors.New("auth: invalid grant")

// Pending is one sign-in in progress, stored by the caller under State until
// the callback. It is JSON-serialisable.
type Pending struct {
	State    string    `json:"state"`
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"`
	ReturnTo string    `json:"returnTo,omitempty"`
	Register bool      `json:"register,omitempty"`
	Created  time.Time `json:"created"`
	// Draft keeps form input across a re-sign-in (the caller fills it).
	Draft map[string][]string `json:"draft,omitempty"`
	// Browser binds the sign-in to the browser that started it (the caller
	// fills it, e.g. with a hash of a cookie value, and checks it at the
	// callback), so a callback URL cannot sign another browser in.
	Browser string `json:"browser,omitempty"`
}

// Tokens are what the token endpoint returned.
type Tokens struct {
	AccessToken  string    `json:"accessToken"`
	RefreshToken string    `json:"refreshToken,omitempty"`
	IDToken      string    `json:"idToken,omitempty"`
	Expiry       time.Time `json:"expiry"`
}

// Identity is the signed-in user: ID token claims merged with userinfo.
type Identity struct {
	Subject           string
	Email             string
	EmailVerified     bool
	Name              string
	GivenName         string
	FamilyName        string
	PreferredUsername string
	Claims            map[string]any
}

// AuthURL returns the URL to send the browser to and the Pending to store.
// register selects FusionAuth's registration page.
func (p *Provider) AuthURL(register bool) (string, Pending) {
	pend := Pending{
		State:    randomString(),
		Nonce:    randomString(),
		Verifier: oauth2.GenerateVerifier(),
		Register: register,
		Created:  p.now(),
	}
	cfg := p.oauth
	if register {
		cfg.Endpoint.AuthURL = p.registerURL
	}
	u := cfg.AuthCodeURL(pend.State,
		oauth2.S256ChallengeOption(pend.Verifier),
		oauth2.SetAuthURLParam("nonce", pend.Nonce))
	return u, pend
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics internally if it cannot)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Exchange trades the code for tokens, verifies the ID token (including
// nonce == pend.Nonce) and merges userinfo claims into the Identity.
func (p *Provider) Exchange(ctx context.Context, pend Pending, code string) (Tokens, Identity, error) {
	if code == "" || pend.Nonce == "" || pend.Verifier == "" {
		return Tokens{}, Identity{}, errors.New("auth: exchange needs a code and a pending sign-in with nonce and verifier")
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.hc)
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(pend.Verifier))
	if err != nil {
		return Tokens{}, Identity{}, tokenError("code exchange", err)
	}
	t := tokensFrom(tok)
	if t.IDToken == "" {
		return Tokens{}, Identity{}, verr("missing id token", "token response has no id_token (is the openid scope allowed?)")
	}
	idt, claims, err := p.verifyIDToken(ctx, t.IDToken, t.AccessToken)
	if err != nil {
		return Tokens{}, Identity{}, err
	}
	if idt.Nonce != pend.Nonce {
		return Tokens{}, Identity{}, verr("nonce mismatch", "id token nonce does not match the pending sign-in")
	}
	if p.userinfoURL != "" {
		info, err := p.userinfo(ctx, t.AccessToken)
		var ve *VerificationError
		switch {
		case errors.As(err, &ve):
			return Tokens{}, Identity{}, err
		case err != nil:
			// The ID token is verified and enough to sign in; userinfo only
			// adds profile claims, so its failure is not fatal.
			p.log.WarnContext(ctx, "userinfo failed; using id token claims only", "err", err)
		default:
			if sub, _ := info["sub"].(string); sub != idt.Subject {
				return Tokens{}, Identity{}, verr("userinfo subject mismatch", "userinfo sub differs from id token sub")
			}
			for k, v := range info {
				if !protectedClaims[k] {
					claims[k] = v
				}
			}
		}
	}
	return t, identityFrom(claims), nil
}

// protectedClaims come from the verified ID token only; userinfo cannot
// override them.
var protectedClaims = map[string]bool{
	"iss": true, "sub": true, "aud": true, "exp": true, "iat": true, "nbf": true,
	"nonce": true, "azp": true, "at_hash": true, "c_hash": true, "auth_time": true, "jti": true,
}

// Refresh uses the refresh token. The provider may rotate the refresh token
// (we keep the new one) or not (we keep the old one). A new ID token must
// pass verification, carry the same subject, and either no nonce or the
// original sign-in's nonce. Safe for concurrent use; callers still
// coalesce refreshes per session so a rotated token is not spent twice.
func (p *Provider) Refresh(ctx context.Context, t Tokens, nonce string) (Tokens, error) {
	if t.RefreshToken == "" {
		return Tokens{}, fmt.Errorf("%w: no refresh token", ErrInvalidGrant)
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.hc)
	src := p.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: t.RefreshToken, Expiry: time.Unix(1, 0)})
	tok, err := src.Token()
	if err != nil {
		return Tokens{}, tokenError("refresh", err)
	}
	nt := tokensFrom(tok)
	if nt.RefreshToken == "" {
		nt.RefreshToken = t.RefreshToken
	}
	if nt.IDToken == "" {
		nt.IDToken = t.IDToken // still good as a logout hint
		return nt, nil
	}
	idt, _, err := p.verifyIDToken(ctx, nt.IDToken, nt.AccessToken)
	if err != nil {
		return Tokens{}, err
	}
	if idt.Nonce != "" && idt.Nonce != nonce {
		return Tokens{}, verr("nonce mismatch", "refreshed id token has a different nonce")
	}
	if old := unverifiedSubject(t.IDToken); old != "" && old != idt.Subject {
		return Tokens{}, verr("subject changed", "refreshed id token is for a different subject")
	}
	return nt, nil
}

func tokensFrom(tok *oauth2.Token) Tokens {
	id, _ := tok.Extra("id_token").(string)
	return Tokens{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, IDToken: id, Expiry: tok.Expiry}
}

// tokenError maps token endpoint failures: invalid_grant (and FusionAuth's
// older "not found" reasons for codes and refresh tokens) to ErrInvalidGrant.
func tokenError(what string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		var body struct {
			Reason string `json:"error_reason"`
		}
		_ = json.Unmarshal(re.Body, &body)
		if re.ErrorCode == "invalid_grant" || body.Reason == "refresh_token_not_found" || body.Reason == "auth_code_not_found" {
			return fmt.Errorf("auth: %s: %w (%s %s)", what, ErrInvalidGrant, re.ErrorCode, body.Reason)
		}
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		return fmt.Errorf("auth: %s: token endpoint answered %d %q (%s)", what, status, re.ErrorCode, body.Reason)
	}
	return fmt.Errorf("auth: %s: %w", what, err)
}

// unverifiedSubject reads sub from our own stored, previously verified ID
// token without checking it again (it may have expired since).
func unverifiedSubject(raw string) string {
	if raw == "" {
		return ""
	}
	parts := bytes.Split([]byte(raw), []byte("."))
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(string(parts[1]))
	if err != nil {
		return ""
	}
	var c struct {
		Sub string `json:"sub"`
	}
	_ = json.Unmarshal(payload, &c)
	return c.Sub
}

// userinfo fetches the userinfo endpoint with the access token. Only JSON
// answers are used; signed (application/jwt) userinfo is not supported.
func (p *Provider) userinfo(ctx context.Context, accessToken string) (map[string]any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.userinfoURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("userinfo: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("userinfo: reading body: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("userinfo: status %d", resp.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "application/jwt" {
		return nil, errors.New("userinfo: signed responses are not supported")
	}
	info := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&info); err != nil {
		return nil, fmt.Errorf("userinfo: not a JSON object: %w", err)
	}
	return info, nil
}

func identityFrom(c map[string]any) Identity {
	str := func(k string) string { s, _ := c[k].(string); return s }
	id := Identity{
		Subject:           str("sub"),
		Email:             str("email"),
		Name:              str("name"),
		GivenName:         str("given_name"),
		FamilyName:        str("family_name"),
		PreferredUsername: str("preferred_username"),
		Claims:            c,
	}
	switch v := c["email_verified"].(type) {
	case bool:
		id.EmailVerified = v
	case string:
		id.EmailVerified = v == "true"
	}
	return id
}
