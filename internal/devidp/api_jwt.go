package devidp

import (
	"net/http"
	"sort"
	"strings"
)

// refreshJSON is a refresh token as the JWT API shows it.
func refreshJSON(rt *refreshToken) map[string]any {
	return map[string]any{
		"id": rt.id, "applicationId": rt.appID, "userId": rt.userID, "token": rt.token,
		"insertInstant": rt.insertMillis, "startInstant": rt.insertMillis,
		"metaData": map[string]any{"scopes": strings.Fields(rt.scope)},
	}
}

// apiListRefreshTokens answers GET /api/jwt/refresh?userId= (newest first;
// an unknown user is an empty list, never 404).
func (s *Server) apiListRefreshTokens(w http.ResponseWriter, r *http.Request) {
	userID := r.URL.Query().Get("userId")
	if userID == "" {
		writeErrors(w, fieldError("userId", "blank", "You must specify the [userId] parameter."))
		return
	}
	s.st.mu.Lock()
	var list []*refreshToken
	for _, rt := range s.st.refresh {
		if rt.userID == userID {
			list = append(list, rt)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].insertMillis > list[j].insertMillis })
	out := make([]any, 0, len(list))
	for _, rt := range list {
		out = append(out, refreshJSON(rt))
	}
	s.st.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"refreshTokens": out})
}

func (s *Server) apiGetRefreshToken(w http.ResponseWriter, r *http.Request) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	for _, rt := range s.st.refresh {
		if rt.id == r.PathValue("tokenId") {
			writeJSON(w, http.StatusOK, map[string]any{"refreshToken": refreshJSON(rt)})
			return
		}
	}
	w.WriteHeader(http.StatusNotFound)
}

// apiRevokeRefreshTokens handles DELETE /api/jwt/refresh/{tokenId} and
// DELETE /api/jwt/refresh?userId=|applicationId=|token= (200, no body).
func (s *Server) apiRevokeRefreshTokens(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tokenID := r.PathValue("tokenId")
	userID, appID, value := q.Get("userId"), q.Get("applicationId"), q.Get("token")
	if tokenID == "" && userID == "" && appID == "" && value == "" {
		writeErrors(w, fieldError("userId", "blank", "You must specify the [tokenId], [token], [userId] or [applicationId] parameter."))
		return
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	found := false
	for k, rt := range s.st.refresh {
		match := true
		switch {
		case tokenID != "":
			match = rt.id == tokenID
		case value != "":
			match = rt.token == value
		default:
			if userID != "" && rt.userID != userID {
				match = false
			}
			if appID != "" && rt.appID != appID {
				match = false
			}
		}
		if match {
			delete(s.st.refresh, k)
			found = true
		}
	}
	if tokenID != "" && !found {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusOK)
}
