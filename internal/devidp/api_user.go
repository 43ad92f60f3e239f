package devidp

import (
	"net/http"
	"sort"
	"strings"

	"portal/internal/fusionauth"
)

// userJSON returns a copy of the user with its registrations, as GET
// /api/user/{id} shows it. Caller holds st.mu.
func (st *store) userJSON(id string) map[string]any {
	u := copyMap(st.users[id])
	regs := make([]any, 0, len(st.regs[id]))
	for _, r := range st.regs[id] {
		regs = append(regs, copyMap(r))
	}
	sort.Slice(regs, func(i, j int) bool {
		a, _ := regs[i].(map[string]any)["applicationId"].(string)
		b, _ := regs[j].(map[string]any)["applicationId"].(string)
		return a < b
	})
	if len(regs) > 0 {
		u["registrations"] = regs
	}
	return u
}

// prepareUser validates a user object about to be stored for id and moves
// its password (if any) out. Caller holds st.mu.
func (st *store) prepareUser(id string, u map[string]any) (pwHash string, errs fusionauth.Errors) {
	if e := checkShape("user", u, userShape); e != nil {
		return "", *e
	}
	pw, _ := u["password"].(string)
	delete(u, "password")
	delete(u, "registrations") // ignored by FusionAuth on user writes
	email, _ := u["email"].(string)
	username, _ := u["username"].(string)
	switch {
	case email == "" && username == "":
		addErrors(&errs, fieldError("user.email", "blank", "You must specify either the [user.email] or [user.username] property. If you are emailing the user you must specify the [user.email]."))
	case email != "" && !validEmail(email):
		addErrors(&errs, fieldError("user.email", "notEmail", "The [user.email] property is not in a valid email format."))
	case email != "" && st.emailTaken(email, id):
		addErrors(&errs, fieldError("user.email", "duplicate", "A User with email ["+email+"] already exists."))
	}
	if username != "" {
		for oid, o := range st.users {
			if v, _ := o["username"].(string); oid != id && strings.EqualFold(v, username) {
				addErrors(&errs, fieldError("user.username", "duplicate", "A User with username ["+username+"] already exists."))
				break
			}
		}
	}
	if pw != "" {
		if e := st.checkPasswordRules("user.password", pw); e != nil {
			addErrors(&errs, *e)
		} else {
			pwHash = hashPassword(pw)
		}
	}
	return pwHash, errs
}

// insertUser stores a new user; caller holds st.mu and has validated it.
func (st *store) insertUser(id string, u map[string]any, pwHash string) {
	now := nowMillis()
	u["id"] = id
	u["tenantId"] = st.tenantID()
	u["insertInstant"] = now
	u["lastUpdateInstant"] = now
	if _, ok := u["active"]; !ok {
		u["active"] = true
	}
	if _, ok := u["verified"]; !ok {
		u["verified"] = true
	}
	if _, ok := u["passwordChangeRequired"]; !ok {
		u["passwordChangeRequired"] = false
	}
	u["usernameStatus"] = "ACTIVE"
	st.users[id] = u
	if pwHash != "" {
		st.passwords[id] = pwHash
	}
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	u, e := objectAt(body, "user")
	if e != nil {
		writeErrors(w, *e)
		return
	}
	if u == nil {
		writeErrors(w, fieldError("user", "missing", "Your request is missing the User information as JSON in the entity-body."))
		return
	}
	u = copyMap(u)
	id := r.PathValue("id")
	if id == "" {
		id, _ = u["id"].(string)
	}
	if id == "" {
		id = newID()
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, exists := st.users[id]; exists {
		writeErrors(w, fieldError("userId", "duplicate", "A User with Id ["+id+"] already exists."))
		return
	}
	pw, errs := st.prepareUser(id, u)
	if hasErrors(errs) {
		writeErrors(w, errs)
		return
	}
	st.insertUser(id, u, pw)
	writeJSON(w, http.StatusOK, map[string]any{"user": st.userJSON(id)})
}

func (s *Server) apiGetUser(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	id := r.PathValue("id")
	if _, ok := s.st.users[id]; !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": s.st.userJSON(id)})
}

// apiSearchUserByEmail answers GET /api/user?email= (and ?username=).
func (s *Server) apiSearchUserByEmail(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	login := q.Get("email")
	if login == "" {
		login = q.Get("username")
	}
	if login == "" {
		writeErrors(w, fieldError("email", "blank", "You must specify the [email] or [username] parameter."))
		return
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	u := s.st.userByLoginID(login)
	if u == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	id, _ := u["id"].(string)
	writeJSON(w, http.StatusOK, map[string]any{"user": s.st.userJSON(id)})
}

// apiUpdateUser handles PUT (replace) and PATCH (merge by Content-Type).
func (s *Server) apiUpdateUser(w http.ResponseWriter, r *http.Request) {
	pk := patchOriginal
	if r.Method == http.MethodPatch {
		k, ok := patchKindOf(w, r)
		if !ok {
			return
		}
		pk = k
	}
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	in, e := objectAt(body, "user")
	if e != nil {
		writeErrors(w, *e)
		return
	}
	if in == nil {
		writeErrors(w, fieldError("user", "missing", "Your request is missing the User information as JSON in the entity-body."))
		return
	}
	if e := checkShape("user", in, userShape); e != nil {
		writeErrors(w, *e)
		return
	}
	id := r.PathValue("id")
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	cur, exists := st.users[id]
	if !exists {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	var next map[string]any
	switch {
	case r.Method == http.MethodPut:
		next = copyMap(in)
	case pk == patchMerge:
		next = mergePatch(copyMap(cur), in)
	default:
		next = mergeOriginal(copyMap(cur), in)
	}
	for _, k := range []string{"id", "tenantId", "insertInstant", "usernameStatus", "lastLoginInstant"} {
		if v, ok := cur[k]; ok {
			next[k] = v
		}
	}
	for _, k := range []string{"active", "verified", "passwordChangeRequired"} { // kept by PUT when omitted
		if _, ok := next[k]; !ok {
			next[k] = cur[k]
		}
	}
	pw, errs := st.prepareUser(id, next)
	if hasErrors(errs) {
		writeErrors(w, errs)
		return
	}
	next["lastUpdateInstant"] = nowMillis()
	st.users[id] = next
	if pw != "" {
		st.passwords[id] = pw
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": st.userJSON(id)})
}

func (s *Server) apiGetRegistration(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	reg, ok := s.st.regs[r.PathValue("userId")][r.PathValue("applicationId")]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"registration": copyMap(reg)})
}

// apiCreateRegistration handles POST /api/user/registration[/{userId}]: either
// registers an existing user or creates user and registration together.
func (s *Server) apiCreateRegistration(w http.ResponseWriter, r *http.Request) {
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	u, e := objectAt(body, "user")
	if e == nil {
		var reg map[string]any
		reg, e = objectAt(body, "registration")
		if e == nil {
			s.createRegistration(w, r.PathValue("userId"), copyMap(u), copyMap(reg))
			return
		}
	}
	writeErrors(w, *e)
}

func (s *Server) createRegistration(w http.ResponseWriter, userID string, u, reg map[string]any) {
	if reg == nil {
		writeErrors(w, fieldError("registration", "missing", "Your request is missing the Registration information as JSON in the entity-body."))
		return
	}
	if e := checkShape("registration", reg, registrationShape); e != nil {
		writeErrors(w, *e)
		return
	}
	if userID == "" && u != nil {
		userID, _ = u["id"].(string)
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	appID, _ := reg["applicationId"].(string)
	var errs fusionauth.Errors
	if appID == "" {
		addErrors(&errs, fieldError("registration.applicationId", "blank", "You must specify the [registration.applicationId] property."))
	} else if _, ok := st.apps[appID]; !ok {
		addErrors(&errs, fieldError("registration.applicationId", "invalid", "The [registration.applicationId] property does not match an existing Application."))
	}
	pw := ""
	switch {
	case u != nil:
		if userID == "" {
			userID = newID()
		}
		if _, exists := st.users[userID]; exists {
			addErrors(&errs, fieldError("userId", "duplicate", "A User with Id ["+userID+"] already exists."))
			break
		}
		var ue fusionauth.Errors
		pw, ue = st.prepareUser(userID, u)
		addErrors(&errs, ue)
	case userID == "":
		addErrors(&errs, fieldError("user", "missing", "Your request is missing the User information as JSON in the entity-body."))
	default:
		if _, exists := st.users[userID]; !exists {
			if !hasErrors(errs) {
				w.WriteHeader(http.StatusNotFound)
				return
			}
		} else if _, dup := st.regs[userID][appID]; dup && appID != "" {
			addErrors(&errs, fieldError("registration.applicationId", "duplicate", "The User is already registered for this Application."))
		}
	}
	if hasErrors(errs) {
		writeErrors(w, errs)
		return
	}
	if u != nil {
		st.insertUser(userID, u, pw)
	}
	now := nowMillis()
	reg["id"] = newID()
	reg["insertInstant"] = now
	reg["lastUpdateInstant"] = now
	reg["usernameStatus"] = "ACTIVE"
	if _, ok := reg["verified"]; !ok {
		reg["verified"] = true
	}
	if st.regs[userID] == nil {
		st.regs[userID] = map[string]map[string]any{}
	}
	st.regs[userID][appID] = reg
	writeJSON(w, http.StatusOK, map[string]any{"registration": copyMap(reg), "user": st.userJSON(userID)})
}

// apiUpdateRegistration handles PUT/PATCH with and without the application id
// in the URL. Without it the id comes from the body and a PATCH overwrites
// top-level properties (data and arrays replaced), as FusionAuth does.
func (s *Server) apiUpdateRegistration(w http.ResponseWriter, r *http.Request) {
	pk := patchOriginal
	if r.Method == http.MethodPatch {
		k, ok := patchKindOf(w, r)
		if !ok {
			return
		}
		pk = k
	}
	body, ok := readObject(w, r)
	if !ok {
		return
	}
	in, e := objectAt(body, "registration")
	if e != nil {
		writeErrors(w, *e)
		return
	}
	if in == nil {
		writeErrors(w, fieldError("registration", "missing", "Your request is missing the Registration information as JSON in the entity-body."))
		return
	}
	if e := checkShape("registration", in, registrationShape); e != nil {
		writeErrors(w, *e)
		return
	}
	userID := r.PathValue("userId")
	appID := r.PathValue("applicationId")
	legacy := appID == ""
	if legacy {
		appID, _ = in["applicationId"].(string)
		if appID == "" {
			writeErrors(w, fieldError("registration.applicationId", "blank", "You must specify the [registration.applicationId] property."))
			return
		}
	}
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	cur, exists := st.regs[userID][appID]
	if !exists {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	var next map[string]any
	switch {
	case r.Method == http.MethodPut:
		next = copyMap(in)
	case legacy:
		next = overwrite(copyMap(cur), in)
	case pk == patchMerge:
		next = mergePatch(copyMap(cur), in)
	default:
		next = mergeOriginal(copyMap(cur), in)
	}
	for _, k := range []string{"id", "insertInstant", "usernameStatus"} {
		if v, ok := cur[k]; ok {
			next[k] = v
		}
	}
	next["applicationId"] = appID
	next["lastUpdateInstant"] = nowMillis()
	st.regs[userID][appID] = next
	writeJSON(w, http.StatusOK, map[string]any{"registration": copyMap(next)})
}
