package form

import (
	"errors"
	"strings"

	"github.com/dlclark/regexp2/v2"
)

// FusionAuth validators are java.util.regex patterns; regexp2 speaks .NET.
// The two agree on most syntax (lookaround, possessive quantifiers, \Q…\E,
// atomic groups) but not on the meaning of some classes: in Java \d, \w, \s
// and the POSIX classes (\p{Alpha}, \p{Digit}...) are ASCII-only and "."
// stops at every line terminator, while .NET's are Unicode (\d matches
// "١٢٣") and .NET has no \p{Alpha}. javaToNET rewrites those constructs
// into explicit classes; constructs it cannot translate faithfully (Java
// class union/intersection, negated ASCII classes inside [...]) are
// refused, so the field fails closed instead of accepting what FusionAuth's
// hosted pages reject.

var errJavaRegex = errors.New("a Java regular expression construct the portal cannot check exactly")

// Java's ASCII classes, as the contents of a character class.
const (
	jDigit   = `0-9`
	jWord    = `a-zA-Z0-9_`
	jSpace   = `\t\n\x0B\f\r\x20`
	jHSpace  = `\x20\t\xA0\u1680\u180E\u2000-\u200A\u202F\u205F\u3000`
	jVSpace  = `\n\x0B\f\r\x85\u2028\u2029`
	jLineEnd = `\n\r\u0085\u2028\u2029` // what Java's "." does not match
)

// javaPOSIX maps java.util.regex's POSIX character classes (US-ASCII only
// by default) and java.lang.Character classes to class contents.
var javaPOSIX = map[string]string{
	"Lower":  `a-z`,
	"Upper":  `A-Z`,
	"ASCII":  `\x00-\x7F`,
	"Alpha":  `a-zA-Z`,
	"Digit":  jDigit,
	"Alnum":  `a-zA-Z0-9`,
	"Punct":  `!-/:-@\[-` + "`" + `{-~`,
	"Graph":  `!-~`,
	"Print":  `\x20-~`,
	"Blank":  `\x20\t`,
	"Cntrl":  `\x00-\x1F\x7F`,
	"XDigit": `0-9a-fA-F`,
	"Space":  jSpace,
	// java.lang.Character properties (Unicode).
	"javaLowerCase":     `\p{Ll}`,
	"javaUpperCase":     `\p{Lu}`,
	"javaTitleCase":     `\p{Lt}`,
	"javaDigit":         `\p{Nd}`,
	"javaLetter":        `\p{L}`,
	"javaLetterOrDigit": `\p{L}\p{Nd}`,
	// Java's binary properties ("Is" + name) regexp2 does not know by name.
	"IsAlphabetic":   `\p{L}\p{Nl}\p{Other_Alphabetic}`,
	"IsLetter":       `\p{L}`,
	"IsLowercase":    `\p{Ll}\p{Other_Lowercase}`,
	"IsUppercase":    `\p{Lu}\p{Other_Uppercase}`,
	"IsDigit":        `\p{Nd}`,
	"IsPunctuation":  `\p{P}`,
	"IsControl":      `\p{Cc}`,
	"IsWhite_Space":  `\p{White_Space}`,
	"IsWhiteSpace":   `\p{White_Space}`,
	"javaWhitespace": `\t\n\x0B\f\r\x1C-\x1F\p{Zl}\p{Zp}\x20\u1680\u2000-\u2006\u2008-\u200A\u205F\u3000`,
}

// compileJava compiles a validator with whole-value semantics (Java's
// String.matches). The expression is compiled on its own first: wrapping
// an unbalanced one such as "a)|(b" would otherwise compile into
// \A(?:a)|(b)\z, which accepts anything that starts with "a".
func compileJava(expr string) (*regexp2.Regexp, error) {
	net, err := javaToNET(expr)
	if err != nil {
		return nil, err
	}
	if _, err := regexp2.Compile(net, regexp2.None); err != nil {
		return nil, err
	}
	// \A and \z anchor without .NET's "$ before a final newline" leniency.
	re, err := regexp2.Compile(`\A(?:`+net+`)\z`, regexp2.None)
	if err != nil {
		return nil, err
	}
	re.MatchTimeout = regexTimeout
	return re, nil
}

// javaToNET rewrites a Java pattern for regexp2 (see the file comment).
func javaToNET(expr string) (string, error) {
	// (?s) anywhere: "." matching line terminators is left to the engine,
	// which knows where the flag applies. (?U) (Unicode classes) and the
	// comments flag change what every class means: not translated.
	dotAll := false
	for i := 0; i+2 < len(expr); i++ {
		if expr[i] == '(' && expr[i+1] == '?' && (i == 0 || expr[i-1] != '\\') {
			for j := i + 2; j < len(expr) && (expr[j] >= 'a' && expr[j] <= 'z' || expr[j] >= 'A' && expr[j] <= 'Z' || expr[j] == '-'); j++ {
				switch expr[j] {
				case 's':
					dotAll = true
				case 'U', 'x':
					return "", errJavaRegex
				}
			}
		}
	}
	var b strings.Builder
	inClass := false
	classStart := 0 // b.Len() just after "[" or "[^"
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '\\':
			if i+1 >= len(expr) {
				return "", errJavaRegex
			}
			e := expr[i+1]
			if e == 'Q' { // quoted to \E (or the end): copied verbatim
				end := strings.Index(expr[i+2:], `\E`)
				if end < 0 {
					b.WriteString(expr[i:])
					i = len(expr)
					continue
				}
				b.WriteString(expr[i : i+2+end+2])
				i += 2 + end + 1
				continue
			}
			if e == 'p' || e == 'P' {
				name, n := propName(expr[i+2:])
				if n == 0 {
					return "", errJavaRegex
				}
				i += 1 + n
				cls, ok := javaPOSIX[name]
				if !ok {
					// Unicode categories, scripts and properties: Java's
					// "Is"/"general_category=" spellings, then as they are.
					name = strings.TrimPrefix(name, "Is")
					if name == "" {
						return "", errJavaRegex
					}
					b.WriteString(`\` + string(e) + "{" + name + "}")
					continue
				}
				if err := writeClass(&b, cls, e == 'P', inClass); err != nil {
					return "", err
				}
				continue
			}
			cls, neg := "", false
			switch e {
			case 'd', 'D':
				cls, neg = jDigit, e == 'D'
			case 'w', 'W':
				cls, neg = jWord, e == 'W'
			case 's', 'S':
				cls, neg = jSpace, e == 'S'
			case 'h', 'H':
				cls, neg = jHSpace, e == 'H'
			case 'v', 'V':
				cls, neg = jVSpace, e == 'V'
			}
			if cls != "" {
				if err := writeClass(&b, cls, neg, inClass); err != nil {
					return "", err
				}
			} else {
				b.WriteByte('\\')
				b.WriteByte(e)
			}
			i++
		case inClass:
			switch {
			case c == ']' && b.Len() > classStart:
				inClass = false
			case c == '[', c == '&' && i+1 < len(expr) && expr[i+1] == '&':
				return "", errJavaRegex // Java class union / intersection
			}
			b.WriteByte(c)
		case c == '[':
			inClass = true
			b.WriteByte(c)
			if i+1 < len(expr) && expr[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			classStart = b.Len()
		case c == '.' && !dotAll:
			b.WriteString(`[^` + jLineEnd + `]`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// propName reads "{Name}" or a one-letter name after \p; n is the bytes used.
func propName(s string) (string, int) {
	if s == "" {
		return "", 0
	}
	if s[0] != '{' {
		return s[:1], 1
	}
	end := strings.IndexByte(s, '}')
	if end < 2 {
		return "", 0
	}
	return s[1:end], end + 1
}

// writeClass writes a class: bracketed outside [...], bare contents inside
// one. A negated class inside [...] cannot be written as contents.
func writeClass(b *strings.Builder, cls string, neg, inClass bool) error {
	switch {
	case inClass && neg:
		return errJavaRegex
	case inClass:
		b.WriteString(cls)
	case neg:
		b.WriteString("[^" + cls + "]")
	default:
		b.WriteString("[" + cls + "]")
	}
	return nil
}
