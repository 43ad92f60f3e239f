package main

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	cases := []struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{ds, 50, 50 * time.Millisecond},
		{ds, 95, 95 * time.Millisecond},
		{ds, 99, 99 * time.Millisecond},
		{ds, 100, 100 * time.Millisecond},
		{ds, 0, 1 * time.Millisecond},
		{ds[:10], 99, 10 * time.Millisecond}, // rank 9.9 rounds up to 10
		{ds[:10], 50, 5 * time.Millisecond},  // rank 5 exactly
		{ds[:3], 50, 2 * time.Millisecond},   // rank 1.5 rounds up to 2
		{ds[:1], 99, 1 * time.Millisecond},   // one sample is every percentile
		{nil, 50, 0},                         // no samples
		{ds, 150, 100 * time.Millisecond},    // out of range is clamped
	}
	for _, c := range cases {
		if got := percentile(c.in, c.p); got != c.want {
			t.Errorf("percentile(%d samples, %v) = %v, want %v", len(c.in), c.p, got, c.want)
		}
	}
}

func TestWithSnapshotValue(t *testing.T) {
	enc := base64.RawURLEncoding.EncodeToString([]byte(`{"v":{"registration.data.maxprice":250000,"user.email":"a@example.com"}}`))
	got, err := withSnapshotValue(enc, "registration.data.maxprice", "12345678901234567890")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(got)
	var snap struct{ V map[string]json.RawMessage }
	if err := json.Unmarshal(raw, &snap); err != nil {
		t.Fatal(err)
	}
	if string(snap.V["registration.data.maxprice"]) != "12345678901234567890" || string(snap.V["user.email"]) != `"a@example.com"` {
		t.Errorf("snapshot after change: %s", raw)
	}
	if _, err := withSnapshotValue("not base64!", "k", "1"); err == nil {
		t.Error("garbled snapshot accepted")
	}
}

func TestFormValues(t *testing.T) {
	page := `<form method="post" action="/other"><input name="x" value="no"></form>
<form method="post" action="/profile" novalidate>
<input type="hidden" name="csrf_token" value="tok&#43;1">
<input type="checkbox" name="news" value="yes">
<input type="checkbox" name="terms" value="ok" checked>
<select name="area"><option value="n">N</option><option value="s" selected>S</option></select>
<textarea name="bio">
hello &amp; bye</textarea>
<button type="submit">Save</button></form>`
	action, vals, ok := formValues(page, `action="/profile"`)
	if !ok || action != "/profile" {
		t.Fatalf("action %q ok %v", action, ok)
	}
	want := map[string]string{"csrf_token": "tok+1", "terms": "ok", "area": "s", "bio": "hello & bye"}
	for k, v := range want {
		if vals.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, vals.Get(k), v)
		}
	}
	if vals.Has("news") || vals.Has("x") {
		t.Errorf("unchecked box or other form submitted: %v", vals)
	}
	if _, _, ok := formValues(page, `action="/missing"`); ok {
		t.Error("found a form that is not there")
	}
}
