package form

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"portal/internal/fusionauth"
)

func TestConflicts(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{
		fld("registration.data.maxprice", "number", "number"),
		fld("user.firstName", "text", ""),
		fld("user.lastName", "text", ""),
	})
	before := userRec(t, `{"firstName":"A","lastName":"L","registrations":[{"applicationId":"app-1","data":{"maxprice":100}}]}`)
	post := browserPost(d.View(before, nil))

	// Someone else changed maxprice to 200; this user typed 300: conflict.
	now := userRec(t, `{"firstName":"A","lastName":"L","registrations":[{"applicationId":"app-1","data":{"maxprice":200}}]}`)
	post.Set("registration.data.maxprice", "300")
	p, conflicts := d.Changes(d.Parse(post), now)
	if len(conflicts) != 1 || conflicts[0].Key != "registration.data.maxprice" || conflicts[0].Yours != "300" || conflicts[0].Theirs != "200" {
		t.Fatalf("conflicts %+v", conflicts)
	}
	if !p.Empty() {
		t.Fatalf("conflicting value sent: %s", jsonOf(t, p))
	}
	// The user keeps their value on the conflict page and submits again.
	s := d.Parse(post)
	d.Rebase(s, now)
	again := browserPost(d.ViewSubmission(s, nil))
	if again.Get("registration.data.maxprice") != "300" {
		t.Fatalf("typed value lost on the conflict page")
	}
	p, conflicts = d.Changes(d.Parse(again), now)
	if got := jsonOf(t, p.Registration); got != `{"data":{"maxprice":300}}` || len(conflicts) != 0 {
		t.Fatalf("resubmission patch %s conflicts %v", got, conflicts)
	}

	// Both typed the same value: nothing to send, no conflict.
	post.Set("registration.data.maxprice", "200.0")
	p, conflicts = d.Changes(d.Parse(post), now)
	if !p.Empty() || len(conflicts) != 0 {
		t.Fatalf("patch %s conflicts %v", jsonOf(t, p), conflicts)
	}

	// Two tabs: tab 1 saved firstName; tab 2 (old snapshot) changes lastName.
	tab2 := browserPost(d.View(before, nil))
	tab2.Set("user.lastName", "M")
	afterTab1 := userRec(t, `{"firstName":"B","lastName":"L","registrations":[{"applicationId":"app-1","data":{"maxprice":100}}]}`)
	p, conflicts = d.Changes(d.Parse(tab2), afterTab1)
	if got := jsonOf(t, p.User); got != `{"lastName":"M"}` || len(conflicts) != 0 || p.Registration != nil {
		t.Fatalf("tab 2 patch %s conflicts %v", got, conflicts)
	}
}

func TestTamperedSnapshot(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{fld("user.firstName", "text", ""), fld("user.data.n", "number", "number")})
	rec := userRec(t, `{"firstName":"A","data":{"n":5}}`)
	for _, snap := range []string{"", "!!!", "e30", "bnVsbA", "eyJ2IjpbMV19", "eyJ2Ijp7InVzZXIuZGF0YS5uIjp7fX19", strings.Repeat("A", maxSnapshot+10)} {
		post := url.Values{"form.snapshot": {snap}, "user.firstName": {"B"}, "user.data.n": {"5"}}
		s := d.Parse(post)
		if !s.OK() {
			t.Fatalf("snapshot %q: errors %v", snap, s.Errors)
		}
		p, conflicts := d.Changes(s, rec)
		if got := jsonOf(t, p.User); got != `{"firstName":"B"}` || len(conflicts) != 0 {
			t.Errorf("snapshot %.20q: patch %s conflicts %v", snap, got, conflicts)
		}
		_ = render(t, d.ViewSubmission(s, nil))
	}
}

func TestSnapshotSizeCapped(t *testing.T) {
	// Each value is under the 16 KiB input limit (a longer one is
	// read-only), together they are over the snapshot cap.
	big := strings.Repeat("x", maxValueLen-1)
	d := mustDef(t, []fusionauth.FormField{fld("user.data.a", "textarea", "string"), fld("user.data.b", "textarea", "string"),
		fld("user.data.c", "textarea", "string"), fld("user.data.d", "textarea", "string")})
	rec := userRec(t, `{"data":{"a":"`+big+`","b":"`+big+`","c":"`+big+`","d":"`+big+`"}}`)
	v := d.View(rec, nil)
	if v.Snapshot != "" {
		t.Fatalf("oversized snapshot emitted (%d bytes)", len(v.Snapshot))
	}
}

func TestEscaping(t *testing.T) {
	evil := `<script>alert(1)</script>"'&`
	d := mustDef(t, []fusionauth.FormField{
		fld("user.data.x", "text", "string", label(evil), func(f *fusionauth.FormField) { f.Description = evil }),
		fld("user.data.y", "select", "string", opts(evil, "ok")),
		fld("user.data.z", "textarea", "string"),
		fld("user.data.ro", "text", "string"),
	})
	rec := userRec(t, `{"data":{"x":"\"><img src=x onerror=alert(1)>","y":"<script>alert(1)</script>\"'&","z":"</textarea><b>x</b>","ro":{"a":"<i>"}}}`)
	html := render(t, d.View(rec, nil))
	for _, bad := range []string{"<script>", "<img", "</textarea><b>", "<i>"} {
		if strings.Contains(html, bad) {
			t.Errorf("unescaped %q in\n%s", bad, html)
		}
	}
	if !strings.Contains(html, "&lt;script&gt;") {
		t.Errorf("label not shown as text")
	}
	// Escaped error page too.
	s := d.Parse(url.Values{"user.data.y": {evil + "!"}})
	if html := render(t, d.ViewSubmission(s, nil)); strings.Contains(html, "<script>") {
		t.Errorf("unescaped on error page")
	}
}

func TestValidatorLookahead(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{fld("user.data.site", "text", "string", validator(`^(?!http).+$`))})
	if s := d.Parse(url.Values{"user.data.site": {"example.com"}}); !s.OK() {
		t.Fatalf("valid value rejected: %v", s.Errors)
	}
	if s := d.Parse(url.Values{"user.data.site": {"http://example.com"}}); s.OK() {
		t.Fatalf("lookahead not applied")
	}
	// The whole value must match, as with Java's String.matches.
	d = mustDef(t, []fusionauth.FormField{fld("user.data.zip", "text", "string", validator(`[0-9]{5}`))})
	if s := d.Parse(url.Values{"user.data.zip": {"12345x"}}); s.OK() {
		t.Fatalf("partial match accepted")
	}
	if s := d.Parse(url.Values{"user.data.zip": {"12345"}}); !s.OK() {
		t.Fatalf("full match rejected: %v", s.Errors)
	}
}

func TestValidatorPathologicalBounded(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{fld("user.data.a", "text", "string", validator(`^(a+)+$`))})
	start := time.Now()
	s := d.Parse(url.Values{"user.data.a": {strings.Repeat("a", 40) + "!"}})
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("match took %v", el)
	}
	if msg := errorText(d, s, "user.data.a"); !strings.Contains(msg, "could not be checked") {
		t.Fatalf("want a timeout error, got %q", msg)
	}
}

func TestOddKeys(t *testing.T) {
	keys := []string{
		"registration.data.a.b", "registration.data.a_2eb", "user.data.preferences['color']",
		`user.data.preferences["size"]`, "registration.data.123abc", "registration.data.x-y", "user.data.名前",
	}
	var fields []fusionauth.FormField
	for _, k := range keys {
		fields = append(fields, fld(k, "text", "string"))
	}
	d := mustDef(t, fields)
	if len(d.Problems()) != 0 {
		t.Fatalf("problems %v", d.Problems())
	}
	v := d.View(userRec(t, `{"registrations":[{"applicationId":"app-1"}]}`), nil)
	ids := map[string]bool{}
	for _, k := range keys {
		fv := fieldView(t, v, k)
		if fv.ReadOnly {
			t.Errorf("%s read-only: %s", k, fv.Reason)
		}
		for _, r := range fv.ID {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				t.Errorf("%s: id %q has %q", k, fv.ID, r)
			}
		}
		if ids[fv.ID] {
			t.Errorf("duplicate id %s", fv.ID)
		}
		ids[fv.ID] = true
	}
	post := url.Values{}
	for _, k := range keys {
		post.Set(k, "v")
	}
	p, _ := d.Changes(d.Parse(post), userRec(t, `{"registrations":[{"applicationId":"app-1"}]}`))
	if got, want := jsonOf(t, p.User), `{"data":{"preferences":{"color":"v","size":"v"},"名前":"v"}}`; got != want {
		t.Errorf("user patch %s, want %s", got, want)
	}
	if got, want := jsonOf(t, p.Registration), `{"data":{"123abc":"v","a":{"b":"v"},"a_2eb":"v","x-y":"v"}}`; got != want {
		t.Errorf("registration patch %s, want %s", got, want)
	}
}

func TestBadKeys(t *testing.T) {
	for _, k := range []string{"user", "user.", "user..x", "user.data", "user.data[0]", "user.data.x['a", "user.id", "other.x", "user.data.a['b']c", "registration.roles"} {
		if _, reason := parseKey(k); reason == "" {
			t.Errorf("key %q accepted", k)
		}
	}
}

func TestErrorSummaryLinks(t *testing.T) {
	d := mustDef(t, []fusionauth.FormField{fld("user.data.c", "radio", "string", opts("a"), required)})
	html := render(t, d.ViewSubmission(d.Parse(url.Values{"form.present": {"user.data.c"}}), nil))
	for _, want := range []string{`role="alert"`, `href="#f-user_2edata_2ec"`, `<fieldset class="field field-radio has-error" id="f-user_2edata_2ec" tabindex="-1"`} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %q in\n%s", want, html)
		}
	}
}
