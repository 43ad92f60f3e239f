package i18n

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Load builds the catalog from an admin's FusionAuth theme messages file
// (PORTAL_MESSAGES_FILE): path holds the default messages, and files beside
// it named like Java resource bundles (messages_de.properties next to
// messages.properties) hold one language each, as FusionAuth themes keep
// "localized messages" per language. An empty path gives the built-in
// catalogs only. Errors name the file and line.
func Load(path string) (*Catalog, error) {
	if path == "" {
		return New(nil)
	}
	extra, err := readProperties(path)
	if err != nil {
		return nil, err
	}
	ext := filepath.Ext(path)
	stem := strings.TrimSuffix(path, ext)
	matches, err := filepath.Glob(globEscape(stem) + "_*" + globEscape(ext))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	localized := map[string]map[string]string{}
	for _, m := range matches {
		lang := strings.TrimSuffix(strings.TrimPrefix(m, stem+"_"), ext)
		if !validLangCode(lang) {
			continue // messages_de_CH.properties and the like: not supported, skipped
		}
		if localized[strings.ToLower(lang)], err = readProperties(m); err != nil {
			return nil, err
		}
	}
	return NewLocalized(extra, localized)
}

func readProperties(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("messages file: %w", err)
	}
	defer f.Close()
	m, err := ParseProperties(f)
	if err != nil {
		return nil, fmt.Errorf("messages file %s: %w", path, err)
	}
	return m, nil
}

// globEscape quotes the glob metacharacters of a literal path part.
func globEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
