package i18n

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// maxPropertiesSize bounds what ParseProperties reads; a messages file is a
// few hundred kilobytes at most, and an admin's mistake (pointing
// PORTAL_MESSAGES_FILE at a log file) should fail fast, not fill memory.
const maxPropertiesSize = 4 << 20

// ParseProperties reads Java properties text, the format of FusionAuth theme
// messages files: key=value (or key:value) lines, # and ! comments, \t \n \r
// \f and \uXXXX escapes (surrogate pairs combine), any other escaped
// character stands for itself (\=, \:, \#, \\, "\ "), and a line ending in an
// odd number of backslashes continues on the next line with its leading
// whitespace dropped. Input is UTF-8 (as FusionAuth stores themes) with an
// optional byte-order mark. Later duplicates win, as in Java.
//
// It is stricter than java.util.Properties in one respect: a line without
// an unescaped '=' or ':' is an error rather than a key with an empty value,
// because in a messages file that is almost always a wrapped value whose
// backslash was forgotten. Errors name the line.
func ParseProperties(r io.Reader) (map[string]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxPropertiesSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading messages: %w", err)
	}
	if len(data) > maxPropertiesSize {
		return nil, fmt.Errorf("messages file is larger than %d bytes", maxPropertiesSize)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		n := 1 + bytes.Count(data[:firstInvalidUTF8(data)], []byte("\n"))
		return nil, fmt.Errorf("line %d: not valid UTF-8", n)
	}

	out := map[string]string{}
	lines := splitLines(string(data))
	for i := 0; i < len(lines); i++ {
		start := i + 1
		line := trimLeft(lines[i])
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		// Join continuation lines into one logical line.
		var logical strings.Builder
		for {
			cont := endsInOddBackslashes(line)
			if cont {
				line = line[:len(line)-1]
			}
			logical.WriteString(line)
			if !cont || i+1 >= len(lines) {
				break
			}
			i++
			line = trimLeft(lines[i])
		}
		k, v, err := parseEntry(logical.String())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", start, err)
		}
		out[k] = v
	}
	return out, nil
}

// parseEntry splits one logical line into its decoded key and value.
func parseEntry(s string) (string, string, error) {
	end, sepSeen := -1, false
	for j := 0; j < len(s); j++ {
		c := s[j]
		if c == '\\' {
			j++ // the escaped character is part of the key
			continue
		}
		if c == '=' || c == ':' || isSpace(c) {
			end = j
			break
		}
	}
	if end < 0 {
		return "", "", errors.New("expected key=value")
	}
	rawKey, rest := s[:end], s[end:]
	rest = trimLeft(rest)
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		sepSeen = true
		rest = trimLeft(rest[1:])
	}
	if !sepSeen {
		return "", "", errors.New("expected key=value")
	}
	if rawKey == "" {
		return "", "", errors.New("empty key before the separator")
	}
	key, err := unescape(rawKey)
	if err != nil {
		return "", "", err
	}
	val, err := unescape(rest)
	if err != nil {
		return "", "", err
	}
	return key, val, nil
}

// unescape decodes properties escapes.
func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	var pendingHigh rune = -1 // a high surrogate waiting for its low half
	flush := func() error {
		if pendingHigh >= 0 {
			return fmt.Errorf(`\u%04X is half of a surrogate pair`, pendingHigh)
		}
		return nil
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			if err := flush(); err != nil {
				return "", err
			}
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			break // a lone trailing backslash at the end of the file: dropped, as Java does
		}
		c = s[i]
		if c == 'u' {
			if i+5 > len(s) {
				return "", errors.New(`malformed \uXXXX escape`)
			}
			r, ok := hex4(s[i+1 : i+5])
			if !ok {
				return "", errors.New(`malformed \uXXXX escape`)
			}
			i += 4
			switch {
			case utf16.IsSurrogate(rune(r)) && r < 0xDC00:
				if err := flush(); err != nil {
					return "", err
				}
				pendingHigh = rune(r)
			case utf16.IsSurrogate(rune(r)):
				if pendingHigh < 0 {
					return "", fmt.Errorf(`\u%04X is half of a surrogate pair`, r)
				}
				b.WriteRune(utf16.DecodeRune(pendingHigh, rune(r)))
				pendingHigh = -1
			default:
				if err := flush(); err != nil {
					return "", err
				}
				b.WriteRune(rune(r))
			}
			continue
		}
		if err := flush(); err != nil {
			return "", err
		}
		switch c {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		default:
			// \=, \:, \#, \!, \\, "\ " and any other character: itself.
			// Escaped multi-byte characters are copied whole.
			_, size := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+size])
			i += size - 1
		}
	}
	if err := flush(); err != nil {
		return "", err
	}
	return b.String(), nil
}

func hex4(s string) (uint16, bool) {
	if len(s) != 4 {
		return 0, false
	}
	var v uint16
	for i := 0; i < 4; i++ {
		c := s[i]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint16(d)
	}
	return v, true
}

// splitLines splits on \n, \r\n and \r, as Java does.
func splitLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Split(s, "\n")
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\f' }

func trimLeft(s string) string { return strings.TrimLeft(s, " \t\f") }

func endsInOddBackslashes(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}
