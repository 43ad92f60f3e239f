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
	"portal/internal/i18n"
)

//go:embed templates
var templateFS embed.FS

// pages holds one parsed template set per page, built once at start-up.
type pages struct {
	byName map[string]*template.Template
	brand  Brand
	assets *assets
}

var pageNames = []string{"landing", "profile", "error", "logout", "leaving", "signedout"}

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

// pageData is what every page template receives. Handlers set Title and
// Flash as message keys; render turns them into the request's language.
type pageData struct {
	L         *i18n.Localizer // the request's language: {{.L.T "key"}}
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
	Leave    *leaveView
}

// leaveView is the form that carries the browser to the identity
// provider's end-session endpoint after the portal's session is gone.
type leaveView struct {
	Action string
	Fields []leaveField // in a stable order
}

type leaveField struct{ Name, Value string }

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
	if d.L == nil {
		d.L = s.loc(r)
	}
	d.Title, d.Flash = d.L.T(d.Title), d.L.T(d.Flash)
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
		fmt.Fprintln(w, d.L.T("error.render", d.RequestID))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", d.L.Lang())
	w.Header().Add("Vary", "Accept-Language")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage shows a friendly page with the request id and no internals.
// key names the messages key+".heading" and key+".message" (args fill the
// message's {0}, {1}, …).
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, key string, args ...any) {
	s.errorPageRetry(w, r, status, key, "", args...)
}

// errorPageRetry is errorPage with a "Try again" link to retry.
func (s *Server) errorPageRetry(w http.ResponseWriter, r *http.Request, status int, key, retry string, args ...any) {
	l := s.loc(r)
	heading := l.T(key + ".heading")
	s.render(w, r, status, "error", &pageData{
		L:     l,
		Title: heading,
		Error: &errorView{Status: status, Heading: heading, Message: l.T(key+".message", args...), Retry: retry},
	})
}

// loc is the language for this request, from Accept-Language.
func (s *Server) loc(r *http.Request) *i18n.Localizer {
	return s.catalog.Negotiate(r.Header.Get("Accept-Language"))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "error.notfound")
}
