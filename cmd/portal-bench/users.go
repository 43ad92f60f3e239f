package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"

	"golang.org/x/sync/errgroup"
)

// benchUser is one signed-in user: the session cookie and the profile form
// as last rendered (values, CSRF token and snapshot), for posting saves.
type benchUser struct {
	email  string
	cookie string // "name=value" of the portal session cookie
	form   url.Values
}

// createUsers makes n users with a registration for the application through
// FusionAuth's POST /api/user/registration, as an admin script would.
func createUsers(ctx context.Context, idpURL, apiKey, appID, runID string, n int) ([]*benchUser, error) {
	users := make([]*benchUser, n)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i := range n {
		g.Go(func() error {
			email := fmt.Sprintf("bench-%s-%d@example.com", runID, i)
			body, _ := json.Marshal(map[string]any{
				"user": map[string]any{"email": email, "password": benchPassword, "firstName": "Bench", "lastName": fmt.Sprint("User ", i)},
				"registration": map[string]any{"applicationId": appID, "data": map[string]any{
					"minprice": 100000, "maxprice": 200000 + i, "geographicarea": "Downtown",
				}},
			})
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, idpURL+"/api/user/registration", bytes.NewReader(body))
			req.Header.Set("Authorization", apiKey)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("create user %d: %d %s", i, resp.StatusCode, b)
			}
			users[i] = &benchUser{email: email}
			return nil
		})
	}
	return users, g.Wait()
}

const benchPassword = "bench-password-1"

// signIn runs the real sign-in: GET /login is redirected to the dev
// server's login page, whose form is posted with the user's credentials;
// the dev server redirects to /callback, which starts the session and
// redirects to the profile page.
func signIn(ctx context.Context, portalURL string, u *benchUser) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	page, final, err := fetch(ctx, c, http.MethodGet, portalURL+"/login", nil)
	if err != nil {
		return err
	}
	action, vals, ok := formValues(page, `action="/oauth2/authorize"`)
	if !ok {
		return fmt.Errorf("no login form at %s", final)
	}
	vals.Set("loginId", u.email)
	vals.Set("password", benchPassword)
	target, err := final.Parse(action)
	if err != nil {
		return err
	}
	page, final, err = fetch(ctx, c, http.MethodPost, target.String(), vals)
	if err != nil {
		return err
	}
	if final.String() != portalURL+"/" {
		return fmt.Errorf("sign-in of %s ended at %s", u.email, final)
	}
	pu, _ := url.Parse(portalURL)
	for _, ck := range jar.Cookies(pu) {
		if strings.HasSuffix(ck.Name, "portal_session") {
			u.cookie = ck.Name + "=" + ck.Value
		}
	}
	if u.cookie == "" {
		return fmt.Errorf("sign-in of %s set no session cookie", u.email)
	}
	return u.readForm(page)
}

// readForm keeps the profile form of a rendered profile page.
func (u *benchUser) readForm(page string) error {
	_, vals, ok := formValues(page, `action="/profile"`)
	if !ok || vals.Get("csrf_token") == "" || vals.Get(snapshotField) == "" {
		return fmt.Errorf("no profile form with csrf token and snapshot for %s", u.email)
	}
	u.form = vals
	return nil
}

// signInAll signs every user in, a few at a time.
func signInAll(ctx context.Context, portalURL string, users []*benchUser) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, u := range users {
		g.Go(func() error { return signIn(ctx, portalURL, u) })
	}
	return g.Wait()
}

// fetch does one request, following redirects, and returns the final body
// and URL; any status other than 200 at the end is an error.
func fetch(ctx context.Context, c *http.Client, method, u string, form url.Values) (string, *url.URL, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return "", nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return "", nil, fmt.Errorf("%s %s ended at %s with %d", method, u, resp.Request.URL, resp.StatusCode)
	}
	return string(b), resp.Request.URL, nil
}

var (
	reForm     = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	reInput    = regexp.MustCompile(`<input\b([^>]*)>`)
	reSelect   = regexp.MustCompile(`(?s)<select\b([^>]*)>(.*?)</select>`)
	reOption   = regexp.MustCompile(`<option\b([^>]*)>`)
	reTextarea = regexp.MustCompile(`(?s)<textarea\b([^>]*)>(.*?)</textarea>`)
	reAttr     = regexp.MustCompile(`([a-zA-Z_:-]+)(?:="([^"]*)")?`)
)

func attrsOf(tag string) map[string]string {
	m := map[string]string{}
	for _, a := range reAttr.FindAllStringSubmatch(tag, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

// formValues returns the action of the first form whose opening tag holds
// marker and the values a browser would submit from it unchanged.
func formValues(page, marker string) (string, url.Values, bool) {
	for _, f := range reForm.FindAllStringSubmatch(page, -1) {
		if !strings.Contains(f[1], marker) {
			continue
		}
		vals := url.Values{}
		for _, in := range reInput.FindAllStringSubmatch(f[2], -1) {
			a := attrsOf(in[1])
			_, checked := a["checked"]
			switch {
			case a["name"] == "", a["type"] == "submit":
			case (a["type"] == "checkbox" || a["type"] == "radio") && !checked:
			default:
				vals.Add(a["name"], a["value"])
			}
		}
		for _, s := range reSelect.FindAllStringSubmatch(f[2], -1) {
			name := attrsOf(s[1])["name"]
			for _, o := range reOption.FindAllStringSubmatch(s[2], -1) {
				a := attrsOf(o[1])
				if _, sel := a["selected"]; sel {
					vals.Add(name, a["value"])
				}
			}
		}
		for _, t := range reTextarea.FindAllStringSubmatch(f[2], -1) {
			vals.Add(attrsOf(t[1])["name"], html.UnescapeString(strings.TrimPrefix(t[2], "\n")))
		}
		return attrsOf(f[1])["action"], vals, true
	}
	return "", nil, false
}
