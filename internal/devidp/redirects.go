package devidp

import "fmt"

// AllowRedirects adds URLs to an application's authorized redirect URLs, as
// an admin would in FusionAuth's UI. `portal demo` and the tests use it when
// the portal listens somewhere other than the kickstart file's
// http://localhost:8080.
func (s *Server) AllowRedirects(appID string, urls ...string) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	raw, ok := s.st.apps[appID]
	if !ok {
		return fmt.Errorf("devidp: no application %s", appID)
	}
	oc, _ := raw["oauthConfiguration"].(map[string]any)
	if oc == nil {
		oc = map[string]any{}
		raw["oauthConfiguration"] = oc
	}
	list, _ := oc["authorizedRedirectURLs"].([]any)
	for _, u := range urls {
		found := false
		for _, have := range list {
			if have == u {
				found = true
			}
		}
		if !found {
			list = append(list, u)
		}
	}
	oc["authorizedRedirectURLs"] = list
	return nil
}
