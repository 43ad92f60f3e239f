// Package i18n holds the portal's user-interface text in several languages
// and picks one per request from Accept-Language.
//
// The built-in catalogs are Java properties files (messages/<lang>.properties),
// the format FusionAuth themes use, so an admin's FusionAuth messages file
// (PORTAL_MESSAGES_FILE) can be read with the same parser and supply field
// labels the FusionAuth way: the message whose key is the field key
// (registration.data.minprice=Minimum price), "{placeholder}<key>" and
// "{tooltip}<key>" for hints, the option value itself for option labels, and
// "[<error code>]<key>" for validation messages.
//
// Lookup order for a key in language L: the admin's messages for L (when
// given), the built-in catalog for L, the admin's default messages, the
// built-in English catalog, and finally the key itself, so a missing
// translation shows English text rather than nothing. This mirrors
// FusionAuth, where localized theme messages win over the default messages.
package i18n

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// DefaultLanguage is used when nothing in Accept-Language matches.
const DefaultLanguage = "en"

//go:embed messages/*.properties
var builtin embed.FS

// Catalog is every language's messages. It is immutable after New and safe
// for concurrent use.
type Catalog struct {
	langs map[string]*Localizer // by language code
	codes []string              // sorted
}

// Localizer is one language's view of a Catalog. A nil *Localizer answers in
// built-in English, so templates and tests never need a nil check.
type Localizer struct {
	lang   string
	chain  []map[string]string // consulted in order
	admin  []map[string]string // the admin's messages only, in order
	parent *Catalog
}

// New loads the built-in catalogs and layers extra, the admin's default
// messages (typically ParseProperties of PORTAL_MESSAGES_FILE; may be nil),
// under each language's own text and over built-in English.
func New(extra map[string]string) (*Catalog, error) {
	return NewLocalized(extra, nil)
}

// NewLocalized is New with admin messages per language as well (FusionAuth
// themes' "localized messages"), keyed by language code ("de", "fr").
// Languages the admin adds that have no built-in catalog become available
// too, with built-in English for the portal's own text.
func NewLocalized(extra map[string]string, localized map[string]map[string]string) (*Catalog, error) {
	base, err := loadBuiltin()
	if err != nil {
		return nil, err
	}
	if err := checkMessages("admin messages", extra); err != nil {
		return nil, err
	}
	loc := map[string]map[string]string{}
	for lang, m := range localized {
		if !validLangCode(lang) {
			return nil, fmt.Errorf("admin messages: %q is not a language code like \"de\" or \"pt\"", lang)
		}
		if err := checkMessages("admin messages for "+lang, m); err != nil {
			return nil, err
		}
		loc[strings.ToLower(lang)] = m
	}
	en := base[DefaultLanguage]
	if en == nil {
		return nil, errors.New("i18n: built-in English catalog missing")
	}
	c := &Catalog{langs: map[string]*Localizer{}}
	codes := map[string]bool{}
	for l := range base {
		codes[l] = true
	}
	for l := range loc {
		codes[l] = true
	}
	for l := range codes {
		var chain, admin []map[string]string
		if m := loc[l]; m != nil {
			chain = append(chain, m)
			admin = append(admin, m)
		}
		if m := base[l]; m != nil && l != DefaultLanguage {
			chain = append(chain, m)
		}
		if extra != nil {
			chain = append(chain, extra)
			admin = append(admin, extra)
		}
		chain = append(chain, en)
		c.langs[l] = &Localizer{lang: l, chain: chain, admin: admin, parent: c}
		c.codes = append(c.codes, l)
	}
	sort.Strings(c.codes)
	return c, nil
}

// englishOnly is built-in English, for a nil *Localizer.
var englishOnly = sync.OnceValue(func() map[string]string {
	base, err := loadBuiltin()
	if err != nil {
		return map[string]string{}
	}
	return base[DefaultLanguage]
})

// loadBuiltin parses every embedded messages/<lang>.properties.
func loadBuiltin() (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	files, err := fs.Glob(builtin, "messages/*.properties")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		lang := strings.TrimSuffix(path.Base(f), ".properties")
		r, err := builtin.Open(f)
		if err != nil {
			return nil, err
		}
		m, err := ParseProperties(r)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("i18n: built-in %s: %w", f, err)
		}
		out[lang] = m
	}
	return out, nil
}

func checkMessages(what string, m map[string]string) error {
	for k, v := range m {
		if k == "" {
			return fmt.Errorf("%s: empty key", what)
		}
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("%s: key %q: not valid UTF-8", what, k)
		}
	}
	return nil
}

func validLangCode(s string) bool {
	if len(s) < 2 || len(s) > 8 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// Languages lists the available language codes, sorted.
func (c *Catalog) Languages() []string { return append([]string(nil), c.codes...) }

// Lookup returns the Localizer for a language code ("de", "de-CH" falls back
// to "de"), or the default language's when there is none.
func (c *Catalog) Lookup(lang string) *Localizer {
	tag := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(lang), "_", "-"))
	if l, ok := c.langs[tag]; ok {
		return l
	}
	if i := strings.IndexByte(tag, '-'); i > 0 {
		if l, ok := c.langs[tag[:i]]; ok {
			return l
		}
	}
	return c.langs[DefaultLanguage]
}

// Lang is the language code, for <html lang="…">.
func (l *Localizer) Lang() string {
	if l == nil {
		return DefaultLanguage
	}
	return l.lang
}

// message finds key along the lookup chain.
func (l *Localizer) message(key string) (string, bool) {
	if l == nil {
		m, ok := englishOnly()[key]
		return m, ok
	}
	for _, m := range l.chain {
		if v, ok := m[key]; ok {
			return v, true
		}
	}
	return "", false
}

// Custom returns the admin's own message for key (their FusionAuth theme
// messages), skipping the built-in catalogs. Form labels use it so that an
// admin's message beats the field's data.label, which beats the built-in
// label of a managed field.
func (l *Localizer) Custom(key string) (string, bool) {
	if l == nil {
		return "", false
	}
	for _, m := range l.admin {
		if v, ok := m[key]; ok && v != "" {
			return v, true
		}
	}
	return "", false
}

// Has reports whether key has a message in this language or a fallback.
func (l *Localizer) Has(key string) bool {
	_, ok := l.message(key)
	return ok
}

// T returns the message for key with {0}, {1}, … replaced by args
// (formatted with fmt.Sprint). A missing key gives the key itself, so a typo
// is visible on the page instead of an empty space. Placeholders without a
// matching argument stay as written.
func (l *Localizer) T(key string, args ...any) string {
	msg, ok := l.message(key)
	if !ok {
		return key
	}
	return format(msg, args)
}

// Field returns the label for a form field key (the FusionAuth convention:
// the message whose key is the field key), or fallback (usually the field's
// name from FusionAuth) when no messages file defines it.
func (l *Localizer) Field(key, fallback string) string {
	if m, ok := l.message(key); ok && m != "" {
		return m
	}
	return fallback
}

// FieldPlaceholder returns the "{placeholder}<key>" message, or "".
func (l *Localizer) FieldPlaceholder(key string) string {
	m, _ := l.message("{placeholder}" + key)
	return m
}

// FieldTooltip returns the "{tooltip}<key>" message (FusionAuth's help text
// for a field), or "".
func (l *Localizer) FieldTooltip(key string) string {
	m, _ := l.message("{tooltip}" + key)
	return m
}

// Option returns the label for an option value of a select, radio or
// checkbox field. FusionAuth themes look options up by the value itself
// (Denver=Denver, Colorado); the value is shown when there is no message.
func (l *Localizer) Option(value string) string {
	if m, ok := l.message(value); ok && m != "" {
		return m
	}
	return value
}

// FieldError returns the admin's message for a validation error, looked up
// as FusionAuth does: "[<code>]<key>" (for example "[blank]registration.data.minprice"),
// then "[<code>]" alone; fallback (the portal's own message) otherwise.
// args fill {0}, {1}, … in the admin's message.
func (l *Localizer) FieldError(code, key, fallback string, args ...any) string {
	if m, ok := l.message("[" + code + "]" + key); ok && m != "" {
		return format(m, args)
	}
	if m, ok := l.message("[" + code + "]"); ok && m != "" {
		return format(m, args)
	}
	return fallback
}

// format replaces {N} (N a small decimal index) with args[N].
func format(msg string, args []any) string {
	if len(args) == 0 || !strings.Contains(msg, "{") {
		return msg
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(msg, '{')
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		j := strings.IndexByte(msg[i:], '}')
		if j < 0 {
			b.WriteString(msg)
			return b.String()
		}
		n, err := strconv.Atoi(msg[i+1 : i+j])
		b.WriteString(msg[:i])
		if err == nil && n >= 0 && n < len(args) && msg[i+1] != '+' && msg[i+1] != '-' {
			b.WriteString(fmt.Sprint(args[n]))
		} else {
			b.WriteString(msg[i : i+j+1])
		}
		msg = msg[i+j+1:]
	}
}

// placeholders lists the {N} indexes in msg, for tests and catalog checks.
func placeholders(msg string) []int {
	var out []int
	for {
		i := strings.IndexByte(msg, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(msg[i:], '}')
		if j < 0 {
			return out
		}
		if n, err := strconv.Atoi(msg[i+1 : i+j]); err == nil && n >= 0 && msg[i+1] != '+' {
			out = append(out, n)
		}
		msg = msg[i+j+1:]
	}
}
