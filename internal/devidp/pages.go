package devidp

import (
	"bytes"
	"html/template"
	"net/http"

	"portal/internal/form"
	"portal/internal/fusionauth"
)

// pageTemplates are the hosted pages: plain, server-rendered, escaped by
// html/template. The registration page reuses the portal's field templates.
var pageTemplates = template.Must(template.Must(template.New("pages").Parse(pagesHTML)).ParseFS(form.Templates, "fields.tmpl"))

const pagesHTML = `
{{define "top"}}<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>FusionAuth (development server)</title>
<style>
body{font-family:system-ui,sans-serif;background:#f3f4f6;color:#111;margin:0}
main{max-width:28rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin-top:0} label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=text],input[type=email],input[type=password],input[type=number],input[type=date],input[type=tel],select,textarea{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #999;border-radius:4px}
button{margin-top:1.2rem;padding:.6rem 1.2rem;background:#1d4ed8;color:#fff;border:0;border-radius:4px;font-size:1rem}
.error,.field-error{color:#b91c1c}.error-summary{border:2px solid #b91c1c;padding:.5rem 1rem;margin-bottom:1rem}
fieldset{border:0;padding:0;margin:0}.visually-hidden{position:absolute;left:-9999px}.dev{font-size:.8rem;color:#666}
</style></head><body><main>
<p class="dev">FusionAuth (development server)</p>{{end}}
{{define "bottom"}}</main></body></html>{{end}}

{{define "hidden"}}{{range $k, $vs := .}}{{range $vs}}<input type="hidden" name="{{$k}}" value="{{.}}">
{{end}}{{end}}{{end}}

{{define "login"}}{{template "top"}}
<h1>Sign in to {{.AppName}}</h1>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/oauth2/authorize">
{{template "hidden" .Params}}
<label for="loginId">Email</label>
<input type="text" id="loginId" name="loginId" value="{{.LoginID}}" autocomplete="username" autofocus required>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">Submit</button>
</form>
{{if .RegisterURL}}<p>Don't have an account? <a href="{{.RegisterURL}}">Create an account</a></p>{{end}}
{{template "bottom"}}{{end}}

{{define "register"}}{{template "top"}}
<h1>Register for {{.AppName}}</h1>
<p>Step {{.StepNumber}} of {{.StepCount}}</p>
{{template "form-error-summary" .View}}
<form method="post" action="/oauth2/register" novalidate>
{{template "hidden" .Params}}
<input type="hidden" name="step" value="{{.Step}}">
{{if .PendingID}}<input type="hidden" name="registrationId" value="{{.PendingID}}">{{end}}
{{template "form-fields" .View}}
<button type="submit">{{if .Last}}Register{{else}}Next{{end}}</button>
</form>
<p>Already have an account? <a href="{{.LoginURL}}">Sign in</a></p>
{{template "bottom"}}{{end}}

{{define "error"}}{{template "top"}}
<h1>Something went wrong</h1>
<p class="error" role="alert"><code>{{.Code}}</code>: {{.Message}}</p>
{{template "bottom"}}{{end}}

{{define "home"}}{{template "top"}}
<h1>FusionAuth (development server)</h1>
<p>This server imitates the parts of FusionAuth the portal uses. Discovery: <a href="/.well-known/openid-configuration">/.well-known/openid-configuration</a>.</p>
{{template "bottom"}}{{end}}
`

func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("devidp: render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// renderError shows an OAuth error page; used when redirecting is unsafe.
func (s *Server) renderError(w http.ResponseWriter, status int, code, msg string) {
	s.render(w, status, "error", map[string]string{"Code": code, "Message": msg})
}

func (s *Server) renderLogin(w http.ResponseWriter, status int, app fusionauth.Application, p authzParams, loginID, errMsg string) {
	reg := ""
	if app.RegistrationConfiguration.Enabled {
		reg = "/oauth2/register?" + p.values().Encode()
	}
	s.render(w, status, "login", map[string]any{
		"AppName": app.Name, "Params": p.values(), "LoginID": loginID, "Error": errMsg, "RegisterURL": reg,
	})
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "home", nil)
}
