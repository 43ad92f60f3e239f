package form

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"
)

// FuzzParse feeds arbitrary query strings through Parse, ViewSubmission,
// rendering and Changes: nothing may panic, every value in the patch must
// be valid JSON, and only keys of the definition may be written.
func FuzzParse(f *testing.F) {
	d := mustDef(f, demoFields()...)
	rec := userRec(f, demoUser)
	f.Add(browserPost(d.View(rec, nil)).Encode())
	f.Add("user.firstName=&user.firstName=x&registration.data.maxprice=1e999")
	f.Add("registration.data.maxprice=%2B007.50&user.data.news=on&form.present=user.data.news")
	f.Add("user.preferredLanguages=zz_ZZ_123456789&form.present=user.preferredLanguages&user.timezone=..%2Fetc")
	f.Add("form.snapshot=eyJ2Ijp7InVzZXIuZmlyc3ROYW1lIjpbMV19fQ&user.firstName=%FF%FE")
	f.Add("user.birthDate=2023-02-30&registration.data.sports=Golf&registration.data.sports=Golf&registration.roles=admin")
	tm, err := ParseTemplates()
	if err != nil {
		f.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, k := range d.Keys() {
		allowed[k] = true
	}
	f.Fuzz(func(t *testing.T, q string) {
		post, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		s := d.Parse(post)
		for k := range s.Values {
			if !allowed[k] {
				t.Fatalf("value for unknown key %q", k)
			}
		}
		var b bytes.Buffer
		if err := tm.ExecuteTemplate(&b, "form-fields", d.ViewSubmission(s, nil)); err != nil {
			t.Fatalf("render: %v", err)
		}
		p, _ := d.Changes(s, rec)
		if _, err := json.Marshal(map[string]any{"user": p.User, "registration": p.Registration}); err != nil {
			t.Fatalf("patch is not valid JSON: %v", err)
		}
	})
}
