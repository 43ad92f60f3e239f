package session

import "time"

// Session is what the portal remembers about a signed-in user. Exported
// fields are persisted as JSON; code that changes a field directly must call
// MarkDirty, or use a setter, so that Manager.Save writes it.
type Session struct {
	UserID string `json:"userId"`
	Email  string `json:"email,omitempty"`
	Name   string `json:"name,omitempty"`
	// Claims are the userinfo/ID-token claims shown on the profile page.
	// Numbers come back from the store as json.Number, keeping every digit.
	Claims map[string]any `json:"claims,omitempty"`

	AccessToken  string    `json:"accessToken,omitempty"`
	RefreshToken string    `json:"refreshToken,omitempty"`
	IDToken      string    `json:"idToken,omitempty"`
	TokenExpiry  time.Time `json:"tokenExpiry,omitzero"`
	// Nonce of the sign-in, to check ID tokens returned by a refresh.
	Nonce string `json:"nonce,omitempty"`

	// CSRF is this session's anti-forgery token, set by Manager.Start.
	CSRF string `json:"csrf"`
	// Flash is a one-shot notice for the next page ("Saved").
	Flash string `json:"flash,omitempty"`

	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"lastSeen"`

	id    string // opaque cookie value; never persisted or logged
	dirty bool
	// What this request changed, so Save can apply just that to the stored
	// record and keep what concurrent requests wrote meanwhile. whole (from
	// MarkDirty) writes the entire session.
	tokensSet, flashSet, whole bool
}

// MarkDirty records that the session changed and must be written by Save.
// Save then writes every field, overwriting whatever concurrent requests
// stored meanwhile; prefer the setters, which merge.
func (s *Session) MarkDirty() { s.dirty, s.whole = true, true }

func (s *Session) clean() { s.dirty, s.tokensSet, s.flashSet, s.whole = false, false, false, false }

// Dirty reports whether Save has something to write.
func (s *Session) Dirty() bool { return s.dirty }

// SetFlash sets the notice shown on the next page.
func (s *Session) SetFlash(msg string) {
	s.Flash = msg
	s.dirty, s.flashSet = true, true
}

// TakeFlash returns the notice and clears it, so it is shown only once.
func (s *Session) TakeFlash() string {
	msg := s.Flash
	if msg != "" {
		s.Flash = ""
		s.dirty, s.flashSet = true, true
	}
	return msg
}

// SetTokens replaces the OAuth tokens, for example after a refresh. An empty
// refreshToken or idToken keeps the previous one, because a refresh response
// may omit them.
func (s *Session) SetTokens(accessToken, refreshToken, idToken string, expiry time.Time) {
	s.AccessToken = accessToken
	if refreshToken != "" {
		s.RefreshToken = refreshToken
	}
	if idToken != "" {
		s.IDToken = idToken
	}
	s.TokenExpiry = expiry
	s.dirty, s.tokensSet = true, true
}
