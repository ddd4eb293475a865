package jwtverify_test

import (
	"testing"

	"github.com/sesame-go/sesame/jwtverify"
)

// TestNormalizeHTU: URLs that name the same resource compare equal (RFC
// 3986 §6.2.2, §6.2.3; query and fragment ignored, RFC 9449 §4.3), others do
// not, and what is not an absolute http(s) URL is refused.
func TestNormalizeHTU(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://api.example/orders", "https://api.example/orders"},
		{"HTTPS://API.EXAMPLE/orders", "https://api.example/orders"},
		{"https://api.example:443/orders", "https://api.example/orders"},
		{"https://api.example:/orders", "https://api.example/orders"},
		{"http://api.example:80/orders", "http://api.example/orders"},
		{"http://api.example:443/orders", "http://api.example:443/orders"},
		{"https://api.example:8443/orders", "https://api.example:8443/orders"},
		{"https://api.example", "https://api.example/"},
		{"https://api.example/orders?x=1#f", "https://api.example/orders"},
		{"https://api.example/%6f%72ders", "https://api.example/orders"},
		{"https://api.example/a%2fb", "https://api.example/a%2Fb"},
		{"https://api.example/Orders", "https://api.example/Orders"},
		{"https://api.example/a/./b/../c", "https://api.example/a/c"},
		{"https://api.example/%2E%2E/x", "https://api.example/x"},
		{"https://[::1]:443/x", "https://[::1]/x"},
		{"https://[::1]/x", "https://[::1]/x"},
		{"https://[::1]:8443/x", "https://[::1]:8443/x"},
	} {
		got, err := jwtverify.NormalizeHTU(c.in)
		if err != nil || got != c.want {
			t.Errorf("%q: %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "/orders", "api.example/orders", "ftp://api.example/x", "https://user:pw@api.example/x", "mailto:a@b", "https://", "https://api.example/%zz", "https://api.example/\x00"} {
		if got, err := jwtverify.NormalizeHTU(bad); err == nil {
			t.Errorf("%q: %q, want an error", bad, got)
		}
	}
}

// TestRemoveDots: the examples of RFC 3986 §5.2.4 and §5.4.
func TestRemoveDots(t *testing.T) {
	for in, want := range map[string]string{
		"/a/b/c/./../../g":     "/a/g",
		"mid/content=5/../6":   "mid/6",
		"/a/b/c/../../../g":    "/g",
		"/a/b/c/../../../../g": "/g",
		"/./g":                 "/g",
		"/../g":                "/g",
		"/g.":                  "/g.",
		"/.g":                  "/.g",
		"/g..":                 "/g..",
		"/..g":                 "/..g",
		"/b/c/./../g":          "/b/g",
		"/b/c/./g/.":           "/b/c/g/",
		"/b/c/g/./h":           "/b/c/g/h",
		"/b/c/g/../h":          "/b/c/h",
		"/a/..":                "/",
		"..":                   "/",
	} {
		if got := jwtverify.RemoveDots(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
