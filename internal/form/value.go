package form

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // timezone validation must not depend on the host's zoneinfo
	"unicode"
	"unicode/utf8"
)

// maxValueLen caps one submitted value in characters (Unicode code points);
// far above any sane profile value. The messages state it.
const maxValueLen = 16 << 10

// maxNumberLen caps the text of one typed number (sign and point included).
// It keeps every accepted number well inside a double's range.
const maxNumberLen = 64

// convertScalar turns typed text into the JSON value stored for the data
// type. It returns a user message when the text is not acceptable.
// Blank handling is the caller's job.
func convertScalar(typ, s string) (any, string) {
	switch typ {
	case "number":
		n, msg := checkNumber(s)
		if msg != "" {
			return nil, msg
		}
		return json.Number(n), ""
	case "bool":
		switch strings.TrimSpace(s) {
		case "true":
			return true, ""
		case "false":
			return false, ""
		}
		return nil, "form.error.bool"
	case "date":
		t := strings.TrimSpace(s)
		if !validDate(t) {
			return nil, "form.error.date"
		}
		return t, ""
	case "email":
		t := strings.TrimSpace(s)
		if !validEmail(t) {
			return nil, "form.error.email"
		}
		return t, ""
	case "phoneNumber":
		t := strings.TrimSpace(s)
		if !validPhone(t) {
			return nil, "form.error.phone"
		}
		return t, ""
	}
	return s, ""
}

// convertOption is convertScalar for an option the administrator defined
// (select, radio, checkbox list): a number option may be written with an
// exponent ("1e3"), as FusionAuth's hosted pages accept, since nobody types
// it; it must still fit a double.
func convertOption(typ, s string) (any, string) {
	if typ != "number" {
		return convertScalar(typ, s)
	}
	n, ok := normaliseNumber(s, true)
	if !ok || len(n) > maxNumberLen {
		return nil, "form.error.number"
	}
	if !inFloatRange(n) {
		return nil, "form.error.number.range"
	}
	return json.Number(n), ""
}

// normaliseNumber accepts a decimal number the way a person writes it in a
// web form and returns valid JSON number text that keeps every typed digit:
// surrounding spaces and a leading '+' are dropped, leading zeros of the
// integer part are removed, ".5" becomes "0.5". A leading '-' is kept.
// Typed numbers have no exponent ("1e3" is refused, not stored as 1000):
// it is surprising in a web form and usually a typo, and the portal's
// number box is a text box, so no browser sends one on its own. exp allows
// an exponent of at most 3 digits, for administrators' options only.
// Length is the caller's business.
func normaliseNumber(s string, exp bool) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 0 || len(s) > maxValueLen {
		return "", false
	}
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	mant, ex := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		if !exp {
			return "", false
		}
		mant, ex = s[:i], s[i+1:]
		e := strings.TrimLeft(ex, "+-")
		if len(ex)-len(e) > 1 || e == "" || len(e) > 3 || !allDigits(e) {
			return "", false
		}
	}
	intPart, frac, hasDot := strings.Cut(mant, ".")
	if !allDigits(intPart) || !allDigits(frac) || intPart == "" && frac == "" {
		return "", false
	}
	if hasDot && frac == "" {
		return "", false
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if hasDot {
		out += "." + frac
	}
	if ex != "" {
		out += "e" + ex
	}
	if neg && strings.Trim(intPart+frac, "0") != "" {
		out = "-" + out
	}
	return out, true
}

// checkNumber checks a typed number: digits with an optional sign and
// decimal point, at most maxNumberLen characters, no exponent. The digits
// are kept exactly as typed (json.Number end to end, never float64), so
// 99999999999999999999999 is sent as it is. Such a number always fits a
// double's range, so it is never stored as Infinity or 0.
func checkNumber(s string) (string, string) {
	t := strings.TrimSpace(s)
	n, ok := normaliseNumber(t, false)
	switch {
	case !ok:
		return "", "form.error.number"
	case len(t) > maxNumberLen:
		return "", "form.error.number.long" // a number, just too many digits
	}
	return n, ""
}

// inFloatRange reports whether a normalised number is finite as a float64
// and, when not zero, does not underflow to zero.
func inFloatRange(n string) bool {
	f, err := strconv.ParseFloat(n, 64)
	if err != nil {
		return false // ErrRange: overflows to ±Inf
	}
	if f == 0 {
		mant, _, _ := strings.Cut(strings.TrimPrefix(n, "-"), "e")
		return strings.Trim(mant, "0.") == ""
	}
	return true
}

// plainNumber writes a stored number that has an exponent ("1e2",
// "1.0E23") in plain decimal ("100", "100000000000000000000000"), exactly,
// so a number box can show it and take it back untouched. Text without an
// exponent, text that is not a number, and numbers whose plain form would
// be longer than a typed number may be are returned unchanged.
func plainNumber(s string) string {
	if !strings.ContainsAny(s, "eE") {
		return s
	}
	c, ok := canonNumber(s)
	if !ok {
		return s
	}
	if c == "0" {
		return "0"
	}
	neg := strings.HasPrefix(c, "-")
	digits, e, _ := strings.Cut(strings.TrimPrefix(c, "-"), "e")
	exp, err := strconv.Atoi(e)
	if err != nil || exp > maxNumberLen || exp < -maxNumberLen {
		return s
	}
	var out string
	switch {
	case exp >= 0:
		out = digits + strings.Repeat("0", exp)
	case len(digits) > -exp:
		out = digits[:len(digits)+exp] + "." + digits[len(digits)+exp:]
	default:
		out = "0." + strings.Repeat("0", -exp-len(digits)) + digits
	}
	if neg {
		out = "-" + out
	}
	if len(out) > maxNumberLen {
		return s
	}
	return out
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// canonNumber gives one spelling per numeric value ("1.50", "1.5" and
// "0.15e1" all become "15e-1") so numbers compare by exact decimal value
// without float64 rounding.
func canonNumber(s string) (string, bool) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > 100000 || e < -100000 {
			return "", false
		}
		mant, exp = s[:i], e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if !allDigits(intPart) || !allDigits(frac) || intPart+frac == "" {
		return "", false
	}
	digits := strings.TrimLeft(intPart+frac, "0")
	exp -= len(frac)
	if digits == "" {
		return "0", true
	}
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	out := trimmed + "e" + strconv.Itoa(exp)
	if neg {
		out = "-" + out
	}
	return out, true
}

// validDate checks YYYY-MM-DD is a real calendar date. time.Parse without a
// zone works in UTC, so the process time zone never shifts the day.
func validDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	t, err := time.Parse(time.DateOnly, s)
	return err == nil && t.Year() >= 1
}

// validEmail is a deliberately plain check (one @, no spaces, a dotted
// domain); FusionAuth itself checks email addresses again on save.
func validEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " \t\r\n<>,;\"") {
		return false
	}
	for _, r := range s {
		// Control, format (zero-width) and space characters of any script.
		if unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") {
		return false
	}
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1 && !strings.Contains(domain, "..")
}

// validPhone accepts an optional leading '+', then digits with spaces,
// dashes, dots and parentheses as separators, 4 to 15 digits in all
// (E.164 allows at most 15).
func validPhone(s string) bool {
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' && i == 0:
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return false
		}
	}
	return digits >= 4 && digits <= 15
}

// validTimezone accepts IANA zone names known to Go's embedded database.
// Valid names are cached: loading a zone parses the embedded database.
func validTimezone(s string) bool {
	if _, ok := knownZones.Load(s); ok {
		return true
	}
	if s == "" || s == "Local" || len(s) > 64 || !zoneName(s) {
		return false
	}
	if _, err := time.LoadLocation(s); err != nil {
		return false
	}
	knownZones.Store(s, true) // bounded: only real zone names get here
	return true
}

var knownZones sync.Map

// zoneName reports whether s is spelled like an IANA zone name: segments
// separated by single slashes, each starting with a capital letter, then
// letters, digits, '_', '+' or '-'. That keeps out what the host's zoneinfo
// directory also holds but Java's ZoneId (FusionAuth) refuses: "./UTC",
// "right/UTC", "posix/UTC", "posixrules", "America//Denver".
func zoneName(s string) bool {
	for seg := range strings.SplitSeq(s, "/") {
		if seg == "" || seg[0] < 'A' || seg[0] > 'Z' {
			return false
		}
		for i := 1; i < len(seg); i++ {
			c := seg[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '+' || c == '-') {
				return false
			}
		}
	}
	return true
}

// validLocale accepts tags like "en", "fr_CA", "zh-Hant-TW".
func validLocale(s string) bool {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) == 0 || len(parts[0]) < 2 || len(parts[0]) > 3 || len(s) > 35 {
		return false
	}
	for i, p := range parts {
		if len(p) > 8 || (i > 0 && len(p) < 2) {
			return false
		}
		for _, r := range p {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
				return false
			}
		}
	}
	return utf8.ValidString(s)
}

// scalarText shows one stored scalar as the text its control holds. ok is
// false when the stored JSON shape does not fit the data type.
func scalarText(typ string, v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		switch typ {
		case "number":
			_, ok := canonNumber(x)
			return x, ok || strings.TrimSpace(x) == ""
		case "date":
			return x, x == "" || validDate(x)
		case "bool":
			return x, x == "true" || x == "false" || x == ""
		}
		return x, true
	case json.Number:
		if typ == "number" || typ == "string" {
			return x.String(), true
		}
	case float64: // records built without UseNumber; shown, compared by text
		if typ == "number" || typ == "string" {
			return strconv.FormatFloat(x, 'f', -1, 64), true
		}
	case bool:
		if typ == "bool" {
			return strconv.FormatBool(x), true
		}
	}
	return "", false
}

// canonScalar is the comparison form of one stored or submitted scalar.
func canonScalar(typ string, v any) (string, bool) {
	s, ok := scalarText(typ, v)
	if !ok {
		return "", false
	}
	if typ == "number" && strings.TrimSpace(s) != "" {
		return canonNumber(s)
	}
	return s, true
}

// listOf returns the elements of a stored multi-value. ok is false for a
// shape the list controls cannot show (an object, a lone number...).
func listOf(v any) ([]any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, true
	case []any:
		return x, true
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

// canonList compares multi-values as sorted sets of canonical scalars.
func canonList(typ string, v any) (string, bool) {
	items, ok := listOf(v)
	if !ok {
		return "", false
	}
	keys := make([]string, 0, len(items))
	for _, it := range items {
		c, ok := canonScalar(typ, it)
		if !ok || it == nil {
			return "", false
		}
		keys = append(keys, c)
	}
	sort.Strings(keys)
	// Drop duplicates: a set.
	out := keys[:0]
	for i, k := range keys {
		if i == 0 || k != keys[i-1] {
			out = append(out, k)
		}
	}
	return "[" + strings.Join(out, "\x00"), true
}

// readPath reads the value at path. found is false when absent; shapeOK is
// false when something on the way is not an object.
func readPath(obj map[string]any, path []string) (v any, found, shapeOK bool) {
	cur := any(obj)
	for _, seg := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			if cur == nil {
				return nil, false, true
			}
			return nil, false, false
		}
		cur, ok = m[seg]
		if !ok {
			return nil, false, true
		}
	}
	return cur, true, true
}

// setPath writes v at path, creating nested objects as needed.
func setPath(obj map[string]any, path []string, v any) {
	for _, seg := range path[:len(path)-1] {
		next, ok := obj[seg].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[seg] = next
		}
		obj = next
	}
	obj[path[len(path)-1]] = v
}
