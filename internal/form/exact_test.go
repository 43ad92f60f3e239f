package form

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"portal/internal/fusionauth"
)

// exactFields has one field of each editable control × type.
func exactFields() []fusionauth.FormField {
	return []fusionauth.FormField{
		fld("user.data.s", "text", "string"),
		fld("user.data.sc", "text", "string", confirm),
		fld("user.data.e", "text", "email"),
		fld("user.data.p", "text", "phoneNumber"),
		fld("user.data.d", "text", "date"),
		fld("user.data.n", "text", "number"),
		fld("user.data.b", "text", "bool"),
		fld("user.data.ta", "textarea", "string"),
		fld("user.data.tn", "textarea", "number"),
		fld("registration.data.nn", "number", "number"),
		fld("registration.data.ns", "number", ""),
		fld("user.data.r", "radio", "string", opts("Red", "Blue")),
		fld("user.data.sel", "select", "number", opts("1", "2")),
		fld("user.data.cb", "checkbox", "bool"),
		fld("user.data.cbs", "checkbox", "string", opts("A", "B")),
		fld("user.preferredLanguages", "select", ""),
		fld("user.timezone", "select", ""),
	}
}

const exactUser = `{"email":"a@b.co","data":{"keep":"me"},"registrations":[{"applicationId":"app-1","data":{"other":1}}]}`

// mergePatch applies an RFC 7396 merge patch, as the dev server and
// FusionAuth do for application/merge-patch+json.
func mergePatch(target map[string]any, patch map[string]any) {
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(target, k)
		case map[string]any:
			t, ok := target[k].(map[string]any)
			if !ok {
				t = map[string]any{}
				target[k] = t
			}
			mergePatch(t, pv)
		default:
			target[k] = v
		}
	}
}

// applyPatch stores a Patch into rec the way FusionAuth would, through
// JSON, so the record holds exactly what was sent.
func applyPatch(t *testing.T, rec Record, p Patch) Record {
	t.Helper()
	out := userRec(t, jsonOf(t, rec.User))
	if p.User != nil {
		mergePatch(out.User, userRec(t, jsonOf(t, p.User)).User)
	}
	if p.Registration != nil {
		reg, _ := out.registration()
		mergePatch(reg, userRec(t, jsonOf(t, p.Registration)).User)
	}
	return out
}

// TestAcceptedValuesStayEditable: whatever Parse accepts for a field, once
// saved, is shown by the same field as editable and comes back from an
// untouched page unchanged, and every number saved fits a double (what
// FusionAuth keeps numbers with a fraction or an exponent as). A value that
// fails this would lock the field for the user or be stored as something
// they did not type.
func TestAcceptedValuesStayEditable(t *testing.T) {
	d := mustDef(t, exactFields())
	rec0 := userRec(t, exactUser)
	values := []string{
		"plain", " padded ", "Jürgen 山田 😀", "<script>x</script>", "\u00a0nbsp", "x\u2028y", "tab\there",
		"a\nb", "a\r\nb", "a\rb", "\nlead", "trail\r\n",
		"1", "2", "-0", "0.1", "9007199254740993", "1e308", "-1e308", "1e-300", "0e-999",
		"1e999", "-1e999", "1.8e308", "1e-999", "-2e-324",
		"true", "false", "2000-02-29", "a@b.co", " a@b.co ", "+1 303 555 1212", "Red", "America/Denver",
	}
	for _, f := range exactFields() {
		for _, v := range values {
			post := browserPost(d.View(rec0, nil))
			post.Set(f.Key, v)
			if f.Confirm {
				post.Set("confirm."+f.Key, v)
			}
			s := d.Parse(post)
			got, ok := s.Values[f.Key]
			if !ok {
				continue // rejected: nothing stored
			}
			if n, isNum := got.(json.Number); isNum {
				x, err := strconv.ParseFloat(string(n), 64)
				if err != nil || (x == 0 && strings.Trim(strings.Split(string(n), "e")[0], "-0.") != "") {
					t.Errorf("%s: %q accepted as %s, which a double cannot hold", f.Key, v, n)
					continue
				}
			}
			p, conflicts := d.Changes(s, rec0)
			if len(conflicts) > 0 {
				t.Fatalf("%s: %q: conflicts %v", f.Key, v, conflicts)
			}
			rec1 := applyPatch(t, rec0, p)
			view := d.View(rec1, nil)
			if fv := fieldView(t, view, f.Key); fv.ReadOnly {
				t.Errorf("%s: %q was saved and made the field read-only (%s)", f.Key, v, fv.Reason)
				continue
			}
			again := d.Parse(browserPost(view))
			if !again.OK() {
				t.Errorf("%s: %q saved, then the untouched page has errors %v", f.Key, v, again.Errors)
				continue
			}
			if p2, _ := d.Changes(again, rec1); !p2.Empty() {
				t.Errorf("%s: %q saved, then the untouched page sends %s", f.Key, v, jsonOf(t, p2))
			}
		}
	}
}

// TestStoredValuesComeBackUnchanged: a value written by someone else (the
// API, FusionAuth's own pages) is either shown read-only, or an untouched
// page sends nothing for it. Browsers give textarea line breaks back as
// CRLF, drop line breaks from one-line inputs and turn NUL into U+FFFD.
func TestStoredValuesComeBackUnchanged(t *testing.T) {
	d := mustDef(t, exactFields())
	stored := []string{
		`"a\r\nb"`, `"a\rb"`, `"\r\nfirst"`, `"\nfirst"`, `"last\r"`, `"x\u0000y"`, `" a@b.co "`, `" +1 303 555 1212 "`,
		`"  "`, `""`, `"Jürgen"`, `1.50`, `"1.50"`, `9007199254740993`, `true`, `"true"`, `"2000-02-29"`,
	}
	for _, f := range exactFields() {
		for _, js := range stored {
			kp, _ := parseKey(f.Key)
			var rec Record
			if kp.root == "user" {
				rec = userRec(t, fmt.Sprintf(`{"data":{%q:%s},"timezone":%s,"preferredLanguages":%s,"registrations":[{"applicationId":"app-1","data":{}}]}`,
					kp.path[len(kp.path)-1], js, js, js))
			} else {
				rec = userRec(t, fmt.Sprintf(`{"registrations":[{"applicationId":"app-1","data":{%q:%s}}]}`, kp.path[len(kp.path)-1], js))
			}
			view := d.View(rec, nil)
			if fieldView(t, view, f.Key).ReadOnly {
				continue
			}
			s := d.Parse(browserPost(view))
			if msg, bad := s.Errors[f.Key]; bad {
				if strings.TrimSpace(strings.Trim(js, `"`)) == "" {
					continue
				}
				if msg == "form.error.email" || msg == "form.error.phone" {
					continue // a stored invalid address is shown, and must be fixed to save
				}
				t.Errorf("%s stored as %s: untouched page rejected: %s", f.Key, js, msg)
				continue
			}
			p, conflicts := d.Changes(s, rec)
			if !p.Empty() || len(conflicts) > 0 {
				t.Errorf("%s stored as %s: untouched page sends %s (conflicts %v)", f.Key, js, jsonOf(t, p), conflicts)
			}
		}
	}
}

func TestNumberRangeMessage(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{fld("registration.data.maxprice", "number", "number")})
	for _, v := range []string{"1e999", "-1e400", "1e-999"} {
		s := d.Parse(url.Values{"registration.data.maxprice": {v}})
		if got := errorText(d, s, "registration.data.maxprice"); !strings.HasPrefix(got, "Enter a number") || !strings.Contains(got, "exponents") {
			t.Errorf("%q: message %q", v, got)
		}
		if fv := fieldView(t, d.ViewSubmission(s, nil), "registration.data.maxprice"); fv.Value != v {
			t.Errorf("%q: input not kept: %q", v, fv.Value)
		}
	}
	d = mustDef(t, []fusionauth.FormField{fld("user.data.city", "text", "string")})
	s := d.Parse(url.Values{"user.data.city": {"Den\r\nver"}})
	if got := errorText(d, s, "user.data.city"); got != "This field holds one line: remove the line breaks." {
		t.Errorf("line break message %q", got)
	}
}

// TestRebaseRefreshesUntouchedFields: tab A changes geographicarea and
// maxprice; stale tab B changes maxprice only and gets the conflict page.
// Submitting that page keeps B's maxprice but must not put B's stale
// geographicarea back over A's change.
func TestRebaseRefreshesUntouchedFields(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{
		fld("registration.data.maxprice", "number", "number"),
		fld("registration.data.geographicarea", "text", "string", confirm),
		fld("user.data.news", "checkbox", "bool"),
		fld("user.data.sports", "checkbox", "string", opts("Golf", "Ski")),
		fld("user.data.size", "select", "string", opts("S", "M")),
		fld("user.data.bio", "textarea", "string"),
	})
	before := userRec(t, `{"data":{"news":false,"sports":["Golf"],"size":"S","bio":"old"},
		"registrations":[{"applicationId":"app-1","data":{"maxprice":100,"geographicarea":"Denver"}}]}`)
	now := userRec(t, `{"data":{"news":true,"sports":["Ski"],"size":"M","bio":"new\nbio"},
		"registrations":[{"applicationId":"app-1","data":{"maxprice":200,"geographicarea":"Vail"}}]}`)
	tabB := browserPost(d.View(before, nil))
	tabB.Set("registration.data.maxprice", "300")
	s := d.Parse(tabB)
	if _, conflicts := d.Changes(s, now); len(conflicts) != 1 {
		t.Fatalf("conflicts %v", conflicts)
	}
	d.Rebase(s, now)
	again := browserPost(d.ViewSubmission(s, nil))
	if got := again.Get("registration.data.maxprice"); got != "300" {
		t.Fatalf("the user's own value lost on the conflict page: %q", got)
	}
	p, conflicts := d.Changes(d.Parse(again), now)
	if got := jsonOf(t, p); got != `{"User":null,"Registration":{"data":{"maxprice":300}}}` || len(conflicts) != 0 {
		t.Fatalf("resubmission sends %s (conflicts %v); want only maxprice", got, conflicts)
	}

	// Without a snapshot nothing is known to be untouched: typed values stay.
	tabB.Del("form.snapshot")
	s = d.Parse(tabB)
	d.Rebase(s, now)
	if got := browserPost(d.ViewSubmission(s, nil)).Get("registration.data.geographicarea"); got != "Denver" {
		t.Fatalf("typed value replaced without a snapshot: %q", got)
	}
}

// TestLongListsNotCut: a checkbox list with more options than the
// per-field value cap saves every ticked option; more values than options
// is an error, never a silently shortened list.
func TestLongListsNotCut(t *testing.T) {
	var o []string
	for i := range 150 {
		o = append(o, fmt.Sprintf("opt%03d", i))
	}
	d := mustDef(t, []fusionauth.FormField{fld("user.data.many", "checkbox", "string", opts(o...))})
	post := url.Values{"form.present": {"user.data.many"}, "user.data.many": o}
	s := d.Parse(post)
	if got, _ := s.Values["user.data.many"].([]any); len(got) != 150 {
		t.Fatalf("saved %d of 150 ticked options (errors %v)", len(got), s.Errors)
	}
	post["user.data.many"] = append(o, o...)
	s = d.Parse(post)
	if _, saved := s.Values["user.data.many"]; saved || s.Errors["user.data.many"] == "" {
		t.Fatalf("300 values for 150 options: values %v errors %v", s.Values, s.Errors)
	}
}

// TestRejectedInvalidUTF8ShownAsText: rejected input is given back, but as
// valid UTF-8, never as raw invalid bytes in the page.
func TestRejectedInvalidUTF8ShownAsText(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{fld("user.data.city", "text", "string", confirm)})
	s := d.Parse(url.Values{"user.data.city": {"Den\xffver<"}, "confirm.user.data.city": {"\xfe"}})
	if s.Errors["user.data.city"] != "form.error.characters" {
		t.Fatalf("errors %v", s.Errors)
	}
	html := render(t, d.ViewSubmission(s, nil))
	if !utf8.ValidString(html) || !strings.Contains(html, `value="Den`+"\uFFFD"+`ver&lt;"`) {
		t.Fatalf("re-rendered input: %s", html)
	}
}
