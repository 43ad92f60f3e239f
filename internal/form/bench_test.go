package form

import (
	"bytes"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	d := mustDef(b, demoFields()...)
	post := browserPost(d.View(userRec(b, demoUser), nil))
	b.ReportAllocs()
	for b.Loop() {
		if s := d.Parse(post); !s.OK() {
			b.Fatal(s.Errors)
		}
	}
}

func BenchmarkView(b *testing.B) {
	d := mustDef(b, demoFields()...)
	rec := userRec(b, demoUser)
	b.ReportAllocs()
	for b.Loop() {
		d.View(rec, nil)
	}
}

func BenchmarkRender(b *testing.B) {
	d := mustDef(b, demoFields()...)
	v := d.View(userRec(b, demoUser), nil)
	tm, err := ParseTemplates()
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := tm.ExecuteTemplate(&buf, "form-fields", v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChanges(b *testing.B) {
	d := mustDef(b, demoFields()...)
	rec := userRec(b, demoUser)
	s := d.Parse(browserPost(d.View(rec, nil)))
	b.ReportAllocs()
	for b.Loop() {
		d.Changes(s, rec)
	}
}
