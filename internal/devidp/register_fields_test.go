package devidp

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"portal/internal/i18n"
)

// regField is one form field of the every-control registration form.
type regField struct {
	id, key, control, typ string
	required, confirm     bool
	options               []string
}

// allFieldsSteps is a registration form with every control and data type a
// registration form may use, over three steps.
var allFieldsSteps = [][]regField{
	{
		{id: "5e1f0002-0000-4000-8000-000000000001", key: "user.email", control: "text", typ: "email", required: true},
		{id: "5e1f0002-0000-4000-8000-000000000002", key: "user.password", control: "password", required: true, confirm: true},
		{id: "5e1f0002-0000-4000-8000-000000000003", key: "user.firstName", control: "text", typ: "string", required: true},
	},
	{
		{id: "5e1f0002-0000-4000-8000-000000000011", key: "user.birthDate", control: "text", typ: "date"},
		// FusionAuth forces user.mobilePhone to type string.
		{id: "5e1f0002-0000-4000-8000-000000000012", key: "user.mobilePhone", control: "text", typ: "phoneNumber"},
		{id: "5e1f0002-0000-4000-8000-000000000013", key: "user.data.workPhone", control: "text", typ: "phoneNumber"},
		{id: "5e1f0002-0000-4000-8000-000000000014", key: "user.data.address.city", control: "text", typ: "string"},
		{id: "5e1f0002-0000-4000-8000-000000000015", key: "user.data.backupEmail", control: "text", typ: "email"},
	},
	{
		{id: "5e1f0002-0000-4000-8000-000000000021", key: "registration.data.bio", control: "textarea", typ: "string"},
		{id: "5e1f0002-0000-4000-8000-000000000022", key: "registration.data.maxprice", control: "number", typ: "number", required: true},
		{id: "5e1f0002-0000-4000-8000-000000000023", key: "registration.data.movein", control: "text", typ: "date"},
		{id: "5e1f0002-0000-4000-8000-000000000024", key: "registration.data.contactOK", control: "select", typ: "bool", options: []string{"true", "false"}},
		{id: "5e1f0002-0000-4000-8000-000000000025", key: "registration.data.contactTime", control: "radio", typ: "string", options: []string{"Morning", "Afternoon", "Evening"}},
		{id: "5e1f0002-0000-4000-8000-000000000026", key: "registration.data.bedrooms", control: "radio", typ: "number", options: []string{"1", "2", "3", "4"}},
		{id: "5e1f0002-0000-4000-8000-000000000027", key: "registration.data.newsletter", control: "checkbox", typ: "bool"},
		{id: "5e1f0002-0000-4000-8000-000000000028", key: "user.data.marketing", control: "checkbox", typ: "bool"},
		{id: "5e1f0002-0000-4000-8000-000000000029", key: "registration.data.features", control: "checkbox", typ: "string", options: []string{"Garage", "Garden", "Pool", "Fireplace"}},
	},
}

// allFieldsKickstart is the demo's tenant, key and application with the
// every-control form as its registration form.
func allFieldsKickstart(t testing.TB) []byte {
	t.Helper()
	const formID = "5e1f0002-0000-4000-8000-0000000000f0"
	var requests []any
	req := func(url string, body any) {
		requests = append(requests, map[string]any{"method": "POST", "url": url, "body": body})
	}
	req("/api/key/generate/2f4c1b7e-8a3d-4c5e-9f60-7b8a9c0d1e2f", map[string]any{"key": map[string]any{"algorithm": "RS256", "name": "signing", "length": 2048}})
	var steps []any
	for _, st := range allFieldsSteps {
		var ids []string
		for _, f := range st {
			fld := map[string]any{"key": f.key, "name": "Field " + f.key, "control": f.control, "required": f.required,
				"confirm": f.confirm, "data": map[string]any{"label": "Label " + f.key}}
			if f.typ != "" {
				fld["type"] = f.typ
			}
			if f.options != nil {
				fld["options"] = f.options
			}
			req("/api/form/field/"+f.id, map[string]any{"field": fld})
			ids = append(ids, f.id)
		}
		steps = append(steps, map[string]any{"fields": ids})
	}
	req("/api/form/"+formID, map[string]any{"form": map[string]any{"name": "Every control registration", "type": "registration", "steps": steps}})
	requests = append(requests, map[string]any{"method": "POST", "url": "/api/application/" + demoAppID, "tenantId": demoTenantID, "body": map[string]any{
		"application": map[string]any{
			"name": "Every Control",
			"oauthConfiguration": map[string]any{
				"authorizedRedirectURLs": []string{demoRedirect}, "clientSecret": demoSecret,
				"clientAuthenticationPolicy": "Required", "proofKeyForCodeExchangePolicy": "Required",
				"enabledGrants": []string{"authorization_code", "refresh_token"}, "generateRefreshTokens": true,
				"requireRegistration": true, "scopeHandlingPolicy": "Strict",
			},
			"jwtConfiguration": map[string]any{"enabled": true, "accessTokenKeyId": "2f4c1b7e-8a3d-4c5e-9f60-7b8a9c0d1e2f",
				"idTokenKeyId": "2f4c1b7e-8a3d-4c5e-9f60-7b8a9c0d1e2f", "timeToLiveInSeconds": 3600},
			"registrationConfiguration": map[string]any{"enabled": true, "type": "advanced", "formId": formID},
		},
	}})
	b, err := json.Marshal(map[string]any{
		"variables": map[string]any{"defaultTenantId": demoTenantID},
		"apiKeys":   []any{map[string]any{"key": demoAPIKey}},
		"requests":  requests,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// htmlControl is one form control of a rendered page.
type htmlControl struct {
	tag, typ, name, value string // value: input value, textarea text
	checked               bool
	options               []htmlOption // select
	invalid               bool
	describedBy           string
}

type htmlOption struct {
	value    string
	selected bool
}

// htmlForm is the one <form> of a hosted page, as a browser sees it.
type htmlForm struct {
	page     string
	controls []htmlControl
	errors   map[string]string // field-error element id -> text
}

var (
	formRE       = regexp.MustCompile(`(?s)<form\b[^>]*>(.*?)</form>`)
	controlRE    = regexp.MustCompile(`(?s)<input\b([^>]*)>|<select\b([^>]*)>(.*?)</select>|<textarea\b([^>]*)>(.*?)</textarea>`)
	optionRE     = regexp.MustCompile(`(?s)<option\b([^>]*)>`)
	attrRE       = regexp.MustCompile(`([a-zA-Z-]+)(?:="([^"]*)")?`)
	fieldErrorRE = regexp.MustCompile(`(?s)<p class="field-error" id="([^"]+)">(.*?)</p>`)
	hiddenSpanRE = regexp.MustCompile(`(?s)<span class="visually-hidden">.*?</span>`)
	summaryLiRE  = regexp.MustCompile(`(?s)<div class="error-summary".*?</div>`)
)

func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRE.FindAllStringSubmatch(s, -1) {
		m[a[1]] = html.UnescapeString(a[2])
	}
	return m
}

func parseHTMLForm(t testing.TB, page string) *htmlForm {
	t.Helper()
	fm := formRE.FindStringSubmatch(page)
	if fm == nil {
		t.Fatalf("no form in page: %s", page)
	}
	f := &htmlForm{page: page, errors: map[string]string{}}
	for _, m := range controlRE.FindAllStringSubmatch(fm[1], -1) {
		var c htmlControl
		var a map[string]string
		switch {
		case strings.HasPrefix(m[0], "<input"):
			a = attrs(m[1])
			c.tag, c.typ, c.value = "input", a["type"], a["value"]
			_, c.checked = a["checked"]
		case strings.HasPrefix(m[0], "<select"):
			a = attrs(m[2])
			c.tag = "select"
			for _, o := range optionRE.FindAllStringSubmatch(m[3], -1) {
				oa := attrs(o[1])
				_, sel := oa["selected"]
				c.options = append(c.options, htmlOption{oa["value"], sel})
			}
		default:
			a = attrs(m[4])
			// The parser drops a newline right after <textarea>.
			c.tag, c.value = "textarea", strings.TrimPrefix(html.UnescapeString(m[5]), "\n")
		}
		c.name = a["name"]
		c.invalid = a["aria-invalid"] == "true"
		c.describedBy = a["aria-describedby"]
		f.controls = append(f.controls, c)
	}
	for _, m := range fieldErrorRE.FindAllStringSubmatch(fm[1], -1) {
		f.errors[m[1]] = strings.TrimSpace(html.UnescapeString(hiddenSpanRE.ReplaceAllString(m[2], "")))
	}
	return f
}

// hidden is the value of the hidden input name, or "".
func (f *htmlForm) hidden(name string) string {
	for _, c := range f.controls {
		if c.typ == "hidden" && c.name == name {
			return c.value
		}
	}
	return ""
}

func (f *htmlForm) named(name string) []htmlControl {
	var out []htmlControl
	for _, c := range f.controls {
		if c.name == name && c.typ != "hidden" {
			out = append(out, c)
		}
	}
	return out
}

// fieldNames lists the visible controls' names in document order, once each.
func (f *htmlForm) fieldNames() []string {
	var out []string
	for _, c := range f.controls {
		if c.typ != "hidden" && !slices.Contains(out, c.name) {
			out = append(out, c.name)
		}
	}
	return out
}

// submit is what a browser posts after the user fills in fill: text-like
// inputs and textareas take fill's value (else their current one), ticked
// checkboxes and radios are those in fill (else the checked ones), a select
// takes fill's value, which must be one of its options. Every key of fill
// must name a control on the page.
func (f *htmlForm) submit(t testing.TB, fill url.Values) url.Values {
	t.Helper()
	post := url.Values{}
	used := map[string]bool{}
	for _, c := range f.controls {
		want, filled := fill[c.name]
		if filled {
			used[c.name] = true
		}
		switch {
		case c.typ == "hidden":
			post.Add(c.name, c.value)
		case c.typ == "checkbox" || c.typ == "radio":
			if filled && slices.Contains(want, c.value) || !filled && c.checked {
				post.Add(c.name, c.value)
			}
		case c.tag == "select":
			v := ""
			for i, o := range c.options {
				if filled && o.value == want[0] || !filled && (o.selected || i == 0) {
					v = o.value
				}
			}
			if filled && v != want[0] {
				t.Fatalf("select %s has no option %q", c.name, want[0])
			}
			post.Add(c.name, v)
		default:
			v := c.value
			if filled {
				v = want[0]
			}
			post.Add(c.name, v)
		}
	}
	for k, vs := range fill {
		if !used[k] {
			t.Fatalf("no control %q on the page %v", k, f.fieldNames())
		}
		for _, v := range vs {
			ok := false
			for _, c := range f.named(k) {
				ok = ok || c.typ != "checkbox" && c.typ != "radio" || c.value == v
			}
			if !ok {
				t.Fatalf("no choice %q for %s", v, k)
			}
		}
	}
	return post
}

// fieldErrors maps each invalid control's name to the text of the error
// element its aria-describedby points at, and checks the summary lists
// exactly those errors.
func (f *htmlForm) fieldErrors(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, c := range f.controls {
		if !c.invalid {
			continue
		}
		for id := range strings.FieldsSeq(c.describedBy) {
			if msg, ok := f.errors[id]; ok {
				out[c.name] = msg
			}
		}
		if _, ok := out[c.name]; !ok {
			t.Errorf("%s is aria-invalid but no error element is linked: %q", c.name, c.describedBy)
		}
	}
	if len(out) != len(f.errors) {
		t.Errorf("field errors %v not all linked from controls (%v)", f.errors, out)
	}
	summary := summaryLiRE.FindString(f.page)
	if n := strings.Count(summary, "<li>"); n != len(out) {
		t.Errorf("error summary has %d entries, want %d: %s", n, len(out), summary)
	}
	return out
}

func userCount(s *Server) int {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return len(s.st.users)
}

func TestRegistrationEveryControl(t *testing.T) {
	s, err := New(Options{Kickstart: allFieldsKickstart(t)})
	if err != nil {
		t.Fatal(err)
	}
	ts := newTS(t, s)
	var en *i18n.Localizer // built-in English
	const email = "ada@example.com"
	const password = "correct-horse-battery"

	c := browser(t)
	p := newPKCE()
	resp, err := c.Get(ts.URL + "/oauth2/register?" + authorizeParams(p, "openid offline_access", "st-all", "n-all").Encode())
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("start: %d %s", resp.StatusCode, page)
	}
	post := func(form url.Values) (*http.Response, string) {
		t.Helper()
		resp, err := c.PostForm(ts.URL+"/oauth2/register", form)
		if err != nil {
			t.Fatal(err)
		}
		return resp, readAll(t, resp)
	}
	// expectStep checks a page is step `step` showing exactly these
	// controls, with the given (pending) registrationId.
	expectStep := func(resp *http.Response, page string, step, regID string, names ...string) *htmlForm {
		t.Helper()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("want step %s page, got %d %s", step, resp.StatusCode, page)
		}
		f := parseHTMLForm(t, page)
		if f.hidden("step") != step || f.hidden("registrationId") != regID {
			t.Fatalf("want step %s (registrationId %q), got step %q registrationId %q", step, regID, f.hidden("step"), f.hidden("registrationId"))
		}
		if got := f.fieldNames(); !slices.Equal(got, names) {
			t.Fatalf("step %s controls = %v, want %v", step, got, names)
		}
		return f
	}
	// nothingCreated checks no user exists for the email.
	nothingCreated := func(before int) {
		t.Helper()
		if n := userCount(s); n != before {
			t.Errorf("users: %d, want %d", n, before)
		}
		if st, body := api(t, ts, "GET", "/api/user?email="+url.QueryEscape(email), "", ""); st != http.StatusNotFound {
			t.Errorf("user was created: %d %s", st, body)
		}
	}
	users := userCount(s)

	// Step 1: email, password with confirmation, first name.
	f := expectStep(resp, page, "0", "", "user.email", "user.password", "confirm.user.password", "user.firstName")
	if ctl := f.named("user.email")[0]; ctl.typ != "email" {
		t.Errorf("user.email input type %q", ctl.typ)
	}
	for _, n := range []string{"user.password", "confirm.user.password"} {
		if ctl := f.named(n)[0]; ctl.typ != "password" {
			t.Errorf("%s input type %q", n, ctl.typ)
		}
	}
	step1 := url.Values{"user.email": {email}, "user.password": {password}, "confirm.user.password": {password + "x"}, "user.firstName": {"Ada"}}
	resp, page = post(f.submit(t, step1))
	f = expectStep(resp, page, "0", "", "user.email", "user.password", "confirm.user.password", "user.firstName")
	if errs := f.fieldErrors(t); !reflect.DeepEqual(errs, map[string]string{"confirm.user.password": en.T("form.error.confirm")}) {
		t.Errorf("mismatched confirmation: errors %v", errs)
	}
	if f.named("user.email")[0].value != email || f.named("user.firstName")[0].value != "Ada" {
		t.Errorf("typed values not kept: %+v", f.controls)
	}
	if f.named("user.password")[0].value != "" || f.named("confirm.user.password")[0].value != "" || strings.Contains(page, password) {
		t.Errorf("password echoed in the page")
	}
	nothingCreated(users)
	s.st.mu.Lock()
	pending := len(s.st.pending)
	s.st.mu.Unlock()
	if pending != 0 {
		t.Errorf("a registration is pending after a failed first step")
	}

	step1.Set("confirm.user.password", password)
	resp, page = post(f.submit(t, step1))
	m := hiddenRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no registrationId after step 1: %d %s", resp.StatusCode, page)
	}
	regID := m[1]

	// Step 2: dates, phones, a nested user.data key, an email.
	step2Names := []string{"user.birthDate", "user.mobilePhone", "user.data.workPhone", "user.data.address.city", "user.data.backupEmail"}
	f = expectStep(resp, page, "1", regID, step2Names...)
	for name, typ := range map[string]string{"user.birthDate": "date", "user.mobilePhone": "text", "user.data.workPhone": "tel", "user.data.address.city": "text", "user.data.backupEmail": "email"} {
		if got := f.named(name)[0].typ; got != typ {
			t.Errorf("%s input type %q, want %q", name, got, typ)
		}
	}
	step2 := url.Values{"user.birthDate": {"2023-02-30"}, "user.mobilePhone": {"+1 303 555 1212"}, "user.data.workPhone": {"+44 20 7946 0958"},
		"user.data.address.city": {"Zürich"}, "user.data.backupEmail": {"ada.backup@example.org"}}
	resp, page = post(f.submit(t, step2))
	f = expectStep(resp, page, "1", regID, step2Names...)
	if errs := f.fieldErrors(t); !reflect.DeepEqual(errs, map[string]string{"user.birthDate": en.T("form.error.date")}) {
		t.Errorf("bad birth date: errors %v", errs)
	}
	for k, v := range step2 {
		if got := f.named(k)[0].value; got != v[0] {
			t.Errorf("after the error %s = %q, want the typed %q", k, got, v[0])
		}
	}
	nothingCreated(users)

	step2.Set("user.birthDate", "1990-07-15")
	resp, page = post(f.submit(t, step2))

	// Step 3: textarea, number, date, select bool, radios, checkboxes.
	step3Names := []string{"registration.data.bio", "registration.data.maxprice", "registration.data.movein", "registration.data.contactOK",
		"registration.data.contactTime", "registration.data.bedrooms", "registration.data.newsletter", "user.data.marketing", "registration.data.features"}
	f = expectStep(resp, page, "2", regID, step3Names...)
	if sel := f.named("registration.data.contactOK")[0]; sel.tag != "select" || len(sel.options) != 3 || sel.options[1].value != "true" || sel.options[2].value != "false" {
		t.Errorf("contactOK select: %+v", sel)
	}
	var featureValues []string
	for _, ctl := range f.named("registration.data.features") {
		featureValues = append(featureValues, ctl.value)
	}
	if !slices.Equal(featureValues, []string{"Garage", "Garden", "Pool", "Fireplace"}) {
		t.Errorf("feature checkboxes: %v", featureValues)
	}
	// The user ticks Pool then Garage; the browser posts in page order.
	step3 := url.Values{"registration.data.bio": {"Quiet street\r\nnear a park"}, "registration.data.maxprice": {"9007199254740993"},
		"registration.data.movein": {"2027-03-01"}, "registration.data.contactOK": {"false"}, "registration.data.contactTime": {"Evening"},
		"registration.data.bedrooms": {"3"}, "registration.data.newsletter": {"true"}, "user.data.marketing": {},
		"registration.data.features": {"Pool", "Garage"}}

	// Invalid input on the last step: the same step, the error at the field,
	// the rest of the typing kept, nothing created.
	for _, tc := range []struct {
		name, key, value, msg string
		tamper                bool // a value the page does not offer
	}{
		{"number", "registration.data.maxprice", "12abc", "form.error.number", false},
		{"date", "registration.data.movein", "2023-02-30", "form.error.date", false},
		{"select", "registration.data.contactOK", "maybe", "form.error.choice", true},
	} {
		form := f.submit(t, step3)
		form.Set(tc.key, tc.value)
		resp, page := post(form)
		g := expectStep(resp, page, "2", regID, step3Names...)
		if errs := g.fieldErrors(t); !reflect.DeepEqual(errs, map[string]string{tc.key: en.T(tc.msg)}) {
			t.Errorf("%s: errors %v", tc.name, errs)
		}
		if tc.tamper {
			for _, o := range g.named(tc.key)[0].options {
				if o.selected || o.value == tc.value {
					t.Errorf("%s: option %+v shown after a value not among the options", tc.name, o)
				}
			}
		} else if got := g.named(tc.key)[0].value; got != tc.value {
			t.Errorf("%s: typed %q not kept: %q", tc.name, tc.value, got)
		}
		// Everything else as typed.
		if got := g.named("registration.data.bio")[0].value; got != "Quiet street\nnear a park" {
			t.Errorf("%s: textarea not kept: %q", tc.name, got)
		}
		kept := g.submit(t, nil)
		for _, k := range []string{"registration.data.contactTime", "registration.data.bedrooms", "registration.data.newsletter", "user.data.marketing", "registration.data.features", "registration.data.maxprice", "registration.data.movein", "registration.data.contactOK"} {
			want := form[k]
			if k == tc.key {
				continue
			}
			if got := kept[k]; !slices.Equal(got, want) {
				t.Errorf("%s: %s not kept: %q, want %q", tc.name, k, got, want)
			}
		}
		nothingCreated(users)
	}

	resp, page = post(f.submit(t, step3))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("completion: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), page)
	}
	st, tok := token(t, ts, codeForm(loc.Query().Get("code"), p))
	userID, _ := tok["userId"].(string)
	if st != http.StatusOK || userID == "" {
		t.Fatalf("exchange: %d %v", st, tok)
	}
	if n := userCount(s); n != users+1 {
		t.Errorf("users: %d, want %d", n, users+1)
	}

	st, raw := api(t, ts, "GET", "/api/user/"+userID, "", "")
	if st != http.StatusOK {
		t.Fatalf("get user: %d %s", st, raw)
	}
	user, _ := decode(t, raw)["user"].(map[string]any)
	for k, want := range map[string]any{"email": email, "firstName": "Ada", "birthDate": "1990-07-15", "mobilePhone": "+1 303 555 1212"} {
		if got := user[k]; got != want {
			t.Errorf("user.%s = %#v, want %#v", k, got, want)
		}
	}
	if _, ok := user["password"]; ok {
		t.Errorf("user has a password property: %s", raw)
	}
	wantUserData := map[string]any{
		"workPhone": "+44 20 7946 0958", "address": map[string]any{"city": "Zürich"},
		"backupEmail": "ada.backup@example.org", "marketing": false,
	}
	if got := user["data"]; !reflect.DeepEqual(got, wantUserData) {
		t.Errorf("user.data = %#v\nwant %#v", got, wantUserData)
	}
	regs, _ := user["registrations"].([]any)
	if len(regs) != 1 {
		t.Fatalf("registrations: %s", raw)
	}
	reg, _ := regs[0].(map[string]any)
	if reg["applicationId"] != demoAppID {
		t.Errorf("registration for %v", reg["applicationId"])
	}
	wantRegData := map[string]any{
		"bio":         "Quiet street\nnear a park",
		"maxprice":    json.Number("9007199254740993"),
		"movein":      "2027-03-01",
		"contactOK":   false,
		"contactTime": "Evening",
		"bedrooms":    json.Number("3"),
		"newsletter":  true,
		"features":    []any{"Garage", "Pool"}, // option order: the order the browser posts
	}
	if got := reg["data"]; !reflect.DeepEqual(got, wantRegData) {
		t.Errorf("registration.data = %#v\nwant %#v", got, wantRegData)
	}
	if !strings.Contains(raw, `"maxprice":9007199254740993`) {
		t.Errorf("maxprice not stored as the exact JSON number: %s", raw)
	}

	// The chosen password signs the new user in.
	form := authorizeParams(newPKCE(), "openid", "s", "n")
	form.Set("loginId", email)
	form.Set("password", password)
	resp, err = browser(t).PostForm(ts.URL+"/oauth2/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	readAll(t, resp)
	if resp.StatusCode != http.StatusFound {
		t.Errorf("login of the new user: %d", resp.StatusCode)
	}
}
