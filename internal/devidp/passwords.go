package devidp

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"

	"portal/internal/fusionauth"
)

// FusionAuth's tenant defaults for passwordValidationRules (tenant API:
// minLength "defaults 8", maxLength "defaults 256", checked "when a new user
// is created or a user requests a password change"). The other rules
// (mixed case, non-alpha, number, previous passwords) default to off and are
// not implemented.
const (
	defaultPasswordMinLength = 8
	defaultPasswordMaxLength = 256
)

// Messages of the hosted pages for the password rules (FusionAuth's theme
// messages.properties, keys [tooShort]user.password and [tooLong]user.password).
const (
	msgPasswordTooShort = "Password does not meet the minimum length requirement"
	msgPasswordTooLong  = "Password exceeds the maximum length requirement"
)

// passwordLengths returns the tenant's minimum and maximum password length.
// Caller holds st.mu.
func (st *store) passwordLengths() (minLen, maxLen int) {
	rules, _ := st.tenant["passwordValidationRules"].(map[string]any)
	return ruleInt(rules["minLength"], defaultPasswordMinLength), ruleInt(rules["maxLength"], defaultPasswordMaxLength)
}

func ruleInt(v any, def int) int {
	switch n := v.(type) {
	case int:
		return n
	case float64:
		return int(n)
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return int(i)
		}
	}
	return def
}

// checkPasswordRules applies the tenant's length rules to a new password and
// returns FusionAuth's API error at field (user.password), or nil. Length
// is counted as Java's String.length (UTF-16 code units), as FusionAuth
// does. Caller holds st.mu.
func (st *store) checkPasswordRules(field, pw string) *fusionauth.Errors {
	minLen, maxLen := st.passwordLengths()
	n := len(utf16.Encode([]rune(pw)))
	switch {
	case n < minLen:
		e := fieldError(field, "tooShort", "The ["+field+"] property is shorter than the minimum of ["+strconv.Itoa(minLen)+"] characters.")
		return &e
	case n > maxLen:
		e := fieldError(field, "tooLong", "The ["+field+"] property is longer than the maximum of ["+strconv.Itoa(maxLen)+"] characters.")
		return &e
	}
	return nil
}

// passwordPageError is the hosted registration page's message for a
// password the tenant's rules refuse, or "".
func (s *Server) passwordPageError(pw string) string {
	s.st.mu.Lock()
	e := s.st.checkPasswordRules("user.password", pw)
	s.st.mu.Unlock()
	if e == nil {
		return ""
	}
	if e.FieldErrors["user.password"][0].Code == "[tooLong]user.password" {
		return msgPasswordTooLong
	}
	return msgPasswordTooShort
}
