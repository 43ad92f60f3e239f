package devidp

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"portal/internal/fusionauth"
)

// refreshToken is an issued refresh token. id stays the same across
// one-time-use rotation (it is the access token's sid).
type refreshToken struct {
	id, token, userID, appID string
	scope, nonce, ssoID      string
	authTime                 int64
	insertMillis             int64
	expires                  time.Time
}

func writeOAuthError(w http.ResponseWriter, e *oauthErr) {
	status := e.status
	if status == 0 {
		status = http.StatusBadRequest
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="FusionAuth"`)
	}
	writeJSON(w, status, fusionauth.OAuthError{Error: e.code, ErrorDescription: e.description, ErrorReason: e.reason})
}

var errClient = &oauthErr{status: http.StatusUnauthorized, code: "invalid_client", description: "The client could not be verified.", reason: "invalid_client_authentication"}

// authenticateClient applies client_secret_basic / client_secret_post and the
// application's clientAuthenticationPolicy.
func (s *Server) authenticateClient(r *http.Request) (fusionauth.Application, map[string]any, *oauthErr) {
	clientID, secret, basic := r.BasicAuth()
	if !basic {
		clientID, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	} else if bodyID := r.PostForm.Get("client_id"); bodyID != "" && bodyID != clientID {
		return fusionauth.Application{}, nil, errClient
	}
	s.st.mu.Lock()
	app, raw, ok := s.st.app(clientID)
	s.st.mu.Unlock()
	if !ok || !app.Active {
		return app, nil, errClient
	}
	policy := app.OAuthConfiguration.ClientAuthenticationPolicy
	switch {
	case secret != "":
		if subtle.ConstantTimeCompare([]byte(secret), []byte(app.OAuthConfiguration.ClientSecret)) != 1 {
			return app, nil, errClient
		}
	case policy == "NotRequired":
	case policy == "NotRequiredWhenUsingPKCE" && r.PostForm.Get("code_verifier") != "":
	default:
		return app, nil, &oauthErr{status: http.StatusUnauthorized, code: "invalid_client", description: "Client authentication is required.", reason: "client_authentication_missing"}
	}
	return app, raw, nil
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	f := s.faults.Get()
	if f.FailToken {
		writeOAuthError(w, &oauthErr{status: http.StatusInternalServerError, code: "server_error", description: "FusionAuth encountered an unexpected error.", reason: "unknown"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, &oauthErr{code: "invalid_request", description: "The request body could not be read as application/x-www-form-urlencoded.", reason: "invalid_request"})
		return
	}
	app, raw, oe := s.authenticateClient(r)
	if oe != nil {
		writeOAuthError(w, oe)
		return
	}
	gt := r.PostForm.Get("grant_type")
	switch gt {
	case "authorization_code", "refresh_token":
	case "":
		writeOAuthError(w, &oauthErr{code: "invalid_request", description: "The grant_type parameter is required.", reason: "missing_grant_type"})
		return
	default:
		writeOAuthError(w, &oauthErr{code: "unsupported_grant_type", description: "The grant_type [" + gt + "] is not supported.", reason: "invalid_grant_type"})
		return
	}
	if !slices.Contains(app.OAuthConfiguration.EnabledGrants, gt) {
		writeOAuthError(w, &oauthErr{code: "unauthorized_client", description: "The grant_type [" + gt + "] is not enabled for this application.", reason: "grant_type_disabled"})
		return
	}
	var resp map[string]any
	if gt == "authorization_code" {
		resp, oe = s.codeGrant(r, app, raw, f)
	} else {
		resp, oe = s.refreshGrant(r, app, raw, f)
	}
	if oe != nil {
		writeOAuthError(w, oe)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) codeGrant(r *http.Request, app fusionauth.Application, raw map[string]any, f FaultConfig) (map[string]any, *oauthErr) {
	code := r.PostForm.Get("code")
	if code == "" {
		return nil, &oauthErr{code: "invalid_request", description: "The code parameter is required.", reason: "missing_code"}
	}
	s.st.mu.Lock()
	c, ok := s.st.codes[code]
	delete(s.st.codes, code) // single use, even when the exchange fails
	s.st.mu.Unlock()
	if !ok || time.Now().After(c.expires) || c.clientID != app.ID {
		return nil, &oauthErr{code: "invalid_request", description: "Invalid Authorization Code", reason: "auth_code_not_found"}
	}
	redirect := r.PostForm.Get("redirect_uri")
	if redirect == "" {
		return nil, &oauthErr{code: "invalid_request", description: "The redirect_uri parameter is required.", reason: "missing_redirect_uri"}
	}
	if redirect != c.redirectURI {
		return nil, &oauthErr{code: "invalid_request", description: "The redirect_uri parameter does not match the one used on the authorization request.", reason: "invalid_redirect_uri"}
	}
	verifier := r.PostForm.Get("code_verifier")
	switch {
	case c.challenge != "" && verifier == "":
		return nil, &oauthErr{code: "invalid_request", description: "The code_verifier parameter is required.", reason: "missing_code_verifier"}
	case c.challenge == "" && verifier != "":
		return nil, &oauthErr{code: "invalid_request", description: "A code_verifier was sent but no code_challenge was sent on the authorization request.", reason: "invalid_pkce_code_verifier"}
	case c.challenge != "":
		sum := sha256.Sum256([]byte(verifier))
		if subtle.ConstantTimeCompare([]byte(b64(sum[:])), []byte(c.challenge)) != 1 {
			return nil, &oauthErr{code: "invalid_grant", description: "The code_verifier does not match the code_challenge.", reason: "invalid_pkce_code_verifier"}
		}
	}
	g := grant{app: app, raw: raw, userID: c.userID, scope: c.scope, nonce: c.nonce, ssoID: c.ssoID, authTime: c.authTime,
		authType: "PASSWORD", gty: []string{"authorization_code"}}
	if slices.Contains(strings.Fields(c.scope), "offline_access") && app.OAuthConfiguration.GenerateRefreshTokens &&
		slices.Contains(app.OAuthConfiguration.EnabledGrants, "refresh_token") {
		rt := &refreshToken{id: newID(), token: randomToken(), userID: c.userID, appID: app.ID, scope: c.scope,
			nonce: c.nonce, ssoID: c.ssoID, authTime: c.authTime, insertMillis: nowMillis(),
			expires: time.Now().Add(time.Duration(jwtSetting(raw, "refreshTokenTimeToLiveInMinutes", 43200)) * time.Minute)}
		s.st.mu.Lock()
		s.st.refresh[rt.token] = rt
		s.st.mu.Unlock()
		g.refresh = rt
		g.sendRefresh = true
	}
	return s.mint(g, f)
}

func (s *Server) refreshGrant(r *http.Request, app fusionauth.Application, raw map[string]any, f FaultConfig) (map[string]any, *oauthErr) {
	tok := r.PostForm.Get("refresh_token")
	if tok == "" {
		return nil, &oauthErr{code: "invalid_request", description: "The refresh_token parameter is required.", reason: "missing_refresh_token"}
	}
	g, oe := s.redeemRefresh(tok, r.PostForm.Get("scope"), app, raw, f)
	if oe != nil {
		return nil, oe
	}
	return s.mint(g, f)
}

// redeemRefresh looks the refresh token up and rotates it when the
// application (or the OneTimeRefreshTokens fault) says OneTimeUse.
func (s *Server) redeemRefresh(tok, asked string, app fusionauth.Application, raw map[string]any, f FaultConfig) (grant, *oauthErr) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	rt, ok := s.st.refresh[tok]
	_, userOK := s.st.users[rt.safeUser()]
	if !ok || !userOK || rt.appID != app.ID || time.Now().After(rt.expires) {
		return grant{}, &oauthErr{code: "invalid_grant", description: "The refresh_token is invalid.", reason: "refresh_token_not_found"}
	}
	scope := rt.scope
	if asked != "" {
		have := strings.Fields(rt.scope)
		for _, sc := range strings.Fields(asked) {
			if !slices.Contains(have, sc) {
				return grant{}, &oauthErr{code: "invalid_scope", description: "The requested scope exceeds the original grant.", reason: "unknown_scope"}
			}
		}
		scope = asked
	}
	g := grant{app: app, raw: raw, userID: rt.userID, scope: scope, nonce: rt.nonce, ssoID: rt.ssoID, authTime: rt.authTime,
		authType: "REFRESH_TOKEN", gty: []string{"authorization_code", "refresh_token"}, refresh: rt}
	if f.OneTimeRefreshTokens || jwtString(raw, "refreshTokenUsagePolicy") == "OneTimeUse" {
		next := *rt
		next.token = randomToken()
		delete(s.st.refresh, tok)
		s.st.refresh[next.token] = &next
		g.refresh = &next
		g.sendRefresh = true
	}
	return g, nil
}

func (rt *refreshToken) safeUser() string {
	if rt == nil {
		return ""
	}
	return rt.userID
}

// jwtSetting reads a number from application.jwtConfiguration.
func jwtSetting(raw map[string]any, key string, def int64) int64 {
	jc, _ := raw["jwtConfiguration"].(map[string]any)
	switch v := jc[key].(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil && n > 0 {
			return n
		}
	case float64:
		if v > 0 {
			return int64(v)
		}
	}
	return def
}

func jwtString(raw map[string]any, key string) string {
	jc, _ := raw["jwtConfiguration"].(map[string]any)
	v, _ := jc[key].(string)
	return v
}

// grant is everything needed to mint one token response.
type grant struct {
	app         fusionauth.Application
	raw         map[string]any
	userID      string
	scope       string
	nonce       string
	ssoID       string
	authTime    int64
	authType    string
	gty         []string
	refresh     *refreshToken
	sendRefresh bool
}

// mint signs the access token (and id_token when openid was asked for) with
// FusionAuth's claims (reference §1.7).
func (s *Server) mint(g grant, f FaultConfig) (map[string]any, *oauthErr) {
	s.st.mu.Lock()
	user := copyMap(s.st.users[g.userID])
	reg, registered := s.st.regs[g.userID][g.app.ID]
	var roles []any
	if registered {
		roles, _ = deepCopy(reg["roles"]).([]any)
	}
	tid := s.st.tenantID()
	s.st.mu.Unlock()
	if user == nil {
		return nil, &oauthErr{code: "invalid_grant", description: "The user no longer exists.", reason: "user_not_found"}
	}
	if roles == nil {
		roles = []any{}
	}
	now := time.Now()
	ttl := time.Duration(jwtSetting(g.raw, "timeToLiveInSeconds", 3600)) * time.Second
	if f.AccessTokenTTL > 0 {
		ttl = f.AccessTokenTTL
	}
	iss, aud := s.Issuer(), g.app.ID
	if f.WrongIssuer {
		iss += "/wrong-issuer"
	}
	if f.WrongAudience {
		aud = "00000000-0000-0000-0000-00000000bad0"
	}
	scopes := strings.Fields(g.scope)
	compat := g.app.OAuthConfiguration.ScopeHandlingPolicy == "Compatibility"
	sid := g.ssoID
	if g.refresh != nil {
		sid = g.refresh.id
	}
	at := map[string]any{
		"aud": aud, "exp": now.Add(ttl).Unix(), "iat": now.Unix(), "iss": iss, "sub": g.userID, "jti": newID(),
		"authenticationType": g.authType, "scope": g.scope, "sid": sid, "auth_time": g.authTime, "tid": tid,
	}
	if registered {
		at["applicationId"] = g.app.ID
		at["roles"] = roles
	}
	if compat {
		copyClaims(at, userClaims(user, true, false, false))
		if u, _ := user["username"].(string); u != "" {
			at["preferred_username"] = u
		}
	}
	access, err := s.sign(at, g.gty, f)
	if err != nil {
		s.log.Error("devidp: sign access token", "err", err)
		return nil, &oauthErr{status: http.StatusInternalServerError, code: "server_error", description: "The token could not be signed.", reason: "unknown"}
	}
	resp := map[string]any{
		"access_token": access, "expires_in": int64(ttl / time.Second), "scope": g.scope,
		"token_type": "Bearer", "userId": g.userID,
	}
	if g.sendRefresh && g.refresh != nil {
		resp["refresh_token"] = g.refresh.token
		resp["refresh_token_id"] = g.refresh.id
	}
	if slices.Contains(scopes, "openid") {
		idt, err := s.mintIDToken(g, f, user, access, iss, aud, tid, compat, scopes, ttl)
		if err != nil {
			s.log.Error("devidp: sign id token", "err", err)
			return nil, &oauthErr{status: http.StatusInternalServerError, code: "server_error", description: "The token could not be signed.", reason: "unknown"}
		}
		resp["id_token"] = idt
	}
	return resp, nil
}

func (s *Server) mintIDToken(g grant, f FaultConfig, user map[string]any, access, iss, aud, tid string, compat bool, scopes []string, ttl time.Duration) (string, error) {
	now := time.Now()
	iat := now
	exp := now.Add(ttl)
	if f.ExpiredIDToken {
		iat, exp = now.Add(-2*time.Hour), now.Add(-time.Hour)
	}
	if f.FutureIssuedIDToken {
		iat, exp = now.Add(time.Hour), now.Add(time.Hour+ttl)
	}
	sum := sha256.Sum256([]byte(access))
	jti := newID()
	idt := map[string]any{
		"aud": aud, "exp": exp.Unix(), "iat": iat.Unix(), "iss": iss, "sub": g.userID, "jti": jti,
		"authenticationType": g.authType, "at_hash": b64(sum[:16]), "scope": g.scope, "sid": g.ssoID,
		"auth_time": g.authTime, "tid": tid,
	}
	if f.FutureIssuedIDToken {
		idt["nbf"] = iat.Unix()
	}
	nonce := g.nonce
	if f.WrongNonce {
		nonce = "wrong-" + nonce
	}
	if nonce != "" {
		idt["nonce"] = nonce
	}
	copyClaims(idt, userClaims(user, compat || slices.Contains(scopes, "email"),
		compat || slices.Contains(scopes, "profile"), compat || slices.Contains(scopes, "phone")))
	s.st.mu.Lock()
	for k, e := range s.st.idTokens {
		if now.After(e) {
			delete(s.st.idTokens, k)
		}
	}
	s.st.idTokens[jti] = exp
	s.st.mu.Unlock()
	return s.sign(idt, g.gty, f)
}

func copyClaims(dst, src map[string]any) {
	for k, v := range src {
		dst[k] = v
	}
}

// userClaims maps the user record to OIDC claims (reference §1.4).
func userClaims(u map[string]any, email, profile, phone bool) map[string]any {
	c := map[string]any{}
	str := func(k string) string { v, _ := u[k].(string); return v }
	set := func(claim, v string) {
		if v != "" {
			c[claim] = v
		}
	}
	if email && str("email") != "" {
		c["email"] = str("email")
		v, _ := u["verified"].(bool)
		c["email_verified"] = v
	}
	if profile {
		set("given_name", str("firstName"))
		set("middle_name", str("middleName"))
		set("family_name", str("lastName"))
		set("name", str("fullName"))
		set("preferred_username", str("username"))
		set("birthdate", str("birthDate"))
		set("picture", str("imageUrl"))
		set("zoneinfo", str("timezone"))
		if langs, ok := u["preferredLanguages"].([]any); ok && len(langs) > 0 {
			if l, ok := langs[0].(string); ok {
				set("locale", l)
			}
		}
	}
	if phone {
		p := str("phoneNumber")
		if p == "" {
			p = str("mobilePhone")
		}
		if p != "" {
			c["phone_number"] = p
			c["phone_number_verified"] = false
		}
	}
	return c
}

// handleUserinfo answers GET|POST /oauth2/userinfo for a Bearer access token.
func (s *Server) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	unauthorized := func(reason, desc string) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="FusionAuth", error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, fusionauth.OAuthError{Error: "invalid_token", ErrorDescription: desc, ErrorReason: reason})
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		unauthorized("access_token_required", "An access token is required.")
		return
	}
	claims, err := s.verify(strings.TrimSpace(tok))
	if err != nil {
		unauthorized("access_token_invalid", "The access token is invalid.")
		return
	}
	exp, _ := claims["exp"].(json.Number)
	expSec, _ := strconv.ParseInt(exp.String(), 10, 64)
	if expSec <= time.Now().Unix() {
		unauthorized("access_token_expired", "The access token has expired.")
		return
	}
	s.st.mu.Lock()
	app, _, appOK := s.st.app(audience(claims))
	sub, _ := claims["sub"].(string)
	user := copyMap(s.st.users[sub])
	jti, _ := claims["jti"].(string)
	_, isIDToken := s.st.idTokens[jti]
	s.st.mu.Unlock()
	if !appOK || !app.Active || user == nil {
		unauthorized("access_token_invalid", "The access token is invalid.")
		return
	}
	scopeStr, _ := claims["scope"].(string)
	scopes := strings.Fields(scopeStr)
	out := map[string]any{"sub": sub}
	if app.OAuthConfiguration.ScopeHandlingPolicy == "Compatibility" {
		for _, k := range []string{"applicationId", "roles"} {
			if v, ok := claims[k]; ok {
				out[k] = v
			}
		}
		copyClaims(out, userClaims(user, true, true, true))
	} else {
		if isIDToken || !slices.Contains(scopes, "openid") {
			writeJSON(w, http.StatusBadRequest, fusionauth.OAuthError{Error: "invalid_token", ErrorDescription: "The token is not suitable for the requested use.", ErrorReason: "access_token_invalid"})
			return
		}
		copyClaims(out, userClaims(user, slices.Contains(scopes, "email"), slices.Contains(scopes, "profile"), slices.Contains(scopes, "phone")))
	}
	writeJSON(w, http.StatusOK, out)
}
