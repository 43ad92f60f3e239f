package i18n

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadDefaultAndLocalizedFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("messages.properties", "registration.data.minprice=Minimum price\n")
	write("messages_de.properties", "registration.data.minprice=Mindestpreis\n")
	write("messages_de_CH.properties", "registration.data.minprice=ignored\n")
	write("other_fr.properties", "registration.data.minprice=ignored\n")
	c, err := Load(filepath.Join(dir, "messages.properties"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Lookup("de").Custom("registration.data.minprice"); got != "Mindestpreis" {
		t.Errorf("de = %q", got)
	}
	if got, _ := c.Lookup("fr").Custom("registration.data.minprice"); got != "Minimum price" {
		t.Errorf("fr = %q, want the default file's", got)
	}
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "missing.properties")); err == nil || !strings.Contains(err.Error(), "missing.properties") {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "messages.properties")
	os.WriteFile(bad, []byte("ok=1\nthis line has no separator\n"), 0o600)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "messages.properties") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad file: %v", err)
	}
	if c, err := Load(""); err != nil || c.Lookup("de").Lang() != "de" {
		t.Errorf("no file: %v", err)
	}
}
