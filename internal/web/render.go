package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"portal/internal/form"
)

//go:embed templates
var templateFS embed.FS

// pages holds one parsed template set per page, built once at start-up.
type pages struct {
	byName map[string]*template.Template
	brand  Brand
	assets *assets
}

var pageNames = []string{"landing", "profile", "error", "logout", "signedout"}

func newPages(b Brand, a *assets) (*pages, error) {
	funcs := template.FuncMap{"asset": a.URL}
	base := template.New("base").Funcs(funcs)
	if _, err := base.ParseFS(templateFS, "templates/layout.html"); err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	if _, err := base.ParseFS(form.Templates, "fields.tmpl"); err != nil {
		return nil, fmt.Errorf("parse form templates: %w", err)
	}
	var override fs.FS
	if b.TemplateDir != "" {
		override = os.DirFS(b.TemplateDir)
		if matches, _ := fs.Glob(override, "layout.html"); len(matches) > 0 {
			if _, err := base.ParseFS(override, "layout.html"); err != nil {
				return nil, fmt.Errorf("parse %s: %w", filepath.Join(b.TemplateDir, "layout.html"), err)
			}
		}
	}
	p := &pages{byName: map[string]*template.Template{}, brand: b, assets: a}
	for _, name := range pageNames {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		src, file := fs.FS(templateFS), "templates/"+name+".html"
		if override != nil {
			if _, err := fs.Stat(override, name+".html"); err == nil {
				src, file = override, name+".html"
			}
		}
		if _, err := t.ParseFS(src, file); err != nil {
			return nil, fmt.Errorf("parse %s: %w", file, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// pageData is what every page template receives.
type pageData struct {
	Title     string
	Brand     Brand
	Signed    bool
	Name      string
	Email     string
	CSRF      string
	Flash     string
	RequestID string

	Profile  *profileView
	Error    *errorView
	ReturnTo string
}

type errorView struct {
	Status  int
	Heading string
	Message string
	Retry   string // a "try again" link, if any
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render executes a page into a pooled buffer first, so a template error
// never sends half a page with a 200 status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, d *pageData) {
	d.Brand = s.pages.brand
	d.RequestID = requestID(r.Context())
	if sess := currentSession(r); sess != nil {
		d.Signed = true
		d.Name, d.Email, d.CSRF = sess.Name, sess.Email, sess.CSRF
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := s.pages.byName[name].ExecuteTemplate(buf, "layout", d); err != nil {
		s.log.Error("render failed", "request_id", d.RequestID, "page", name, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "Something went wrong showing this page. Request id: %s\n", d.RequestID)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage shows a friendly page with the request id and no internals.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, heading, message string) {
	s.errorPageRetry(w, r, status, heading, message, "")
}

func (s *Server) errorPageRetry(w http.ResponseWriter, r *http.Request, status int, heading, message, retry string) {
	s.render(w, r, status, "error", &pageData{
		Title: heading,
		Error: &errorView{Status: status, Heading: heading, Message: message, Retry: retry},
	})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "Page not found", "There is nothing at this address.")
}
