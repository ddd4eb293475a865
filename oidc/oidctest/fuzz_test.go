package oidctest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzAuthorize feeds the fake's authorize parser arbitrary parameters: it must
// answer (400, 303 or the picker page), never panic, and never issue a code for
// a state or nonce under 32 characters.
func FuzzAuthorize(f *testing.F) {
	s, err := New(Config{Interactive: false})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	long := strings.Repeat("s", 43)
	f.Add("openid email", long, long, `{"id_token":{"acr":{"essential":true,"values":["eidas1"]}}}`, "", "")
	f.Add("openid", "short", long, "", "none", "12345678901234")
	f.Add("email", long, long, "{", "login consent", "x")
	h := s.routes()
	f.Fuzz(func(t *testing.T, scope, state, nonce, claims, prompt, siret string) {
		q := url.Values{"response_type": {"code"}, "client_id": {s.cfg.ClientID}, "redirect_uri": {"https://app.example/cb"},
			"scope": {scope}, "state": {state}, "nonce": {nonce}, "claims": {claims}, "prompt": {prompt}, "siret_hint": {siret}}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, PathAuthorize+"?"+q.Encode(), nil))
		loc, _ := url.Parse(w.Header().Get("Location"))
		if loc != nil && loc.Query().Get("code") != "" && (len(state) < 32 || len(nonce) < 32) {
			t.Fatalf("code issued for state %q nonce %q", state, nonce)
		}
	})
}
