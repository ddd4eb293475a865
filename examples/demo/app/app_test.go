package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sesame-go/sesame/session/passkey"
)

// TestStateChangesRefuseCrossOrigin: every handler of the demo that changes
// state (its forms, the passkey ceremonies, the OpenID logouts) runs for a
// same-origin request of its media type, and refuses a cross-site or same-site
// sibling one, form or text/plain, a same-origin text/plain body and a GET,
// without setting a cookie.
func TestStateChangesRefuseCrossOrigin(t *testing.T) {
	a := newApp(t)
	const form, text, js = "application/x-www-form-urlencoded", "text/plain", "application/json"
	for _, h := range []struct {
		path, ctype, body string
		ok                int // the status of a same-origin request
	}{
		{"/beswarm/connexion", form, "", http.StatusSeeOther},
		{"/passkey-deconnexion", form, "", http.StatusSeeOther},
		{"/auth/logout", form, "", http.StatusSeeOther},
		{"/generique/deconnexion", form, "", http.StatusSeeOther},
		{"/generique/deconnexion-fournisseur", form, "", http.StatusSeeOther},
		{"/api/essai", form, "jeton=bon", http.StatusOK},
		{"/kacls/essai", form, "op=wrap", http.StatusOK},
		{"/millegrilles/hebergement", form, "", http.StatusOK},
		{passkey.PathLoginBegin, js, `{}`, http.StatusOK},
		{passkey.PathRegisterBegin, js, `{"username":"mallory"}`, http.StatusOK},
	} {
		for _, tc := range []struct {
			name, method, site, origin, ctype string
			status                            int
		}{
			{"same origin", "POST", "same-origin", base, h.ctype, h.ok},
			{"cross-site form", "POST", "cross-site", "https://evil.test", form, http.StatusForbidden},
			{"cross-site text/plain", "POST", "cross-site", "https://evil.test", text, http.StatusForbidden},
			{"cross-site form, old browser", "POST", "", "https://evil.test", form, http.StatusForbidden},
			{"same-site sibling form", "POST", "same-site", "http://blog.localhost:8080", form, http.StatusForbidden},
			{"same-site sibling text/plain", "POST", "same-site", "http://blog.localhost:8080", text, http.StatusForbidden},
			{"same-origin text/plain", "POST", "same-origin", base, text, http.StatusUnsupportedMediaType},
			{"GET", "GET", "same-origin", "", "", http.StatusMethodNotAllowed},
		} {
			t.Run(h.path+" "+tc.name, func(t *testing.T) {
				r := httptest.NewRequest(tc.method, base+h.path, strings.NewReader(h.body))
				for k, v := range map[string]string{"Sec-Fetch-Site": tc.site, "Origin": tc.origin, "Content-Type": tc.ctype} {
					if v != "" {
						r.Header.Set(k, v)
					}
				}
				w := httptest.NewRecorder()
				a.ServeHTTP(w, r)
				if w.Code != tc.status {
					t.Fatalf("%d, want %d: %.200s", w.Code, tc.status, w.Body)
				}
				if tc.status >= 400 && len(w.Result().Cookies()) != 0 {
					t.Fatalf("the refusal set cookies: %v", w.Result().Cookies())
				}
			})
		}
	}
}

// base is the origin of the demo the handler tests serve without a listener.
const base = "http://localhost:8080"

// newApp returns the demo at base, in memory, closed when the test ends.
func newApp(t *testing.T) *App {
	t.Helper()
	a, err := New(context.Background(), Config{BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}
