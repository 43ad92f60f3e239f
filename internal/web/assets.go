package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

//go:embed static
var staticFS embed.FS

// asset is one static file held in memory, plain and gzipped.
type asset struct {
	body, gz    []byte
	contentType string
}

// assets are served under fingerprinted names (app.1a2b3c4d.css) so they can
// be cached for a year; a new build changes the name.
type assets struct {
	byName map[string]*asset // fingerprinted name -> asset
	urls   map[string]string // logical name -> /assets/fingerprinted
}

func newAssets(b Brand) (*assets, error) {
	a := &assets{byName: map[string]*asset{}, urls: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		a.add(path.Base(p), body)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The brand colour is a tiny generated stylesheet, so the page needs no
	// inline style (the CSP forbids it).
	// Text on the brand colour is black or white, whichever contrasts more:
	// a light brand colour must not leave white, unreadable button labels.
	a.add("theme.css", []byte(fmt.Sprintf(":root{--brand:%s;--on-brand:%s}\n", b.PrimaryColor, onColor(b.PrimaryColor))))
	custom := []byte{}
	if b.TemplateDir != "" {
		if c, err := os.ReadFile(filepath.Join(b.TemplateDir, "custom.css")); err == nil {
			custom = c
		}
	}
	a.add("custom.css", custom)
	return a, nil
}

// onColor is #000 or #fff, whichever has the higher WCAG contrast ratio
// against the hex colour c (#rgb or #rrggbb); at least 4.58:1 either way.
func onColor(c string) string {
	l, ok := luminance(c)
	if !ok {
		return "#fff"
	}
	if (l+0.05)/0.05 > 1.05/(l+0.05) {
		return "#000"
	}
	return "#fff"
}

// luminance is the WCAG 2 relative luminance of a hex colour.
func luminance(c string) (float64, bool) {
	c = strings.TrimPrefix(c, "#")
	if len(c) == 3 {
		c = string([]byte{c[0], c[0], c[1], c[1], c[2], c[2]})
	}
	if len(c) != 6 {
		return 0, false
	}
	var rgb [3]float64
	for i := range rgb {
		v, err := strconv.ParseUint(c[2*i:2*i+2], 16, 8)
		if err != nil {
			return 0, false
		}
		x := float64(v) / 255
		if x <= 0.04045 {
			x /= 12.92
		} else {
			x = math.Pow((x+0.055)/1.055, 2.4)
		}
		rgb[i] = x
	}
	return 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2], true
}

func (a *assets) add(name string, body []byte) {
	sum := sha256.Sum256(body)
	ext := path.Ext(name)
	fp := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(body)
	zw.Close()
	ct := mime.TypeByExtension(ext)
	if ct == "" {
		ct = "application/octet-stream"
	}
	a.byName[fp] = &asset{body: body, gz: gz.Bytes(), contentType: ct}
	a.urls[name] = "/assets/" + fp
}

// URL returns the fingerprinted URL of a logical asset name.
func (a *assets) URL(name string) string { return a.urls[name] }

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) {
	as, ok := s.assets.byName[r.PathValue("file")]
	if !ok {
		s.notFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", as.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Vary", "Accept-Encoding")
	body := as.body
	if len(as.gz) < len(as.body) && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = as.gz
	}
	w.Write(body)
}
