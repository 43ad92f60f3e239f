package web

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"portal/internal/form"
	"portal/internal/fusionauth"
	"portal/internal/session"
)

// profileView is what the profile page shows.
type profileView struct {
	Identity  []identityRow
	Form      *form.View
	Conflicts []form.Conflict
	Problem   string // page-level message: why nothing was saved
	Claims    []identityRow
	Editable  bool
}

type identityRow struct{ Label, Value string }

// showHome is the landing page for visitors and the profile for users.
// A profile view costs exactly one FusionAuth call: the user record, which
// carries the registrations. The form definition comes from the cache.
func (s *Server) showHome(w http.ResponseWriter, r *http.Request) {
	sess := currentSession(r)
	if sess == nil {
		s.render(w, r, http.StatusOK, "landing", &pageData{Title: "Welcome"})
		return
	}
	if !s.ensureFresh(w, r, sess, nil) {
		return
	}
	d := &pageData{Title: "Your profile", Flash: sess.TakeFlash()}
	s.saveSession(r, sess)
	if s.opt.FusionAuth == nil {
		d.Profile = &profileView{Claims: claimRows(sess.Claims)}
		s.render(w, r, http.StatusOK, "profile", d)
		return
	}
	ctx := r.Context()
	user, err := s.opt.FusionAuth.RetrieveUser(ctx, sess.UserID)
	if err != nil {
		s.apiFailure(w, r, sess, err, "load your profile")
		return
	}
	def, err := s.forms.Get(ctx)
	if err != nil {
		s.log.Error("form definitions unavailable", "request_id", requestID(ctx), "err", err)
		d.Profile = &profileView{Identity: identityRows(user, noKeys), Problem: "Your details cannot be edited right now because the profile form could not be loaded. Please try again later."}
		s.render(w, r, http.StatusServiceUnavailable, "profile", d)
		return
	}
	rec := form.Record{User: user, ApplicationID: s.opt.ApplicationID}
	view := def.View(rec)
	if kept := s.takeDraft(ctx, sess.UserID, r.URL.Query().Get("resume")); kept != nil {
		// Input typed before a re-sign-in: shown again, validated, not saved.
		sub := def.Parse(kept)
		def.Rebase(sub, rec)
		view = def.ViewSubmission(sub)
		d.Flash = "You are signed in again. Your changes were kept below but not saved yet: check them and press Save."
	}
	d.Profile = &profileView{Identity: identityRows(user, def.HasKey), Form: &view, Editable: true}
	s.render(w, r, http.StatusOK, "profile", d)
}

// saveProfile validates the posted form against the cached definition, then
// reads the user once (for the conflict check) and sends only the changed
// keys. Invalid input never reaches FusionAuth.
func (s *Server) saveProfile(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sess := currentSession(r)
	if s.opt.FusionAuth == nil {
		s.errorPage(w, r, http.StatusNotFound, "Editing is not available", "This portal shows your details from the identity provider; they cannot be edited here.")
		return
	}
	def, err := s.forms.Get(ctx)
	if err != nil {
		s.log.Error("form definitions unavailable", "request_id", requestID(ctx), "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "Nothing was saved", "The profile form could not be loaded, so nothing was saved. Go back to keep your changes and try again in a moment.")
		return
	}
	if sess == nil {
		// The session ended while the user was typing: keep the input
		// (without passwords) through a fresh sign-in, save nothing.
		s.startSignIn(w, r, false, withoutSecrets(r.PostForm, def.IsPassword))
		return
	}
	if !s.ensureFresh(w, r, sess, withoutSecrets(r.PostForm, def.IsPassword)) {
		return
	}
	sub := def.Parse(r.PostForm)
	if len(sub.Ignored) > 0 {
		s.log.Warn("ignored keys not on the form", "request_id", requestID(ctx), "user_id", sess.UserID, "keys", strings.Join(sub.Ignored, ","))
	}
	d := &pageData{Title: "Your profile"}
	if len(sub.Errors) > 0 {
		view := def.ViewSubmission(sub)
		// The error summary at the top of the form says what is wrong.
		d.Profile = &profileView{Form: &view, Editable: true}
		s.render(w, r, http.StatusUnprocessableEntity, "profile", d)
		return
	}
	current, err := s.opt.FusionAuth.RetrieveUser(ctx, sess.UserID)
	if err != nil {
		s.saveFailed(w, r, def, sub, nil, err)
		return
	}
	rec := form.Record{User: current, ApplicationID: s.opt.ApplicationID}
	patch, conflicts := def.Changes(sub, rec)
	if len(conflicts) > 0 {
		// The fresh snapshot makes a second Save mean "keep my values".
		def.Rebase(sub, rec)
		view := def.ViewSubmission(sub)
		d.Profile = &profileView{Identity: identityRows(current, def.HasKey), Form: &view, Editable: true, Conflicts: conflicts,
			Problem: "Some fields were changed elsewhere since you opened this page. Nothing was saved yet."}
		s.render(w, r, http.StatusConflict, "profile", d)
		return
	}
	if patch.User != nil {
		if err := s.opt.FusionAuth.PatchUser(ctx, sess.UserID, patch.User); err != nil {
			s.saveFailed(w, r, def, sub, current, err)
			return
		}
	}
	if patch.Registration != nil {
		if err := s.opt.FusionAuth.PatchRegistration(ctx, sess.UserID, s.opt.ApplicationID, patch.Registration); err != nil {
			msg := ""
			if patch.User != nil {
				msg = "Your personal details were saved, but the rest was not."
			}
			s.saveFailedMsg(w, r, def, sub, current, err, msg)
			return
		}
	}
	if patch.User == nil && patch.Registration == nil {
		sess.SetFlash("Nothing changed.")
	} else {
		sess.SetFlash("Saved.")
		s.log.Info("profile saved", "request_id", requestID(ctx), "user_id", sess.UserID)
	}
	s.saveSession(r, sess)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) saveFailed(w http.ResponseWriter, r *http.Request, def *form.Definition, sub *form.Submission, current map[string]any, err error) {
	s.saveFailedMsg(w, r, def, sub, current, err, "")
}

// saveFailedMsg re-renders the form with everything the user typed. A
// FusionAuth 400 with field errors is shown at those fields.
func (s *Server) saveFailedMsg(w http.ResponseWriter, r *http.Request, def *form.Definition, sub *form.Submission, current map[string]any, err error, prefix string) {
	ctx := r.Context()
	status, problem := http.StatusServiceUnavailable, "FusionAuth could not be reached, so nothing was saved. Your changes are still in the form: try again in a moment."
	var apiErr *fusionauth.APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest {
		status, problem = http.StatusUnprocessableEntity, "FusionAuth did not accept these values, so nothing was saved."
		for key, list := range apiErr.Errors.FieldErrors {
			if len(list) > 0 && def.HasKey(key) {
				sub.Errors[key] = list[0].Message
			}
		}
		for _, g := range apiErr.Errors.GeneralErrors {
			problem += " " + g.Message
		}
	} else if errors.Is(err, fusionauth.ErrNotFound) {
		status, problem = http.StatusNotFound, "Your account could not be found at FusionAuth, so nothing was saved."
	}
	s.log.Error("saving profile failed", "request_id", requestID(ctx), "err", err)
	if prefix != "" {
		problem = prefix + " " + problem
	}
	view := def.ViewSubmission(sub)
	d := &pageData{Title: "Your profile"}
	d.Profile = &profileView{Form: &view, Editable: true, Problem: problem}
	if current != nil {
		d.Profile.Identity = identityRows(current, def.HasKey)
	}
	s.render(w, r, status, "profile", d)
}

// apiFailure answers a failed read of the user's record.
func (s *Server) apiFailure(w http.ResponseWriter, r *http.Request, sess *session.Session, err error, what string) {
	s.log.Error("fusionauth call failed", "request_id", requestID(r.Context()), "err", err)
	if errors.Is(err, fusionauth.ErrNotFound) {
		s.opt.Sessions.Destroy(r.Context(), w, sess)
		s.errorPageRetry(w, r, http.StatusNotFound, "Account not found", "Your account no longer exists at the identity provider, so you have been signed out.", "/login")
		return
	}
	s.errorPage(w, r, http.StatusServiceUnavailable, "Temporarily unavailable", fmt.Sprintf("The portal could not %s because FusionAuth is not answering. Please try again in a moment.", what))
}

func (s *Server) saveSession(r *http.Request, sess *session.Session) {
	if err := s.opt.Sessions.Save(r.Context(), sess); err != nil {
		s.log.Error("saving session failed", "request_id", requestID(r.Context()), "err", err)
	}
}

// identityRows are the read-only facts at the top of the profile.
func identityRows(user map[string]any, onForm func(key string) bool) []identityRow {
	var rows []identityRow
	add := func(label, key string) {
		if onForm("user." + key) {
			return // shown, editable, in the form below
		}
		if v, ok := user[key].(string); ok && v != "" {
			rows = append(rows, identityRow{label, v})
		}
	}
	add("Email", "email")
	add("Username", "username")
	if n, _ := user["fullName"].(string); n != "" {
		rows = append(rows, identityRow{"Name", n})
	} else {
		first, _ := user["firstName"].(string)
		last, _ := user["lastName"].(string)
		if n := strings.TrimSpace(first + " " + last); n != "" {
			rows = append(rows, identityRow{"Name", n})
		}
	}
	return rows
}

// claimRows shows OIDC claims (plain OIDC mode) in a stable order.
func claimRows(claims map[string]any) []identityRow {
	labels := map[string]string{
		"name": "Name", "given_name": "First name", "family_name": "Last name", "middle_name": "Middle name",
		"nickname": "Nickname", "preferred_username": "Username", "email": "Email", "email_verified": "Email verified",
		"phone_number": "Phone", "birthdate": "Birth date", "zoneinfo": "Time zone", "locale": "Locale",
		"picture": "Picture", "website": "Website", "profile": "Profile", "gender": "Gender", "sub": "Subject",
	}
	var rows []identityRow
	for k, label := range labels {
		v, ok := claims[k]
		if !ok || v == nil {
			continue
		}
		rows = append(rows, identityRow{label, fmt.Sprint(v)})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Label < rows[j].Label })
	return rows
}

func noKeys(string) bool { return false }
