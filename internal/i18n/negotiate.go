package i18n

import (
	"sort"
	"strconv"
	"strings"
)

// Limits on Accept-Language, which is attacker-controlled: longer headers
// are cut, and only the first entries are considered.
const (
	maxAcceptLanguage = 4096
	maxLanguageRanges = 32
)

type languageRange struct {
	tag string
	q   float64
	pos int
}

// Negotiate picks the best language for an Accept-Language header (RFC 9110
// section 12.5.4): ranges are tried by descending q-value (ties keep header
// order), q=0 means "not acceptable", a regional tag falls back to its
// language (de-CH to de), and "*" or no match gives DefaultLanguage.
// Malformed entries are skipped, never an error.
func (c *Catalog) Negotiate(acceptLanguage string) *Localizer {
	for _, r := range parseAcceptLanguage(acceptLanguage) {
		if r.tag == "*" {
			break
		}
		if l, ok := c.langs[r.tag]; ok {
			return l
		}
		if i := strings.IndexByte(r.tag, '-'); i > 0 {
			if l, ok := c.langs[r.tag[:i]]; ok {
				return l
			}
		}
	}
	return c.langs[DefaultLanguage]
}

// parseAcceptLanguage returns the acceptable ranges, best first, with tags
// lower-cased and "_" read as "-".
func parseAcceptLanguage(h string) []languageRange {
	if len(h) > maxAcceptLanguage {
		h = h[:maxAcceptLanguage]
	}
	var out []languageRange
	for i, part := range strings.Split(h, ",") {
		if i >= maxLanguageRanges {
			break
		}
		fields := strings.Split(part, ";")
		tag := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(fields[0]), "_", "-"))
		if !validTag(tag) {
			continue
		}
		q, ok := 1.0, true
		for _, p := range fields[1:] {
			name, val, found := strings.Cut(strings.TrimSpace(p), "=")
			if !found || !strings.EqualFold(strings.TrimSpace(name), "q") {
				continue // other parameters are ignored
			}
			q, ok = parseQ(strings.TrimSpace(val))
		}
		if !ok || q <= 0 {
			continue
		}
		out = append(out, languageRange{tag: tag, q: q, pos: i})
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].q > out[b].q })
	return out
}

// parseQ accepts RFC 9110 qvalues: 0 to 1 with at most three decimals.
func parseQ(s string) (float64, bool) {
	if s == "" || len(s) > 5 || strings.ContainsAny(s, "eE+-") {
		return 0, false
	}
	q, err := strconv.ParseFloat(s, 64)
	if err != nil || q < 0 || q > 1 {
		return 0, false
	}
	return q, true
}

// validTag accepts "*" and language-range syntax: 1–8 letters, then
// "-"-separated subtags of 1–8 letters or digits.
func validTag(t string) bool {
	if t == "*" {
		return true
	}
	if t == "" || len(t) > 35 {
		return false
	}
	for i, sub := range strings.Split(t, "-") {
		if sub == "" || len(sub) > 8 {
			return false
		}
		for _, c := range sub {
			letter := c >= 'a' && c <= 'z'
			digit := c >= '0' && c <= '9'
			if !letter && !(digit && i > 0) {
				return false
			}
		}
	}
	return true
}
