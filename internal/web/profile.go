package web

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"portal/internal/form"
	"portal/internal/fusionauth"
	"portal/internal/i18n"
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
		s.render(w, r, http.StatusOK, "landing", &pageData{Title: "title.welcome"})
		return
	}
	if !s.ensureFresh(w, r, sess, nil) {
		return
	}
	l := s.loc(r)
	d := &pageData{L: l, Title: "title.profile", Flash: sess.TakeFlash()}
	s.saveSession(r, sess)
	if s.opt.FusionAuth == nil {
		d.Profile = &profileView{Claims: claimRows(sess.Claims, l)}
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
		d.Profile = &profileView{Identity: identityRows(user, noKeys, l), Problem: l.T("profile.problem.formunavailable")}
		s.render(w, r, http.StatusServiceUnavailable, "profile", d)
		return
	}
	rec := form.Record{User: user, ApplicationID: s.opt.ApplicationID}
	view := def.View(rec, l)
	if kept := s.takeDraft(ctx, sess.UserID, r.URL.Query().Get("resume")); kept != nil {
		// Input typed before a re-sign-in: shown again, validated, not saved.
		sub := def.Parse(kept)
		def.Rebase(sub, rec)
		view = def.ViewSubmission(sub, l)
		d.Flash = "flash.resumed"
	}
	d.Profile = &profileView{Identity: identityRows(user, def.HasKey, l), Form: &view, Editable: true}
	s.render(w, r, http.StatusOK, "profile", d)
}

// saveProfile validates the posted form against the cached definition, then
// reads the user once (for the conflict check) and sends only the changed
// keys. Invalid input never reaches FusionAuth.
func (s *Server) saveProfile(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sess := currentSession(r)
	if s.opt.FusionAuth == nil {
		s.errorPage(w, r, http.StatusNotFound, "error.readonly")
		return
	}
	def, err := s.forms.Get(ctx)
	if err != nil {
		s.log.Error("form definitions unavailable", "request_id", requestID(ctx), "err", err)
		s.errorPage(w, r, http.StatusServiceUnavailable, "error.formunavailable")
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
	l := s.loc(r)
	d := &pageData{L: l, Title: "title.profile"}
	if len(sub.Errors) > 0 {
		view := def.ViewSubmission(sub, l)
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
		view := def.ViewSubmission(sub, l)
		def.LocalizeConflicts(conflicts, l)
		d.Profile = &profileView{Identity: identityRows(current, def.HasKey, l), Form: &view, Editable: true, Conflicts: conflicts,
			Problem: l.T("profile.problem.conflict")}
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
				msg = "profile.problem.partial"
			}
			s.saveFailedMsg(w, r, def, sub, current, err, msg)
			return
		}
	}
	if patch.User == nil && patch.Registration == nil {
		sess.SetFlash("flash.nochange")
	} else {
		sess.SetFlash("flash.saved")
		s.log.Info("profile saved", "request_id", requestID(ctx), "user_id", sess.UserID)
	}
	s.saveSession(r, sess)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) saveFailed(w http.ResponseWriter, r *http.Request, def *form.Definition, sub *form.Submission, current map[string]any, err error) {
	s.saveFailedMsg(w, r, def, sub, current, err, "")
}

// saveFailedMsg re-renders the form with everything the user typed. A
// FusionAuth 400 with field errors is shown at those fields, in the user's
// language where FusionAuth's code is one the portal knows.
func (s *Server) saveFailedMsg(w http.ResponseWriter, r *http.Request, def *form.Definition, sub *form.Submission, current map[string]any, err error, prefix string) {
	ctx := r.Context()
	l := s.loc(r)
	status, problem := http.StatusServiceUnavailable, l.T("profile.problem.unreachable")
	level, logMsg := slog.LevelError, "saving profile failed"
	var apiErr *fusionauth.APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest {
		status, problem = http.StatusUnprocessableEntity, l.T("profile.problem.rejected")
		atFields, allKnown := false, len(apiErr.Errors.GeneralErrors) == 0
		var other []fusionauth.ErrorItem // shown as the page's problem
		for _, key := range slices.Sorted(maps.Keys(apiErr.Errors.FieldErrors)) {
			list := apiErr.Errors.FieldErrors[key]
			if len(list) == 0 {
				continue
			}
			// The portal's message for FusionAuth's code in the user's
			// language (the admin's theme message first), else
			// FusionAuth's own text.
			shown, known := def.RejectedBy(sub, key, list[0].Code, list[0].Message)
			for _, it := range list[1:] {
				known = known && form.KnownAPIError(it.Code)
			}
			atFields = atFields || shown
			allKnown = allKnown && shown && known
			if !shown {
				// Not a field the user can edit here: said above the form.
				other = append(other, list[0])
			}
		}
		other = append(other, apiErr.Errors.GeneralErrors...)
		if atFields && len(other) == 0 {
			// The error summary, linked to those fields, is the one message.
			problem = ""
		}
		for _, g := range other {
			problem += " " + l.Field(g.Code, g.Message)
		}
		switch {
		case atFields && allKnown:
			// Ordinary user input FusionAuth refused (an email already in
			// use): not a failure of the portal. Codes name fields, never
			// their values.
			level, logMsg = slog.LevelInfo, "profile save rejected by FusionAuth"
		case atFields && len(apiErr.Errors.GeneralErrors) == 0:
			level, logMsg = slog.LevelWarn, "profile save rejected by FusionAuth with unknown codes"
		}
	} else if errors.Is(err, fusionauth.ErrNotFound) {
		status, problem = http.StatusNotFound, l.T("profile.problem.notfound")
	}
	s.log.Log(ctx, level, logMsg, "request_id", requestID(ctx), "err", err)
	if prefix != "" {
		problem = l.T(prefix) + " " + problem
	}
	problem = strings.TrimSpace(problem)
	view := def.ViewSubmission(sub, l)
	d := &pageData{L: l, Title: "title.profile"}
	d.Profile = &profileView{Form: &view, Editable: true, Problem: problem}
	if current != nil {
		d.Profile.Identity = identityRows(current, def.HasKey, l)
	}
	s.render(w, r, status, "profile", d)
}

// apiFailure answers a failed read of the user's record.
func (s *Server) apiFailure(w http.ResponseWriter, r *http.Request, sess *session.Session, err error, what string) {
	s.log.Error("fusionauth call failed", "request_id", requestID(r.Context()), "err", err)
	if errors.Is(err, fusionauth.ErrNotFound) {
		s.opt.Sessions.Destroy(r.Context(), w, sess)
		s.errorPageRetry(w, r, http.StatusNotFound, "error.accountgone", "/login")
		return
	}
	s.errorPage(w, r, http.StatusServiceUnavailable, "error.unavailable")
}

func (s *Server) saveSession(r *http.Request, sess *session.Session) {
	if err := s.opt.Sessions.Save(r.Context(), sess); err != nil {
		s.log.Error("saving session failed", "request_id", requestID(r.Context()), "err", err)
	}
}

// identityRows are the read-only facts at the top of the profile.
func identityRows(user map[string]any, onForm func(key string) bool, l *i18n.Localizer) []identityRow {
	var rows []identityRow
	add := func(label, key string) {
		if onForm("user." + key) {
			return // shown, editable, in the form below
		}
		if v, ok := user[key].(string); ok && v != "" {
			rows = append(rows, identityRow{l.T(label), v})
		}
	}
	add("identity.email", "email")
	add("identity.username", "username")
	if onForm("user.fullName") || onForm("user.firstName") || onForm("user.middleName") || onForm("user.lastName") {
		return rows // the name is edited in the form below
	}
	if n, _ := user["fullName"].(string); n != "" {
		rows = append(rows, identityRow{l.T("identity.name"), n})
	} else {
		first, _ := user["firstName"].(string)
		last, _ := user["lastName"].(string)
		if n := strings.TrimSpace(first + " " + last); n != "" {
			rows = append(rows, identityRow{l.T("identity.name"), n})
		}
	}
	return rows
}

// claimRows shows OIDC claims (plain OIDC mode) in the standard's order.
func claimRows(claims map[string]any, l *i18n.Localizer) []identityRow {
	var rows []identityRow
	for _, k := range standardClaims {
		v, ok := claims[k]
		if !ok || v == nil {
			continue
		}
		rows = append(rows, identityRow{l.T("claim." + k), fmt.Sprint(v)})
	}
	return rows
}

func noKeys(string) bool { return false }

// standardClaims are the OpenID Connect standard claims the profile shows
// in plain-OIDC mode (OpenID Connect Core section 5.1), labelled claim.<name>.
var standardClaims = []string{"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
	"email", "email_verified", "phone_number", "birthdate", "zoneinfo", "locale", "picture", "website", "profile", "gender", "sub"}
