package browser

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCheck: the rule's answer for each kind of request a browser (or not)
// sends to a handler at https://app.example.test expecting JSON.
func TestCheck(t *testing.T) {
	g, err := NewGuard([]string{"https://login.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		method  string
		headers map[string]string
		types   []string // default JSON
		want    error
	}{
		{"same-origin JSON", "POST", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "https://app.example.test", "Content-Type": "application/json"}, nil, nil},
		{"same-origin JSON with a charset", "POST", map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "Application/JSON; charset=utf-8"}, nil, nil},
		{"old browser, same origin", "POST", map[string]string{"Origin": "https://app.example.test", "Content-Type": "application/json"}, nil, nil},
		{"not a browser", "POST", map[string]string{"Content-Type": "application/json"}, nil, nil},
		{"typed in the address bar (none)", "POST", map[string]string{"Sec-Fetch-Site": "none", "Content-Type": "application/json"}, nil, nil},
		{"trusted sibling", "POST", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://login.example.test", "Content-Type": "application/json"}, nil, nil},
		{"same-origin form", "POST", map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded"}, FormTypes(), nil},
		{"same-origin multipart form", "POST", map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "multipart/form-data; boundary=x"}, FormTypes(), nil},

		{"GET", "GET", map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}, nil, ErrMethod},
		{"HEAD", "HEAD", nil, nil, ErrMethod},
		{"OPTIONS", "OPTIONS", nil, nil, ErrMethod},
		{"PUT", "PUT", map[string]string{"Content-Type": "application/json"}, nil, ErrMethod},
		{"cross-site form", "POST", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test", "Content-Type": "application/x-www-form-urlencoded"}, FormTypes(), ErrCrossOrigin},
		{"cross-site text/plain", "POST", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.test", "Content-Type": "text/plain"}, nil, ErrCrossOrigin},
		{"same-site sibling form", "POST", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://blog.example.test", "Content-Type": "application/x-www-form-urlencoded"}, FormTypes(), ErrCrossOrigin},
		{"same-site sibling text/plain", "POST", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://blog.example.test", "Content-Type": "text/plain"}, nil, ErrCrossOrigin},
		{"same-site sibling JSON", "POST", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://blog.example.test", "Content-Type": "application/json"}, nil, ErrCrossOrigin},
		{"old browser, cross-site", "POST", map[string]string{"Origin": "https://evil.test", "Content-Type": "application/x-www-form-urlencoded"}, FormTypes(), ErrCrossOrigin},
		{"old browser, sandboxed (null)", "POST", map[string]string{"Origin": "null", "Content-Type": "application/json"}, nil, ErrCrossOrigin},
		{"trusted origin, but cross-site by its own header", "POST", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://login.example.test.evil.test", "Content-Type": "application/json"}, nil, ErrCrossOrigin},

		{"same-origin text/plain", "POST", map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "text/plain"}, nil, ErrContentType},
		{"same-origin text/plain to a form", "POST", map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "text/plain;charset=UTF-8"}, FormTypes(), ErrContentType},
		{"same-origin form to JSON", "POST", map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded"}, nil, ErrContentType},
		{"no content type", "POST", map[string]string{"Sec-Fetch-Site": "same-origin"}, nil, ErrContentType},
		{"malformed content type", "POST", map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "application/json; charset"}, nil, ErrContentType},
		{"JSON lookalike", "POST", map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "application/json-seq"}, nil, ErrContentType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "https://app.example.test/x", strings.NewReader("{}"))
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			types := tc.types
			if types == nil {
				types = []string{JSON}
			}
			err := g.Check(r, types...)
			if (err == nil) != (tc.want == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("Check = %v, want %v", err, tc.want)
			}
			if tc.want != nil && Status(err) == 0 {
				t.Errorf("Status(%v) = 0", err)
			}
		})
	}
}

// TestTwoContentTypes: a request with two Content-Type headers is refused,
// whichever comes first.
func TestTwoContentTypes(t *testing.T) {
	g, err := NewGuard(nil)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "https://app.example.test/x", nil)
	r.Header.Add("Content-Type", "application/json")
	r.Header.Add("Content-Type", "text/plain")
	if err := g.Check(r, JSON); !errors.Is(err, ErrContentType) {
		t.Fatalf("Check = %v", err)
	}
}

// TestStatus: one status per refusal.
func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{ErrMethod, http.StatusMethodNotAllowed},
		{ErrCrossOrigin, http.StatusForbidden},
		{ErrContentType, http.StatusUnsupportedMediaType},
		{errors.New("other"), 0},
	} {
		if got := Status(tc.err); got != tc.want {
			t.Errorf("Status(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// TestNewGuard: trusted origins are refused unless spelled as a browser's
// Origin header spells them.
func TestNewGuard(t *testing.T) {
	for _, tc := range []struct {
		origin string
		ok     bool
	}{
		{"https://login.example.test", true},
		{"http://localhost:8080", true},
		{"https://[::1]:8443", true},
		{"https://login.example.test/", false},
		{"https://login.example.test/path", false},
		{"https://login.example.test?", false},
		{"https://login.example.test?x=1", false},
		{"https://login.example.test#", false},
		{"https://Login.example.test", false},
		{"https://login.example.test:443", false},
		{"http://login.example.test:80", false},
		{"https://login.example.test:", false},
		{"https://user@login.example.test", false},
		{"ftp://login.example.test", false},
		{"login.example.test", false},
		{"null", false},
		{"*", false},
		{"", false},
		{"https:login.example.test", false},
		{"https://login.example.test\n", false},
	} {
		t.Run(tc.origin, func(t *testing.T) {
			_, err := NewGuard([]string{tc.origin})
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrOrigin)) {
				t.Fatalf("NewGuard(%q) = %v, want ok %v", tc.origin, err, tc.ok)
			}
		})
	}
}

// TestCheckCookie: prefixed names are refused with the attributes that make
// browsers drop them, and only those.
func TestCheckCookie(t *testing.T) {
	for _, tc := range []struct {
		name, domain, path string
		secure, ok         bool
	}{
		{"session", "example.test", "/app", false, true},
		{"__Host-session", "", "/", true, true},
		{"__Host-session", "example.test", "/", true, false},
		{"__Host-session", "", "/app", true, false},
		{"__Host-session", "", "/", false, false},
		{"__host-session", "", "/app", true, false},
		{"__HOST-session", "example.test", "/", true, false},
		{"__Host-Http-session", "", "/app", true, false},
		{"__Secure-session", "example.test", "/app", true, true},
		{"__Secure-session", "", "/", false, false},
		{"__secure-session", "", "/", false, false},
		{"__Http-session", "", "/", false, false},
		{"__Http-session", "example.test", "/app", true, true},
		{"_Host-session", "example.test", "/app", false, true},
		{"Host-session", "example.test", "/app", false, true},
	} {
		t.Run(tc.name+tc.domain+tc.path, func(t *testing.T) {
			err := CheckCookie(tc.name, tc.domain, tc.path, tc.secure)
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrCookie)) {
				t.Fatalf("CheckCookie(%q, %q, %q, %v) = %v, want ok %v", tc.name, tc.domain, tc.path, tc.secure, err, tc.ok)
			}
		})
	}
}
