package session

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// newMG returns MGSessions on client, failing the test on a config error.
func newMG(tb testing.TB, client redis.UniversalClient, cfg MGConfig) *MGSessions {
	tb.Helper()
	g, err := NewMGSessions(client, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// protectReq is a request to https://app.example/login as a browser sends it.
type protectReq struct {
	name           string
	method         string
	site, origin   string // Sec-Fetch-Site and Origin, "" for none
	ctype, body    string
	status         int   // the answer; 303 when the login ran
	want           error // what CheckRequest says
	trustedSibling bool  // TrustedOrigins lists https://login.example
}

func protectCases() []protectReq {
	const form, text = "application/x-www-form-urlencoded", "text/plain"
	return []protectReq{
		{name: "same-origin form", method: "POST", site: "same-origin", origin: "https://app.example", ctype: form, body: "user=ada", status: http.StatusSeeOther},
		{name: "same-origin form, old browser", method: "POST", origin: "https://app.example", ctype: form, body: "user=ada", status: http.StatusSeeOther},
		{name: "trusted sibling form", method: "POST", site: "same-site", origin: "https://login.example", ctype: form, body: "user=ada", status: http.StatusSeeOther, trustedSibling: true},

		{name: "cross-site form", method: "POST", site: "cross-site", origin: "https://evil.test", ctype: form, body: "user=mallory", status: http.StatusForbidden, want: ErrCrossOrigin},
		{name: "cross-site text/plain", method: "POST", site: "cross-site", origin: "https://evil.test", ctype: text, body: "user=mallory", status: http.StatusForbidden, want: ErrCrossOrigin},
		{name: "cross-site form, old browser", method: "POST", origin: "https://evil.test", ctype: form, body: "user=mallory", status: http.StatusForbidden, want: ErrCrossOrigin},
		{name: "same-site sibling form", method: "POST", site: "same-site", origin: "https://blog.app.example", ctype: form, body: "user=mallory", status: http.StatusForbidden, want: ErrCrossOrigin},
		{name: "same-site sibling text/plain", method: "POST", site: "same-site", origin: "https://blog.app.example", ctype: text, body: "user=mallory", status: http.StatusForbidden, want: ErrCrossOrigin},
		{name: "untrusted sibling form", method: "POST", site: "same-site", origin: "https://login.example", ctype: form, body: "user=mallory", status: http.StatusForbidden, want: ErrCrossOrigin},
		{name: "same-origin text/plain", method: "POST", site: "same-origin", origin: "https://app.example", ctype: text, body: "user=mallory", status: http.StatusUnsupportedMediaType, want: ErrContentType},
		{name: "same-origin JSON to a form", method: "POST", site: "same-origin", origin: "https://app.example", ctype: "application/json", body: `{"user":"mallory"}`, status: http.StatusUnsupportedMediaType, want: ErrContentType},
		{name: "no content type", method: "POST", site: "same-origin", status: http.StatusUnsupportedMediaType, want: ErrContentType},
		{name: "GET", method: "GET", site: "same-origin", status: http.StatusMethodNotAllowed, want: ErrMethod},
		{name: "GET with a query, cross-site", method: "GET", site: "cross-site", origin: "https://evil.test", status: http.StatusMethodNotAllowed, want: ErrMethod},
	}
}

func (c protectReq) request() *http.Request {
	target := "https://app.example/login"
	if c.method == "GET" {
		target += "?user=mallory"
	}
	r := httptest.NewRequest(c.method, target, strings.NewReader(c.body))
	for k, v := range map[string]string{"Sec-Fetch-Site": c.site, "Origin": c.origin, "Content-Type": c.ctype} {
		if v != "" {
			r.Header.Set(k, v)
		}
	}
	return r
}

// TestProtect: a login handler behind Protect runs for a same-origin (or
// trusted) form POST only; every cross-origin request, cross-site or from a
// same-site sibling, form or text/plain, every other media type and every GET
// is refused with its status before the session is read, and changes nothing.
func TestProtect(t *testing.T) {
	for _, tc := range protectCases() {
		t.Run(tc.name, func(t *testing.T) {
			store := &spyStore{AtomicStore: NewMemoryStore(nil)}
			cfg := Config{CookieName: "app"}
			if tc.trustedSibling {
				cfg.TrustedOrigins = []string{"https://login.example"}
			}
			m := newTestManager(t, store, cfg)
			ran := false
			login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ran = true
				s := FromContext(r.Context())
				if err := errors.Join(s.Renew(), s.Put("userName", r.FormValue("user"))); err != nil {
					t.Error(err)
				}
				http.Redirect(w, r, "/", http.StatusSeeOther)
			})
			mux := http.NewServeMux()
			mux.Handle("/login", m.Protect(login))
			w := httptest.NewRecorder()
			m.Middleware(mux).ServeHTTP(w, tc.request())
			res := w.Result()
			_, setCookie := cookieOf(res, "app")
			if res.StatusCode != tc.status || ran != (tc.want == nil) || setCookie != (tc.want == nil) || (store.writes() > 0) != (tc.want == nil) {
				t.Fatalf("status %d (want %d), handler ran %v, cookie set %v, %d writes", res.StatusCode, tc.status, ran, setCookie, store.writes())
			}
			if tc.want != nil && (store.loads > 0 || res.Header.Get("Cache-Control") != "no-store") {
				t.Errorf("refusal read the session (%d loads) or may be cached (%q)", store.loads, res.Header.Get("Cache-Control"))
			}
			if allow := res.Header.Get("Allow"); (tc.want == ErrMethod) != (allow == "POST") {
				t.Errorf("Allow: %q", allow)
			}
			if err := m.CheckRequest(tc.request()); (err == nil) != (tc.want == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("CheckRequest = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestProtectJSON: with MediaJSON, a same-origin JSON POST runs and the form
// types are refused.
func TestProtectJSON(t *testing.T) {
	m := newTestManager(t, NewMemoryStore(nil), Config{})
	for _, tc := range []struct {
		ctype string
		want  error
	}{
		{"application/json", nil},
		{"application/json; charset=utf-8", nil},
		{"application/x-www-form-urlencoded", ErrContentType},
		{"multipart/form-data; boundary=x", ErrContentType},
		{"text/plain", ErrContentType},
	} {
		r := httptest.NewRequest("POST", "https://app.example/api", strings.NewReader("{}"))
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.Header.Set("Content-Type", tc.ctype)
		if err := m.CheckRequest(r, MediaJSON); (err == nil) != (tc.want == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: CheckRequest = %v, want %v", tc.ctype, err, tc.want)
		}
	}
}

// TestProtectErrorHandler: a custom ErrorHandler receives the refusal.
func TestProtectErrorHandler(t *testing.T) {
	var got error
	m := newTestManager(t, NewMemoryStore(nil), Config{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusTeapot)
	}})
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "https://app.example/login", strings.NewReader("x"))
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	m.Protect(http.NotFoundHandler()).ServeHTTP(w, r)
	if w.Code != http.StatusTeapot || !errors.Is(got, ErrCrossOrigin) {
		t.Fatalf("%d, %v", w.Code, got)
	}
}

// TestTrustedOriginsConfig: a trusted origin is refused at NewManager unless
// spelled as browsers send it.
func TestTrustedOriginsConfig(t *testing.T) {
	for _, tc := range []struct {
		origins []string
		ok      bool
	}{
		{nil, true},
		{[]string{"https://login.example", "http://localhost:8080"}, true},
		{[]string{"https://login.example/"}, false},
		{[]string{"https://login.example", "https://LOGIN.example"}, false},
		{[]string{"login.example"}, false},
		{[]string{"https://login.example:443"}, false},
		{[]string{"*"}, false},
	} {
		_, err := NewManager(NewMemoryStore(nil), Config{TrustedOrigins: tc.origins})
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrConfig)) {
			t.Errorf("%q: %v, want ok %v", tc.origins, err, tc.ok)
		}
	}
}

// TestCookiePrefixConfig: a __Host- or __Secure- cookie name is refused at
// configuration time, by NewManager and NewMGSessions alike, when the other
// attributes would make browsers drop the cookie.
func TestCookiePrefixConfig(t *testing.T) {
	for _, tc := range []struct {
		name, domain, path string
		insecure, ok       bool
	}{
		{"__Host-app", "", "", false, true},
		{"__Host-app", "", "/", false, true},
		{"__Host-app", "app.example", "", false, false},
		{"__Host-app", "", "/app", false, false},
		{"__Host-app", "", "", true, false},
		{"__host-app", "", "/app", false, false},
		{"__Secure-app", "app.example", "/app", false, true},
		{"__Secure-app", "", "", true, false},
		{"__SECURE-app", "", "", true, false},
		{"app", "app.example", "/app", true, true},
	} {
		t.Run(tc.name+tc.domain+tc.path, func(t *testing.T) {
			_, err := NewManager(NewMemoryStore(nil), Config{CookieName: tc.name, Domain: tc.domain, Path: tc.path, InsecureCookie: tc.insecure})
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrConfig)) {
				t.Errorf("NewManager: %v, want ok %v", err, tc.ok)
			}
			_, err = NewMGSessions(nil, MGConfig{CookieName: tc.name, Domain: tc.domain, Path: tc.path, InsecureCookie: tc.insecure})
			if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrConfig)) {
				t.Errorf("NewMGSessions: %v, want ok %v", err, tc.ok)
			}
		})
	}
}

// TestMGConfigCookie: NewMGSessions refuses a cookie name, Path or Domain that
// would break the Set-Cookie header, as NewManager does.
func TestMGConfigCookie(t *testing.T) {
	for _, cfg := range []MGConfig{
		{CookieName: "a b"},
		{CookieName: "a;b"},
		{Path: "relative"},
		{Path: "/a;Domain=evil.test"},
		{Domain: "evil.test; Secure"},
	} {
		if _, err := NewMGSessions(nil, cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	if _, err := NewMGSessions(nil, MGConfig{}); err != nil {
		t.Errorf("the zero MGConfig: %v", err)
	}
}
