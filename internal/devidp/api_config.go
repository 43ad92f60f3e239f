package devidp

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/dlclark/regexp2/v2"

	"portal/internal/fusionauth"
)

// decodeTyped converts body[key] into a typed value; a JSON type the model
// cannot take is FusionAuth's [invalidJSON] naming the property.
func decodeTyped(body map[string]any, key string, out any) *fusionauth.Errors {
	raw, ok := body[key]
	if !ok || raw == nil {
		e := fieldError(key, "missing", "Your request is missing the ["+key+"] information as JSON in the entity-body.")
		return &e
	}
	b, err := json.Marshal(raw)
	if err == nil {
		err = json.Unmarshal(b, out)
	}
	if err != nil {
		path := key
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			path = key + "." + ute.Field
		}
		e := invalidJSON(path, err.Error())
		return &e
	}
	return nil
}

func (s *Server) apiListForms(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	forms := make([]fusionauth.Form, 0, len(s.st.formOrder))
	for _, id := range s.st.formOrder {
		forms = append(forms, s.st.forms[id])
	}
	writeJSON(w, http.StatusOK, map[string]any{"forms": forms})
}

func (s *Server) apiGetForm(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	f, ok := s.st.forms[r.PathValue("id")]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"form": f})
}

var formTypes = []string{"registration", "adminRegistration", "adminUser", "selfServiceUser"}

// apiSaveForm handles POST (create) and PUT (replace) of a form.
func (s *Server) apiSaveForm(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	var f fusionauth.Form
	if e := decodeTyped(body, "form", &f); e != nil {
		writeErrors(w, *e)
		return
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	id := r.PathValue("id")
	old, exists := st.forms[id]
	if r.Method == http.MethodPut && !exists {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if r.Method == http.MethodPost && exists {
		writeErrors(w, fieldError("form.id", "duplicate", "A Form with Id ["+id+"] already exists."))
		return
	}
	if id == "" {
		id = newID()
	}
	if exists {
		f.Type = old.Type // immutable after create
	}
	if f.Type == "" {
		f.Type = "registration"
	}
	var errs fusionauth.Errors
	if strings.TrimSpace(f.Name) == "" {
		addErrors(&errs, fieldError("form.name", "blank", "You must specify the [form.name] property."))
	}
	for oid, o := range st.forms {
		if oid != id && strings.EqualFold(o.Name, f.Name) && f.Name != "" {
			addErrors(&errs, fieldError("form.name", "duplicate", "A Form with name ["+f.Name+"] already exists."))
		}
	}
	if !slices.Contains(formTypes, f.Type) {
		addErrors(&errs, fieldError("form.type", "invalid", "The [form.type] property is not valid."))
	}
	steps := f.Steps[:0:0]
	hasLogin := false
	for _, step := range f.Steps {
		ids := step.Fields[:0:0]
		for _, fid := range step.Fields {
			if fid == "" {
				continue
			}
			fld, ok := st.fields[fid]
			if !ok {
				addErrors(&errs, fieldError("form.steps", "invalid", "The form field ["+fid+"] does not exist."))
				continue
			}
			if fld.Key == "user.email" || fld.Key == "user.username" {
				hasLogin = true
			}
			ids = append(ids, fid)
		}
		if len(ids) > 0 {
			step.Fields = ids
			steps = append(steps, step)
		}
	}
	f.Steps = steps
	if len(steps) == 0 {
		addErrors(&errs, fieldError("form.steps", "blank", "You must specify at least one step with at least one field."))
	} else if f.Type == "registration" && !hasLogin {
		addErrors(&errs, fieldError("form.steps", "missing", "A registration form must contain a [user.email] or [user.username] field."))
	}
	if hasErrors(errs) {
		writeErrors(w, errs)
		return
	}
	now := nowMillis()
	f.ID = id
	f.InsertInstant = now
	if exists {
		f.InsertInstant = old.InsertInstant
	} else {
		st.formOrder = append(st.formOrder, id)
	}
	f.LastUpdateInstant = now
	st.forms[id] = f
	writeJSON(w, http.StatusOK, map[string]any{"form": f})
}

func (s *Server) apiListFields(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	fields := make([]fusionauth.FormField, 0, len(s.st.fieldOrder))
	for _, id := range s.st.fieldOrder {
		fields = append(fields, s.st.fields[id])
	}
	writeJSON(w, http.StatusOK, map[string]any{"fields": fields})
}

func (s *Server) apiGetField(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	f, ok := s.st.fields[r.PathValue("id")]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"field": f})
}

// managedField is the control and forced type of a FusionAuth-managed key.
type managedField struct{ control, typ string }

var managedFields = map[string]managedField{
	"user.email": {"text", "email"}, "user.password": {"password", "string"}, "user.username": {"text", "string"},
	"user.firstName": {"text", "string"}, "user.middleName": {"text", "string"}, "user.lastName": {"text", "string"},
	"user.fullName": {"text", "string"}, "user.birthDate": {"text", "date"}, "user.mobilePhone": {"text", "string"},
	"user.phoneNumber": {"text", "phoneNumber"}, "user.imageUrl": {"text", "string"}, "user.timezone": {"select", "string"},
	"user.preferredLanguages": {"select", "string"}, "user.parentEmail": {"text", "email"},
	"registration.username": {"text", "string"}, "registration.roles": {"checkbox", "string"},
	"registration.timezone": {"select", "string"}, "registration.preferredLanguages": {"select", "string"},
}

var (
	fieldControls = []string{"checkbox", "number", "password", "radio", "select", "textarea", "text"}
	fieldTypes    = []string{"bool", "consent", "date", "email", "number", "phoneNumber", "string"}
)

// normalizeField applies FusionAuth's FormField normalisation (reference §3.2).
func normalizeField(f *fusionauth.FormField) {
	if f.Type == "" {
		f.Type = "string"
	}
	if m, ok := managedFields[f.Key]; ok {
		f.Type = m.typ
		if f.Control == "" {
			f.Control = m.control
		}
		if f.Key == "user.password" {
			f.Control = "password"
			f.Required = true
		}
	}
	if f.Control == "" && f.Type != "consent" {
		f.Control = "text"
	}
	if f.Control != "number" && f.Control != "text" && f.Control != "textarea" {
		f.Validator = fusionauth.FieldValidator{}
	}
	if f.Type == "email" {
		f.Control = "text"
	}
	if f.Type == "consent" {
		f.Confirm = false
		f.Control = ""
		f.Key = "consents['" + f.ConsentID + "']"
	}
	opts := f.Options[:0:0]
	for _, o := range f.Options {
		if strings.TrimSpace(o) == "" {
			continue
		}
		if f.Control == "checkbox" && f.Type == "bool" {
			o = strings.ToLower(o)
		}
		opts = append(opts, o)
	}
	if f.Control == "checkbox" && f.Type == "bool" {
		sort.SliceStable(opts, func(i, j int) bool { return opts[i] == "true" && opts[j] != "true" })
	}
	if len(opts) == 0 {
		opts = nil
	}
	f.Options = opts
}

func validKey(k string) bool {
	if _, ok := managedFields[k]; ok {
		return true
	}
	for _, p := range []string{"user.data.", "registration.data."} {
		if rest, ok := strings.CutPrefix(k, p); ok && rest != "" && !strings.ContainsAny(rest, " \t\r\n\"<>") {
			return true
		}
	}
	return false
}

// apiSaveField handles POST (create) and PUT (replace) of a form field.
func (s *Server) apiSaveField(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	var f fusionauth.FormField
	if e := decodeTyped(body, "field", &f); e != nil {
		writeErrors(w, *e)
		return
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	id := r.PathValue("id")
	old, exists := st.fields[id]
	if r.Method == http.MethodPut && !exists {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if r.Method == http.MethodPost && exists {
		writeErrors(w, fieldError("field.id", "duplicate", "A Form Field with Id ["+id+"] already exists."))
		return
	}
	if id == "" {
		id = newID()
	}
	if exists { // key, type and control cannot change after create
		f.Key, f.Type, f.Control = old.Key, old.Type, old.Control
	}
	var errs fusionauth.Errors
	if f.Type == "consent" && f.ConsentID == "" {
		addErrors(&errs, fieldError("field.consentId", "blank", "You must specify the [field.consentId] property for a consent field."))
	}
	normalizeField(&f)
	if strings.TrimSpace(f.Name) == "" {
		addErrors(&errs, fieldError("field.name", "blank", "You must specify the [field.name] property."))
	}
	for oid, o := range st.fields {
		if oid != id && f.Name != "" && strings.EqualFold(o.Name, f.Name) {
			addErrors(&errs, fieldError("field.name", "duplicate", "A Form Field with name ["+f.Name+"] already exists."))
		}
	}
	switch {
	case f.Key == "":
		addErrors(&errs, fieldError("field.key", "blank", "You must specify the [field.key] property."))
	case f.Type != "consent" && !validKey(f.Key):
		addErrors(&errs, fieldError("field.key", "invalid", "The [field.key] property must be a managed key or start with [user.data.] or [registration.data.]."))
	}
	if f.Type != "consent" && !slices.Contains(fieldControls, f.Control) {
		addErrors(&errs, fieldError("field.control", "invalid", "The [field.control] property is not valid."))
	}
	if !slices.Contains(fieldTypes, f.Type) {
		addErrors(&errs, fieldError("field.type", "invalid", "The [field.type] property is not valid."))
	}
	if (f.Control == "radio" || f.Control == "select") && len(f.Options) == 0 && f.Key != "user.timezone" && f.Key != "user.preferredLanguages" && f.Key != "registration.timezone" && f.Key != "registration.preferredLanguages" {
		addErrors(&errs, fieldError("field.options", "blank", "You must specify at least one option for a [radio] or [select] field."))
	}
	if f.Validator.Enabled {
		if f.Validator.Expression == "" {
			addErrors(&errs, fieldError("field.validator.expression", "blank", "You must specify the [field.validator.expression] property when the validator is enabled."))
		} else if _, err := regexp2.Compile(f.Validator.Expression); err != nil {
			addErrors(&errs, fieldError("field.validator.expression", "invalid", "The [field.validator.expression] property is not a valid regular expression."))
		}
	}
	if hasErrors(errs) {
		writeErrors(w, errs)
		return
	}
	now := nowMillis()
	f.ID = id
	f.InsertInstant = now
	if exists {
		f.InsertInstant = old.InsertInstant
	} else {
		st.fieldOrder = append(st.fieldOrder, id)
	}
	f.LastUpdateInstant = now
	st.fields[id] = f
	writeJSON(w, http.StatusOK, map[string]any{"field": f})
}
