package form

import (
	"embed"
	"html/template"
)

// Templates holds fields.tmpl, which defines "form-fields" (every section
// and field, plus the hidden form.snapshot input) and "form-error-summary"
// (role=alert list of links to the fields). Parse it into the web layer's
// own template set: tmpl.ParseFS(form.Templates, "fields.tmpl"). Both take
// a View. The <form> element, CSRF token and buttons are the caller's.
//
//go:embed fields.tmpl
var Templates embed.FS

// ParseTemplates returns a standalone template set with the form templates,
// for tests and simple callers.
func ParseTemplates() (*template.Template, error) {
	return template.New("form").ParseFS(Templates, "fields.tmpl")
}
