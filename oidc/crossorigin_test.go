package oidc_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

// newLogoutHandlers returns Handlers for an app at https://app.example
// against fake, counting OnLogout calls.
func newLogoutHandlers(t *testing.T, fake *oidctest.Server, trusted []string) (*oidc.Handlers, *atomic.Int32) {
	t.Helper()
	c, err := oidc.New(oidc.Config{Issuer: fake.Issuer, ProConnect: true, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
		RedirectURL: "https://app.example/callback", PostLogoutRedirectURL: "https://app.example/logged-out",
		HTTPClient: fake.Client(), InsecureAllowHTTP: strings.HasPrefix(fake.URL, "http:")})
	if err != nil {
		t.Fatal(err)
	}
	var logouts atomic.Int32
	h, err := oidc.NewHandlers(c, oidc.HandlerConfig{FlowKey: make([]byte, 32), TrustedOrigins: trusted,
		OnLogin:  func(http.ResponseWriter, *http.Request, *oidc.Login) error { return nil },
		OnLogout: func(http.ResponseWriter, *http.Request) string { logouts.Add(1); return "" },
	})
	if err != nil {
		t.Fatal(err)
	}
	return h, &logouts
}

// TestLogoutRule: Logout ends the session only for a same-origin (or
// trusted) form POST; a cross-site or same-site sibling POST, form or
// text/plain, another media type and a GET are refused with their status and
// never reach OnLogout nor ProConnect.
func TestLogoutRule(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	const form, text = "application/x-www-form-urlencoded", "text/plain"
	for _, tc := range []struct {
		name, method, site, origin, ctype string
		trusted                           []string
		status                            int
	}{
		{"same-origin form", "POST", "same-origin", "https://app.example", form, nil, http.StatusSeeOther},
		{"same-origin multipart form", "POST", "same-origin", "https://app.example", "multipart/form-data; boundary=x", nil, http.StatusSeeOther},
		{"same-origin form, old browser", "POST", "", "https://app.example", form, nil, http.StatusSeeOther},
		{"trusted sibling form", "POST", "same-site", "https://www.example", form, []string{"https://www.example"}, http.StatusSeeOther},
		{"cross-site form", "POST", "cross-site", "https://evil.test", form, nil, http.StatusForbidden},
		{"cross-site text/plain", "POST", "cross-site", "https://evil.test", text, nil, http.StatusForbidden},
		{"cross-site form, old browser", "POST", "", "https://evil.test", form, nil, http.StatusForbidden},
		{"same-site sibling form", "POST", "same-site", "https://blog.example", form, nil, http.StatusForbidden},
		{"same-site sibling text/plain", "POST", "same-site", "https://blog.example", text, nil, http.StatusForbidden},
		{"untrusted sibling form", "POST", "same-site", "https://blog.example", form, []string{"https://www.example"}, http.StatusForbidden},
		{"same-origin text/plain", "POST", "same-origin", "https://app.example", text, nil, http.StatusUnsupportedMediaType},
		{"same-origin JSON", "POST", "same-origin", "https://app.example", "application/json", nil, http.StatusUnsupportedMediaType},
		{"same-origin, no content type", "POST", "same-origin", "https://app.example", "", nil, http.StatusUnsupportedMediaType},
		{"GET", "GET", "same-origin", "", "", nil, http.StatusMethodNotAllowed},
		{"cross-site GET", "GET", "cross-site", "", "", nil, http.StatusMethodNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, logouts := newLogoutHandlers(t, fake, tc.trusted)
			r := httptest.NewRequest(tc.method, "https://app.example/logout", strings.NewReader(""))
			for k, v := range map[string]string{"Sec-Fetch-Site": tc.site, "Origin": tc.origin, "Content-Type": tc.ctype} {
				if v != "" {
					r.Header.Set(k, v)
				}
			}
			before := fake.Count(oidctest.PathEndSession)
			w := httptest.NewRecorder()
			h.Logout().ServeHTTP(w, r)
			ok := tc.status == http.StatusSeeOther
			loc := w.Header().Get("Location")
			if w.Code != tc.status || (logouts.Load() == 1) != ok || strings.HasPrefix(loc, fake.URL+oidctest.PathEndSession) != ok {
				t.Fatalf("%d to %q (want %d), OnLogout called %d times", w.Code, loc, tc.status, logouts.Load())
			}
			if allow := w.Header().Get("Allow"); (tc.status == http.StatusMethodNotAllowed) != (allow == "POST") {
				t.Errorf("Allow: %q", allow)
			}
			if fake.Count(oidctest.PathEndSession) != before {
				t.Error("ProConnect was called")
			}
		})
	}
}

// TestHandlersTrustedOrigins: NewHandlers refuses a trusted origin not
// spelled as browsers send it.
func TestHandlersTrustedOrigins(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	c, err := oidc.New(oidc.Config{Issuer: fake.Issuer, ProConnect: true, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
		RedirectURL: "https://app.example/callback", HTTPClient: fake.Client(), InsecureAllowHTTP: strings.HasPrefix(fake.URL, "http:")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		origins []string
		ok      bool
	}{
		{nil, true},
		{[]string{"https://www.example"}, true},
		{[]string{"https://www.example/"}, false},
		{[]string{"https://WWW.example"}, false},
		{[]string{"www.example"}, false},
		{[]string{"https://www.example:443"}, false},
	} {
		_, err := oidc.NewHandlers(c, oidc.HandlerConfig{FlowKey: make([]byte, 32), TrustedOrigins: tc.origins,
			OnLogin: func(http.ResponseWriter, *http.Request, *oidc.Login) error { return nil }})
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, oidc.ErrConfig)) {
			t.Errorf("%q: %v, want ok %v", tc.origins, err, tc.ok)
		}
	}
}

// TestSafeReturnPathDecoded: a return path whose percent-decoded form, once
// or repeatedly, leaves the origin is refused; encoded slashes elsewhere are
// kept.
func TestSafeReturnPathDecoded(t *testing.T) {
	for _, tc := range []struct {
		path string
		ok   bool
	}{
		{"/%2F%2Fevil.example", false},
		{"/%2f%2fevil.example", false},
		{"/%2Fevil.example", false},
		{"/%5Cevil.example", false},
		{"/%5c%5cevil.example", false},
		{"/%252F%252Fevil.example", false},
		{"/%25252F%25252Fevil.example", false},
		{"/%255Cevil.example", false},
		{"/%09/evil.example", false},
		{"/%0D%0ALocation:%20https://evil.example", false},
		{"/%2525252525252Fx", false}, // encoded too often
		{"/files/a%2Fb", true},
		{"/private/page?x=1&y=%2F%2F", true},
		{"/a%5Cb", true},
		{"/%25", true},
		{"/caf%C3%A9", true},
	} {
		t.Run(tc.path, func(t *testing.T) {
			got, err := oidc.SafeReturnPath(tc.path)
			if tc.ok && (err != nil || got != tc.path) {
				t.Fatalf("SafeReturnPath(%q) = %q, %v", tc.path, got, err)
			}
			if !tc.ok && !errors.Is(err, oidc.ErrRedirect) {
				t.Fatalf("SafeReturnPath(%q) = %q, %v, want ErrRedirect", tc.path, got, err)
			}
		})
	}
}
