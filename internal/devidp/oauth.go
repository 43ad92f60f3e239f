package devidp

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"portal/internal/fusionauth"
)

// Cookie names are FusionAuth's, so they never collide with the portal's.
const (
	ssoCookie    = "fusionauth.sso"
	localeCookie = "fusionauth.locale"
	ssoLifetime  = 8 * time.Hour
	codeLifetime = 60 * time.Second
)

// authCode is an issued, not yet redeemed authorization code.
type authCode struct {
	clientID, redirectURI, userID string
	scope, nonce, challenge       string
	ssoID                         string
	authTime                      int64
	expires                       time.Time
}

// ssoSession is the dev server's own login session (cookie fusionauth.sso).
type ssoSession struct {
	id, userID string // id is the cookie value, a secret
	sid        string // public id, the tokens' sid
	authTime   int64
	expires    time.Time
}

// authzParams are the /oauth2/authorize and /oauth2/register parameters;
// the login and registration forms carry them in hidden fields.
type authzParams struct {
	ClientID, RedirectURI, ResponseType, Scope, State, Nonce string
	CodeChallenge, CodeChallengeMethod, TenantID, Locale     string
}

func parseAuthz(v url.Values) authzParams {
	return authzParams{
		ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"), ResponseType: v.Get("response_type"),
		Scope: v.Get("scope"), State: v.Get("state"), Nonce: v.Get("nonce"),
		CodeChallenge: v.Get("code_challenge"), CodeChallengeMethod: v.Get("code_challenge_method"),
		TenantID: v.Get("tenantId"), Locale: v.Get("locale"),
	}
}

// values returns the non-empty parameters, for hidden fields and links.
func (p authzParams) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{
		"client_id": p.ClientID, "redirect_uri": p.RedirectURI, "response_type": p.ResponseType,
		"scope": p.Scope, "state": p.State, "nonce": p.Nonce, "code_challenge": p.CodeChallenge,
		"code_challenge_method": p.CodeChallengeMethod, "tenantId": p.TenantID, "locale": p.Locale,
	} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

var knownScopes = []string{"openid", "offline_access", "profile", "email", "phone", "address"}

// oauthErr is an OAuth error: JSON from /oauth2/token, redirect parameters
// from /oauth2/authorize.
type oauthErr struct {
	status                    int
	code, description, reason string
}

// checkAuthz validates the request. A bad client or redirect URI is answered
// with an error page (never a redirect to an unregistered URI); other
// problems come back as an oauthErr to be sent to the redirect URI.
func (s *Server) checkAuthz(w http.ResponseWriter, p authzParams) (fusionauth.Application, *oauthErr, bool) {
	s.st.mu.Lock()
	app, _, ok := s.st.app(p.ClientID)
	s.st.mu.Unlock()
	if !ok || !app.Active {
		s.renderError(w, http.StatusBadRequest, "invalid_client", "The client_id parameter is missing or does not belong to an active application.")
		return app, nil, false
	}
	if p.RedirectURI == "" || !slices.Contains(app.OAuthConfiguration.AuthorizedRedirectURLs, p.RedirectURI) {
		s.renderError(w, http.StatusBadRequest, "invalid_redirect_uri", "The redirect_uri parameter is missing or is not an authorized redirect URL of this application.")
		return app, nil, false
	}
	oc := app.OAuthConfiguration
	switch {
	case p.ResponseType != "code":
		return app, &oauthErr{code: "unsupported_response_type", description: "Only response_type=code is supported by the development server.", reason: "invalid_response_type"}, true
	case !slices.Contains(oc.EnabledGrants, "authorization_code"):
		return app, &oauthErr{code: "unauthorized_client", description: "The authorization_code grant is not enabled for this application.", reason: "grant_type_disabled"}, true
	case p.CodeChallenge == "" && oc.ProofKeyForCodeExchangePolicy == "Required":
		return app, &oauthErr{code: "invalid_request", description: "The code_challenge parameter is required.", reason: "missing_code_challenge"}, true
	case p.CodeChallenge != "" && p.CodeChallengeMethod != "S256":
		return app, &oauthErr{code: "invalid_request", description: "The code_challenge_method parameter must be S256.", reason: "invalid_pkce_code_challenge_method"}, true
	case p.CodeChallenge != "" && (len(p.CodeChallenge) < 43 || len(p.CodeChallenge) > 128):
		return app, &oauthErr{code: "invalid_request", description: "The code_challenge parameter is invalid.", reason: "invalid_pkce_code_challenge"}, true
	}
	for _, sc := range strings.Fields(p.Scope) {
		if !slices.Contains(knownScopes, sc) {
			return app, &oauthErr{code: "invalid_scope", description: "The scope [" + sc + "] is not known.", reason: "unknown_scope"}, true
		}
	}
	return app, nil, true
}

// redirectError sends an OAuth error to the (already validated) redirect URI.
func redirectError(w http.ResponseWriter, r *http.Request, p authzParams, e *oauthErr) {
	q := url.Values{"error": {e.code}, "error_description": {e.description}, "error_reason": {e.reason}}
	if p.State != "" {
		q.Set("state", p.State)
	}
	http.Redirect(w, r, appendQuery(p.RedirectURI, q), http.StatusFound)
}

func appendQuery(base string, q url.Values) string {
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + q.Encode()
}

func (s *Server) currentSSO(r *http.Request) *ssoSession {
	c, err := r.Cookie(ssoCookie)
	if err != nil {
		return nil
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	sess, ok := s.st.sso[c.Value]
	if !ok || time.Now().After(sess.expires) {
		delete(s.st.sso, c.Value)
		return nil
	}
	if _, ok := s.st.users[sess.userID]; !ok {
		return nil
	}
	return sess
}

func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	p := parseAuthz(r.URL.Query())
	app, oe, ok := s.checkAuthz(w, p)
	if !ok {
		return
	}
	if oe != nil {
		redirectError(w, r, p, oe)
		return
	}
	if sess := s.currentSSO(r); sess != nil {
		s.completeLogin(w, r, app, p, sess)
		return
	}
	s.renderLogin(w, http.StatusOK, app, p, "", "")
}

// handleLogin is the login form's POST (fields loginId and password).
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, http.StatusBadRequest, "invalid_request", "The form could not be read.")
		return
	}
	p := parseAuthz(r.PostForm)
	app, oe, ok := s.checkAuthz(w, p)
	if !ok {
		return
	}
	if oe != nil {
		redirectError(w, r, p, oe)
		return
	}
	loginID := strings.TrimSpace(r.PostForm.Get("loginId"))
	password := r.PostForm.Get("password")
	s.st.mu.Lock()
	var userID, hash string
	active := true
	if u := s.st.userByLoginID(loginID); u != nil {
		userID, _ = u["id"].(string)
		active = u["active"] != false
		hash = s.st.passwords[userID]
	}
	s.st.mu.Unlock()
	if userID == "" || hash == "" || !checkPassword(hash, password) {
		s.log.Info("devidp: login failed", "reason", "invalid credentials")
		s.renderLogin(w, http.StatusOK, app, p, loginID, "Invalid login credentials.")
		return
	}
	if !active {
		s.renderLogin(w, http.StatusOK, app, p, loginID, "Your account has been locked.")
		return
	}
	sess := s.newSSO(w, userID)
	s.completeLogin(w, r, app, p, sess)
}

// newSSO starts a dev-server SSO session and sets its cookie.
func (s *Server) newSSO(w http.ResponseWriter, userID string) *ssoSession {
	sess := &ssoSession{id: randomToken(), sid: newID(), userID: userID, authTime: time.Now().Unix(), expires: time.Now().Add(ssoLifetime)}
	s.st.mu.Lock()
	for k, old := range s.st.sso { // drop expired sessions
		if time.Now().After(old.expires) {
			delete(s.st.sso, k)
		}
	}
	s.st.sso[sess.id] = sess
	if u := s.st.users[userID]; u != nil {
		u["lastLoginInstant"] = nowMillis()
	}
	s.st.mu.Unlock()
	secure := strings.HasPrefix(s.BaseURL(), "https://")
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: sess.id, Path: "/", HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: localeCookie, Value: "en", Path: "/", Secure: secure, SameSite: http.SameSiteLaxMode})
	return sess
}

// completeLogin issues a code and redirects like FusionAuth:
// redirect_uri?code=…&locale=en&state=…&userState=Authenticated.
func (s *Server) completeLogin(w http.ResponseWriter, r *http.Request, app fusionauth.Application, p authzParams, sess *ssoSession) {
	s.st.mu.Lock()
	_, registered := s.st.regs[sess.userID][app.ID]
	s.st.mu.Unlock()
	if !registered && app.OAuthConfiguration.RequireRegistration {
		s.renderError(w, http.StatusForbidden, "access_denied", "You are not registered for this application.")
		return
	}
	code := randomToken()
	s.st.mu.Lock()
	now := time.Now()
	for k, c := range s.st.codes { // drop expired codes
		if now.After(c.expires) {
			delete(s.st.codes, k)
		}
	}
	s.st.codes[code] = &authCode{
		clientID: app.ID, redirectURI: p.RedirectURI, userID: sess.userID, scope: p.Scope, nonce: p.Nonce,
		challenge: p.CodeChallenge, ssoID: sess.sid, authTime: sess.authTime, expires: now.Add(codeLifetime),
	}
	s.st.mu.Unlock()
	q := url.Values{"code": {code}, "locale": {"en"}}
	if p.State != "" {
		q.Set("state", p.State)
	}
	q.Set("userState", "Authenticated")
	if !registered {
		q.Set("userState", "AuthenticatedNotRegistered")
	}
	http.Redirect(w, r, appendQuery(p.RedirectURI, q), http.StatusFound)
}

// handleLogout ends the SSO session and redirects: post_logout_redirect_uri
// (must be one of the application's authorized redirect URLs, as in
// FusionAuth; being the application's logoutURL is not enough), else the
// application's logoutURL, else the tenant's, else "/".
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	_ = r.ParseForm()
	clientID := r.Form.Get("client_id")
	if clientID == "" {
		if hint := r.Form.Get("id_token_hint"); hint != "" {
			if claims, err := s.verify(hint); err == nil { // expired hints are fine
				clientID = audience(claims)
			}
		}
	}
	if c, err := r.Cookie(ssoCookie); err == nil {
		s.st.mu.Lock()
		delete(s.st.sso, c.Value)
		s.st.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: ssoCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	s.st.mu.Lock()
	app, _, haveApp := s.st.app(clientID)
	tenantLogout, _ := s.st.tenant["logoutURL"].(string)
	s.st.mu.Unlock()
	target := "/"
	post := r.Form.Get("post_logout_redirect_uri")
	switch {
	case post != "":
		if !haveApp || !slices.Contains(app.OAuthConfiguration.AuthorizedRedirectURLs, post) {
			s.renderError(w, http.StatusBadRequest, "invalid_post_logout_redirect_uri", "The post_logout_redirect_uri parameter is not an authorized redirect URL of the application.")
			return
		}
		target = post
	case haveApp && app.OAuthConfiguration.LogoutURL != "":
		target = app.OAuthConfiguration.LogoutURL
	case tenantLogout != "":
		target = tenantLogout
	}
	if st := r.Form.Get("state"); st != "" && target != "/" {
		target = appendQuery(target, url.Values{"state": {st}})
	}
	http.Redirect(w, r, target, http.StatusFound)
}

// audience returns the first aud of a token's claims.
func audience(claims map[string]any) string {
	switch a := claims["aud"].(type) {
	case string:
		return a
	case []any:
		if len(a) > 0 {
			s, _ := a[0].(string)
			return s
		}
	}
	return ""
}

func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	base := s.BaseURL()
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                s.Issuer(),
		"authorization_endpoint":                base + "/oauth2/authorize",
		"token_endpoint":                        base + "/oauth2/token",
		"userinfo_endpoint":                     base + "/oauth2/userinfo",
		"jwks_uri":                              base + "/.well-known/jwks.json",
		"end_session_endpoint":                  base + "/oauth2/logout",
		"backchannel_logout_supported":          false,
		"frontchannel_logout_supported":         true,
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"scopes_supported":                      knownScopes,
		"code_challenge_methods_supported":      []string{"S256"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"userinfo_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
		"subject_types_supported":               []string{"public"},
		"claims_supported": []string{"applicationId", "at_hash", "aud", "authenticationType", "birthdate", "email",
			"email_verified", "exp", "family_name", "given_name", "iat", "iss", "jti", "middle_name", "name", "nbf",
			"nonce", "phone_number", "phone_number_verified", "picture", "preferred_username", "roles", "sub"},
	})
}
