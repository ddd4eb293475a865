package oidctest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// authorizeSeeds are FuzzAuthorize's seeds; the first two must reach the code
// exchange (TestAuthorizeSeedsReachExchange).
func authorizeSeeds() [][6]string {
	long := strings.Repeat("s", 43)
	return [][6]string{
		{"openid email", long, long + "n", `{"id_token":{"acr":{"essential":true,"values":["eidas1"]}}}`, "", ""},
		{"openid", long, long + "m", "", "login", "12345678901234"},
		{"openid", "short", long, "", "none", "12345678901234"},
		{"email", long, long, "{", "login consent", "x"},
		{"openid", long, "0000\x80" + strings.Repeat("0", 28), "", "", ""}, // found by the fuzzer: invalid UTF-8 nonce
	}
}

// FuzzAuthorize feeds the fake's authorize endpoint arbitrary parameters: it
// must answer (400, 303 or the picker page), never panic, never issue a code for
// a state or nonce under 32 characters, and a code it issues must redeem once at
// the token endpoint for an ID token carrying the request's nonce.
func FuzzAuthorize(f *testing.F) {
	s, err := New(Config{Interactive: false})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	for _, seed := range authorizeSeeds() {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4], seed[5])
	}
	h := s.routes()
	f.Fuzz(func(t *testing.T, scope, state, nonce, claims, prompt, siret string) {
		authorizeAndExchange(t, s, h, [6]string{scope, state, nonce, claims, prompt, siret})
	})
}

// TestAuthorizeSeedsReachExchange: FuzzAuthorize's valid seeds do reach the
// code exchange, so the fuzz target checks what it claims to.
func TestAuthorizeSeedsReachExchange(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := s.routes()
	for i, seed := range authorizeSeeds() {
		if got := authorizeAndExchange(t, s, h, seed); got != (i < 2) {
			t.Errorf("seed %d: exchanged = %v", i, got)
		}
	}
}

// authorizeAndExchange runs one authorization request (empty parameters left
// out) and, when a code comes back, redeems it; it reports whether it did.
func authorizeAndExchange(t *testing.T, s *Server, h http.Handler, p [6]string) bool {
	t.Helper()
	const redirect = "https://app.example/cb"
	q := url.Values{"response_type": {"code"}, "client_id": {s.cfg.ClientID}, "redirect_uri": {redirect}}
	for i, name := range []string{"scope", "state", "nonce", "claims", "prompt", "siret_hint"} {
		if p[i] != "" {
			q.Set(name, p[i])
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, PathAuthorize+"?"+q.Encode(), nil))
	loc, _ := url.Parse(w.Header().Get("Location"))
	if loc == nil || loc.Query().Get("code") == "" {
		return false
	}
	state, nonce := p[1], p[2]
	if len(state) < 32 || len(nonce) < 32 {
		t.Fatalf("code issued for state %q nonce %q", state, nonce)
	}
	if loc.Query().Get("state") != state || loc.Query().Get("iss") != s.Issuer {
		t.Fatalf("redirect %s does not carry the state and iss", loc)
	}
	code := loc.Query().Get("code")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"client_id": {s.cfg.ClientID}, "client_secret": {s.cfg.ClientSecret}}
	redeem := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, PathToken, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	resp := redeem()
	var tr struct {
		IDToken string `json:"id_token"`
	}
	if resp.Code != http.StatusOK || json.Unmarshal(resp.Body.Bytes(), &tr) != nil {
		t.Fatalf("code exchange: %d %s", resp.Code, resp.Body)
	}
	parts := strings.Split(tr.IDToken, ".")
	if len(parts) != 3 {
		t.Fatalf("id_token %q", tr.IDToken)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct {
		Nonce string `json:"nonce"`
	}
	if json.Unmarshal(payload, &c) != nil || c.Nonce != nonce {
		t.Fatalf("ID token nonce %q, sent %q", c.Nonce, nonce)
	}
	if again := redeem(); again.Code == http.StatusOK {
		t.Fatal("a code redeemed twice")
	}
	return true
}

// FuzzBasicCredentials: the client_secret_basic decoder never panics, and what
// it decodes encodes back to an equivalent header.
func FuzzBasicCredentials(f *testing.F) {
	f.Add("Basic " + base64.StdEncoding.EncodeToString([]byte("id:secret")))
	f.Add("Basic " + base64.StdEncoding.EncodeToString([]byte("app%3Aone:s%2Bt")))
	f.Add("Basic " + base64.StdEncoding.EncodeToString([]byte("no-colon")))
	f.Add("Basic " + base64.StdEncoding.EncodeToString([]byte("%zz:x")))
	f.Add("Bearer abc")
	f.Add("Basic !!!")
	f.Fuzz(func(t *testing.T, h string) {
		id, secret, ok := basicCredentials(h)
		if !ok {
			return
		}
		again := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
		id2, secret2, ok2 := basicCredentials(again)
		if !ok2 || id2 != id || secret2 != secret {
			t.Fatalf("%q decodes to %q %q, re-encoded to %q %q", h, id, secret, id2, secret2)
		}
	})
}
