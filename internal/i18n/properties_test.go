package i18n

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func TestParseProperties(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"basic", "a=1\nb = 2\nc:3\n", map[string]string{"a": "1", "b": "2", "c": "3"}},
		{"comments and blanks", "# c\n! also\n\n   \n  # indented\nk=v", map[string]string{"k": "v"}},
		{"spaces around separator kept in value tail", "k =  v w  ", map[string]string{"k": "v w  "}},
		{"empty value", "k=\nj:", map[string]string{"k": "", "j": ""}},
		{"value with = and :", "url=http://x/?a=b", map[string]string{"url": "http://x/?a=b"}},
		{"escaped separators in key", `a\=b\:c=d`, map[string]string{"a=b:c": "d"}},
		{"escaped space in key", `my\ key=v`, map[string]string{"my key": "v"}},
		{"escapes", `k=tab\there\nnew\rcr\fff\\back\#hash\!bang\qq`, map[string]string{"k": "tab\there\nnew\rcr\fff\\back#hash!bangqq"}},
		{"unicode escapes", `k=Gr\u00FC\u00dfe \u2026`, map[string]string{"k": "Grüße …"}},
		{"surrogate pair", `k=\uD83D\uDE00!`, map[string]string{"k": "😀!"}},
		{"utf-8 text", "k=Änderungen speichern ✓", map[string]string{"k": "Änderungen speichern ✓"}},
		{"byte order mark", "\ufeffk=v", map[string]string{"k": "v"}},
		{"continuation", "k=one \\\n    two \\\n\tthree\nn=1", map[string]string{"k": "one two three", "n": "1"}},
		{"continuation line starting with #", "k=a\\\n  # not a comment", map[string]string{"k": "a# not a comment"}},
		{"even backslashes do not continue", "k=a\\\\\nn=1", map[string]string{"k": `a\`, "n": "1"}},
		{"CRLF and CR", "a=1\r\nb=2\rc=3", map[string]string{"a": "1", "b": "2", "c": "3"}},
		{"continuation across CRLF", "k=a\\\r\n  b", map[string]string{"k": "ab"}},
		{"trailing backslash at end of file", `k=a\`, map[string]string{"k": "a"}},
		{"later duplicate wins", "k=1\nk=2", map[string]string{"k": "2"}},
		{"FusionAuth style keys", "{tooltip}registration.data.minprice=Lowest\n[blank]user.email=Required\nDenver=Denver, CO",
			map[string]string{"{tooltip}registration.data.minprice": "Lowest", "[blank]user.email": "Required", "Denver": "Denver, CO"}},
		{"placeholders untouched", "k={0} of {1}", map[string]string{"k": "{0} of {1}"}},
		{"empty input", "", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProperties(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestParsePropertiesErrors(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"no separator", "a=1\njust some words\n", "line 2: expected key=value"},
		{"key only", "a=1\n\nlonely", "line 3: expected key=value"},
		{"empty key", "# x\n=value", "line 2: empty key"},
		{"short unicode escape", "a=1\nb=\\u12", "line 2: malformed \\uXXXX escape"},
		{"bad hex in unicode escape", "b=\\u12G4", "line 1: malformed \\uXXXX escape"},
		{"lone high surrogate", "b=\\uD83Dx", "line 1: \\uD83D is half of a surrogate pair"},
		{"lone low surrogate", "b=\\uDE00", "line 1: \\uDE00 is half of a surrogate pair"},
		{"bad escape in key", "a\\u00=1", "line 1: malformed \\uXXXX escape"},
		{"error line is where the entry starts", "a=1\nb=x\\\n  \\u00zz\n", "line 2: malformed"},
		{"invalid utf-8", "a=1\nb=\xff\xfe\n", "line 2: not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProperties(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("no error; parsed %#v", got)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestParsePropertiesLimits(t *testing.T) {
	big := strings.NewReader("k=" + strings.Repeat("x", maxPropertiesSize))
	if _, err := ParseProperties(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized input: err = %v", err)
	}
	boom := errors.New("disk on fire")
	if _, err := ParseProperties(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("read error not passed on: %v", err)
	}
}

// FuzzParseProperties checks the parser never panics and that what it
// accepts is well-formed.
func FuzzParseProperties(f *testing.F) {
	for _, s := range []string{"a=b", "k=\\u00e9\\\n  x", "\\", "=", "a\\", "#\\\nk=v", "k=\\uD800\\uDC00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseProperties(strings.NewReader(s))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Fatalf("error without a line number: %v", err)
			}
			return
		}
		for k := range m {
			if k == "" {
				t.Fatal("empty key accepted")
			}
		}
	})
}
