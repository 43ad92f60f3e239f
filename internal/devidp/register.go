package devidp

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"portal/internal/form"
	"portal/internal/fusionauth"
)

const pendingLifetime = 30 * time.Minute

// pendingReg is a registration in progress: values of completed steps, kept
// server side under a random id (passwords only as a hash).
type pendingReg struct {
	clientID string
	step     int
	values   map[string]any
	pwHash   string
	expires  time.Time
}

// registrationForm compiles the application's advanced registration form.
func (s *Server) registrationForm(w http.ResponseWriter, app fusionauth.Application) (*form.Definition, bool) {
	rc := app.RegistrationConfiguration
	if !rc.Enabled {
		s.renderError(w, http.StatusBadRequest, "registration_disabled", "Self-service registration is not enabled for this application.")
		return nil, false
	}
	if rc.Type != "advanced" {
		s.renderError(w, http.StatusBadRequest, "not_implemented", "The development server only implements advanced registration forms.")
		return nil, false
	}
	s.st.mu.Lock()
	f, ok := s.st.forms[rc.FormID]
	fields := make([]fusionauth.FormField, 0, len(s.st.fieldOrder))
	for _, id := range s.st.fieldOrder {
		fields = append(fields, s.st.fields[id])
	}
	s.st.mu.Unlock()
	if !ok {
		s.renderError(w, http.StatusBadRequest, "invalid_configuration", "The application's registration form does not exist.")
		return nil, false
	}
	def, err := form.NewDefinition(f, fields)
	if err != nil {
		s.log.Error("devidp: registration form unusable", "formId", f.ID, "err", err)
		s.renderError(w, http.StatusInternalServerError, "invalid_configuration", "The application's registration form cannot be used.")
		return nil, false
	}
	return def, true
}

type registerPage struct {
	AppName          string
	Params           map[string][]string
	Step, StepNumber int
	StepCount        int
	Last             bool
	PendingID        string
	View             form.View
	LoginURL         string
}

func (s *Server) renderRegister(w http.ResponseWriter, app fusionauth.Application, p authzParams, def *form.Definition, step int, pendingID string, v form.View) {
	s.render(w, http.StatusOK, "register", registerPage{
		AppName: app.Name, Params: p.values(), Step: step, StepNumber: step + 1, StepCount: def.Steps(),
		Last: nextStep(def, step) < 0, PendingID: pendingID, View: v,
		LoginURL: "/oauth2/authorize?" + p.values().Encode(),
	})
}

// nextStep returns the next step after cur that has fields, or -1.
func nextStep(def *form.Definition, cur int) int {
	for i := cur + 1; i < def.Steps(); i++ {
		if len(def.StepView(i, nil).Sections) > 0 {
			return i
		}
	}
	return -1
}

func (s *Server) handleRegisterStart(w http.ResponseWriter, r *http.Request) {
	p := parseAuthz(r.URL.Query())
	app, oe, ok := s.checkAuthz(w, p)
	if !ok {
		return
	}
	if oe != nil {
		redirectError(w, r, p, oe)
		return
	}
	def, ok := s.registrationForm(w, app)
	if !ok {
		return
	}
	first := nextStep(def, -1)
	if first < 0 {
		s.renderError(w, http.StatusInternalServerError, "invalid_configuration", "The registration form has no fields.")
		return
	}
	s.renderRegister(w, app, p, def, first, "", def.StepView(first, nil))
}

// handleRegisterStep validates one posted step; on the last one it creates
// the user and registration, starts the SSO session and redirects with a code.
func (s *Server) handleRegisterStep(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, http.StatusBadRequest, "invalid_request", "The form could not be read.")
		return
	}
	post := r.PostForm
	p := parseAuthz(post)
	app, oe, ok := s.checkAuthz(w, p)
	if !ok {
		return
	}
	if oe != nil {
		redirectError(w, r, p, oe)
		return
	}
	def, ok := s.registrationForm(w, app)
	if !ok {
		return
	}
	pendingID := post.Get("registrationId")
	step, err := strconv.Atoi(post.Get("step"))
	first := nextStep(def, -1)
	if err != nil || step < 0 || step >= def.Steps() {
		step = first
	}
	var pend *pendingReg
	if pendingID != "" {
		s.st.mu.Lock()
		pend = s.st.pending[pendingID]
		if pend != nil && (time.Now().After(pend.expires) || pend.clientID != app.ID) {
			delete(s.st.pending, pendingID)
			pend = nil
		}
		if pend != nil {
			step = pend.step // the server decides which step is next
		}
		s.st.mu.Unlock()
		if pend == nil {
			sub := def.ParseStep(first, nil)
			sub.Errors["form"] = "Your registration has expired. Please start again."
			s.renderRegister(w, app, p, def, first, "", def.ViewSubmission(sub, nil))
			return
		}
	} else if step != first {
		step = first
	}
	sub := def.ParseStep(step, post)
	if email, _ := sub.Values["user.email"].(string); email != "" && sub.Errors["user.email"] == "" {
		s.st.mu.Lock()
		taken := s.st.emailTaken(email, "")
		s.st.mu.Unlock()
		if taken {
			sub.Errors["user.email"] = "An account already exists for that email."
		}
	}
	// The tenant's password rules, as FusionAuth applies them on this page.
	if pw, _ := sub.Values["user.password"].(string); pw != "" && sub.Errors["user.password"] == "" {
		if msg := s.passwordPageError(pw); msg != "" {
			sub.Errors["user.password"] = msg
		}
	}
	if !sub.OK() {
		s.renderRegister(w, app, p, def, step, pendingID, def.ViewSubmission(sub, nil))
		return
	}
	if pend == nil {
		pend = &pendingReg{clientID: app.ID, values: map[string]any{}}
		pendingID = randomToken()
	}
	for k, v := range sub.Values {
		if k == "user.password" {
			if pw, _ := v.(string); pw != "" {
				pend.pwHash = hashPassword(pw)
			}
			continue
		}
		pend.values[k] = v
	}
	pend.expires = time.Now().Add(pendingLifetime)
	if next := nextStep(def, step); next >= 0 {
		pend.step = next
		s.st.mu.Lock()
		for k, old := range s.st.pending { // drop abandoned registrations
			if time.Now().After(old.expires) {
				delete(s.st.pending, k)
			}
		}
		s.st.pending[pendingID] = pend
		s.st.mu.Unlock()
		s.renderRegister(w, app, p, def, next, pendingID, def.StepView(next, nil))
		return
	}
	userID, errMsg := s.createRegisteredUser(app.ID, pend)
	s.st.mu.Lock()
	delete(s.st.pending, pendingID)
	s.st.mu.Unlock()
	if errMsg != "" {
		sub := def.ParseStep(first, nil)
		sub.Errors["form"] = errMsg
		s.renderRegister(w, app, p, def, first, "", def.ViewSubmission(sub, nil))
		return
	}
	s.log.Info("devidp: user registered", "userId", userID, "applicationId", app.ID)
	sess := s.newSSO(w, userID)
	s.completeLogin(w, r, app, p, sess)
}

// createRegisteredUser stores the user and registration collected by the
// form; user.* keys go to the user, registration.* to the registration.
func (s *Server) createRegisteredUser(appID string, pend *pendingReg) (string, string) {
	user := map[string]any{}
	reg := map[string]any{"applicationId": appID}
	for k, v := range pend.values {
		if v == nil {
			continue
		}
		if rest, ok := strings.CutPrefix(k, "user."); ok {
			setPath(user, strings.Split(rest, "."), v)
		} else if rest, ok := strings.CutPrefix(k, "registration."); ok {
			setPath(reg, strings.Split(rest, "."), v)
		}
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	id := newID()
	_, errs := st.prepareUser(id, user)
	if hasErrors(errs) {
		for _, items := range errs.FieldErrors {
			s.log.Info("devidp: registration rejected", "code", items[0].Code)
		}
		return "", "Your registration could not be completed: an account with that email may already exist. Please start again."
	}
	st.insertUser(id, user, pend.pwHash)
	now := nowMillis()
	reg["id"] = newID()
	reg["insertInstant"] = now
	reg["lastUpdateInstant"] = now
	reg["usernameStatus"] = "ACTIVE"
	reg["verified"] = true
	st.regs[id] = map[string]map[string]any{appID: reg}
	return id, ""
}

// setPath stores v at a dotted path, creating objects on the way; a
// non-object in the way is replaced.
func setPath(m map[string]any, parts []string, v any) {
	for i, p := range parts {
		if i == len(parts)-1 {
			m[p] = v
			return
		}
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
}
