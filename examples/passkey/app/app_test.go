package app

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sesame-go/sesame/session/passkey"
)

// TestStateChangesRefuseCrossOrigin: sign-up (the register/begin of a
// visitor without a session) and logout run for a same-origin request of
// their media type only; a cross-site or same-site sibling page, a form or
// text/plain body, or a GET creates no account and ends no session.
func TestStateChangesRefuseCrossOrigin(t *testing.T) {
	const base = "http://localhost:8080"
	const form, text, js = "application/x-www-form-urlencoded", "text/plain", "application/json"
	for _, tc := range []struct {
		name, method, path, site, origin, ctype string
		status                                  int
	}{
		{"sign-up, same origin", "POST", passkey.PathRegisterBegin, "same-origin", base, js, http.StatusOK},
		{"sign-up, cross-site text/plain", "POST", passkey.PathRegisterBegin, "cross-site", "https://evil.test", text, http.StatusForbidden},
		{"sign-up, cross-site form", "POST", passkey.PathRegisterBegin, "cross-site", "https://evil.test", form, http.StatusForbidden},
		{"sign-up, cross-site text/plain, old browser", "POST", passkey.PathRegisterBegin, "", "https://evil.test", text, http.StatusForbidden},
		{"sign-up, same-site sibling text/plain", "POST", passkey.PathRegisterBegin, "same-site", "http://blog.localhost:8080", text, http.StatusForbidden},
		{"sign-up, same-origin text/plain", "POST", passkey.PathRegisterBegin, "same-origin", base, text, http.StatusUnsupportedMediaType},
		{"sign-up, GET", "GET", passkey.PathRegisterBegin, "same-origin", "", "", http.StatusMethodNotAllowed},
		{"logout, same origin", "POST", "/logout", "same-origin", base, form, http.StatusSeeOther},
		{"logout, cross-site form", "POST", "/logout", "cross-site", "https://evil.test", form, http.StatusForbidden},
		{"logout, same-site sibling form", "POST", "/logout", "same-site", "http://blog.localhost:8080", form, http.StatusForbidden},
		{"logout, same-site sibling text/plain", "POST", "/logout", "same-site", "http://blog.localhost:8080", text, http.StatusForbidden},
		{"logout, same-origin text/plain", "POST", "/logout", "same-origin", base, text, http.StatusUnsupportedMediaType},
		{"logout, GET", "GET", "/logout", "same-origin", "", "", http.StatusMethodNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users := passkey.NewMemoryStore()
			h, err := New(Config{RPID: "localhost", Origin: base, Users: users, InsecureCookie: true})
			if err != nil {
				t.Fatal(err)
			}
			// The visitor's session: a login ceremony under way.
			begin := httptest.NewRequest("POST", base+passkey.PathLoginBegin, strings.NewReader(`{}`))
			begin.Header.Set("Content-Type", js)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, begin)
			cookies := w.Result().Cookies()
			if w.Code != http.StatusOK || len(cookies) != 1 {
				t.Fatalf("begin: %d %v", w.Code, cookies)
			}

			r := httptest.NewRequest(tc.method, base+tc.path, strings.NewReader(`{"username":"mallory"}`))
			for k, v := range map[string]string{"Sec-Fetch-Site": tc.site, "Origin": tc.origin, "Content-Type": tc.ctype} {
				if v != "" {
					r.Header.Set(k, v)
				}
			}
			if tc.path == "/logout" {
				r.AddCookie(cookies[0])
			}
			w = httptest.NewRecorder()
			h.ServeHTTP(w, r)
			ok := tc.status < 400
			if w.Code != tc.status || (len(w.Result().Cookies()) != 0) != ok {
				t.Fatalf("%d (want %d), cookies %v", w.Code, tc.status, w.Result().Cookies())
			}
			_, err = users.UserByName(context.Background(), "mallory")
			if signedUp := err == nil; signedUp != (ok && tc.path != "/logout") || (!signedUp && !errors.Is(err, passkey.ErrUnknownUser)) {
				t.Fatalf("account mallory: %v", err)
			}
		})
	}
}
