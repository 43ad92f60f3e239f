package auth

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SafeReturnPath returns raw if it is a same-site relative path, else "/".
// It guards the post-sign-in redirect against open redirects: browsers treat
// "//host" and "/\host" as other sites and drop tabs and newlines, so those
// are refused, and the same checks run again on the percent-decoded text
// (up to three rounds) in case something downstream decodes it.
func SafeReturnPath(raw string) string {
	if len(raw) > 2048 || !safePathText(raw) {
		return "/"
	}
	s := raw
	for range 3 {
		d, err := url.PathUnescape(s)
		if err != nil || !safePathText(d) {
			return "/"
		}
		if d == s {
			break
		}
		s = d
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return raw
}

func safePathText(s string) bool {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}
