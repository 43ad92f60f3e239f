package i18n

import (
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	c := mustNew(t, nil)
	tests := []struct{ header, want string }{
		{"", "en"},
		{"de", "de"},
		{"de-CH", "de"},
		{"de_AT", "de"},
		{"DE-de", "de"},
		{"en-US,en;q=0.9,de;q=0.8", "en"},
		{"fr-CH, de;q=0.9, en;q=0.8", "fr"},  // region falls back to the language
		{"it-CH, de;q=0.9, en;q=0.8", "de"},  // unsupported first choice: next by q
		{"en;q=0.5, de;q=0.9", "de"},         // q beats order
		{"de;q=0.5, en;q=0.5", "de"},         // ties keep header order
		{"de;q=0, en", "en"},                 // q=0: not acceptable
		{"de;q=0.000", "en"},                 // q=0 written long
		{"zh-Hant-TW, ja", "en"},             // nothing supported
		{"*", "en"},                          // any: default
		{"xx, *;q=0.5, de;q=0.1", "en"},      // wildcard ranks above de
		{"de;q=1.5, en", "en"},               // invalid q: entry dropped
		{"de;q=abc, en", "en"},               // invalid q
		{"de;q=1e-1, en;q=0.05", "en"},       // exponent is not a qvalue
		{"de;level=1;q=0.8, en;q=0.7", "de"}, // other parameters ignored
		{"  de  ;  q=0.7 , en;q=0.6", "de"},  // spaces
		{"d3, de", "de"},                     // invalid tag skipped
		{"de-, en", "en"},                    // empty subtag
		{"toolonglanguage, de", "de"},        // primary tag over 8 letters
		{",,,;q=1,de", "de"},                 // empty entries
		{"de-CH-1996", "de"},                 // variants
	}
	for _, tt := range tests {
		if got := c.Negotiate(tt.header).Lang(); got != tt.want {
			t.Errorf("Negotiate(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestNegotiateHostileHeader(t *testing.T) {
	c := mustNew(t, nil)
	// German only after the 32nd entry: not considered.
	h := strings.Repeat("xx,", 40) + "de"
	if got := c.Negotiate(h).Lang(); got != "en" {
		t.Errorf("range past the limit used: %q", got)
	}
	// A huge header is cut, not parsed whole; German inside the first 4 KiB still counts.
	h = "de;q=0.9," + strings.Repeat("a", 1<<20)
	if got := c.Negotiate(h).Lang(); got != "de" {
		t.Errorf("huge header: %q", got)
	}
}

func TestLookup(t *testing.T) {
	c := mustNew(t, nil)
	for in, want := range map[string]string{"de": "de", "de-AT": "de", "DE_ch": "de", "en": "en", "xx": "en", "": "en"} {
		if got := c.Lookup(in).Lang(); got != want {
			t.Errorf("Lookup(%q) = %q, want %q", in, got, want)
		}
	}
}
