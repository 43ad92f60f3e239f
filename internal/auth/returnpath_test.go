package auth

import (
	"strings"
	"testing"
)

func TestSafeReturnPath(t *testing.T) {
	cases := map[string]string{
		"":                              "/",
		"/":                             "/",
		"/profile":                      "/profile",
		"/profile?tab=2#top":            "/profile?tab=2#top",
		"/a%20b":                        "/a%20b",
		"/search?q=%2F%2Fx":             "/search?q=%2F%2Fx", // decodes to "/search?q=//x", still a local path
		"//evil.com":                    "/",
		"/\\evil.com":                   "/",
		"\\\\evil.com":                  "/",
		"/a\\b":                         "/",
		"%5C":                           "/",
		"/%5Cevil.com":                  "/",
		"/%09/evil.com":                 "/",
		"/\t/evil.com":                  "/",
		"/\n/evil.com":                  "/",
		"/%2F%2Fevil":                   "/",
		"/%2Fevil":                      "/", // decodes to "//evil"
		"/%252F%252Fevil":               "/", // double-encoded
		"https://evil.com":              "/",
		"http:/evil.com":                "/",
		"javascript:alert(1)":           "/",
		"evil.com":                      "/",
		"profile":                       "/",
		" /profile":                     "/",
		"/%zz":                          "/",
		"/\x00":                         "/",
		"/%00":                          "/",
		"/\u0085x":                      "/", // C1 control
		"/\xff":                         "/", // invalid UTF-8
		"/" + strings.Repeat("a", 3000): "/",
	}
	for in, want := range cases {
		if got := SafeReturnPath(in); got != want {
			t.Errorf("SafeReturnPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSafeReturnPath(f *testing.F) {
	for _, s := range []string{"/", "/profile", "//evil", "/\\evil", "/%09/evil.com", "/%2F%2Fevil", "%5C", "https://x", "/a?b=c#d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := SafeReturnPath(in)
		if got != "/" && (!strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\")) {
			t.Fatalf("SafeReturnPath(%q) = %q", in, got)
		}
		if got != "/" && got != in {
			t.Fatalf("SafeReturnPath(%q) rewrote to %q", in, got)
		}
		if again := SafeReturnPath(got); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, got, again)
		}
	})
}
