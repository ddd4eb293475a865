package oidctest_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-go/sesame/oidc/oidctest"
)

const (
	redirect = "https://app.example/callback"
	state    = "state-state-state-state-state-state-42"
	nonce    = "nonce-nonce-nonce-nonce-nonce-nonce-42"
	verifier = "verifier-verifier-verifier-verifier-verifier-42"
)

// challenge is the S256 challenge of verifier.
const challenge = "qhv0K6aZEUfwRNaSc_hHo99YD_Kj9squxRPco2zDTZw"

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// authorize sends an authorize request and returns the redirect's query.
func authorize(t *testing.T, s *oidctest.Server, c *http.Client, extra url.Values) (int, url.Values) {
	t.Helper()
	q := url.Values{"response_type": {"code"}, "client_id": {s.ClientID()}, "redirect_uri": {redirect},
		"scope": {"openid email chorusdt phone"}, "state": {state}, "nonce": {nonce},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	for k, v := range extra {
		q[k] = v
	}
	resp, err := c.Get(s.URL + oidctest.PathAuthorize + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	return resp.StatusCode, loc.Query()
}

func tokenRequest(t *testing.T, s *oidctest.Server, form url.Values, basic bool) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+oidctest.PathToken, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(s.ClientID(), s.ClientSecret())
	}
	return doJSON(t, req)
}

func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func TestTokenEndpoint(t *testing.T) {
	clk := &testClock{t: time.Now()}
	s := oidctest.Start(t, oidctest.Config{Now: clk.now})
	form := func(code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
			"client_id": {s.ClientID()}, "client_secret": {s.ClientSecret()}, "code_verifier": {verifier}}
	}
	newCode := func() string {
		status, q := authorize(t, s, noRedirect(), nil)
		if status != http.StatusSeeOther || q.Get("state") != state || q.Get("iss") != s.Issuer {
			t.Fatalf("authorize: %d %v", status, q)
		}
		return q.Get("code")
	}
	code := newCode()
	if st, out := tokenRequest(t, s, form(code), true); st != http.StatusUnauthorized || out["error"] != "invalid_client" {
		t.Errorf("client_secret_basic accepted: %d %v", st, out)
	}
	if st, out := tokenRequest(t, s, form(code), false); st != http.StatusOK || out["id_token"] == nil || out["refresh_token"] == nil || out["expires_in"] != 3600.0 {
		t.Errorf("token: %d %v", st, out)
	}
	if st, out := tokenRequest(t, s, form(code), false); st != http.StatusBadRequest || out["error"] != "invalid_grant" {
		t.Errorf("replayed code: %d %v", st, out)
	}
	code = newCode()
	clk.add(61 * time.Second)
	if st, _ := tokenRequest(t, s, form(code), false); st != http.StatusBadRequest {
		t.Errorf("61-second-old code accepted: %d", st)
	}
	f := form(newCode())
	f.Set("code_verifier", strings.Repeat("x", 43))
	if st, _ := tokenRequest(t, s, f, false); st != http.StatusBadRequest {
		t.Errorf("wrong PKCE verifier accepted: %d", st)
	}
	f = form(newCode())
	f.Set("client_secret", "wrong")
	if st, _ := tokenRequest(t, s, f, false); st != http.StatusUnauthorized {
		t.Errorf("wrong secret accepted: %d", st)
	}
}

func TestAuthorizeRules(t *testing.T) {
	s := oidctest.Start(t, oidctest.Config{RedirectURIs: []string{redirect}})
	for _, tc := range []struct {
		name  string
		extra url.Values
		want  string
	}{
		{"short state", url.Values{"state": {"short"}}, "invalid_request"},
		{"short nonce", url.Values{"nonce": {"short"}}, "invalid_request"},
		{"no openid", url.Values{"scope": {"email"}}, "invalid_scope"},
		{"bad siret", url.Values{"siret_hint": {"123"}}, "invalid_request"},
		{"plain PKCE", url.Values{"code_challenge_method": {"plain"}}, "invalid_request"},
		{"bad claims", url.Values{"claims": {"{"}}, "invalid_request"},
		{"prompt none without session", url.Values{"prompt": {"none"}}, "login_required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, q := authorize(t, s, noRedirect(), tc.extra); q.Get("error") != tc.want {
				t.Errorf("error %q, want %q", q.Get("error"), tc.want)
			}
		})
	}
	if st, _ := authorize(t, s, noRedirect(), url.Values{"redirect_uri": {"https://evil.example/cb"}}); st != http.StatusBadRequest {
		t.Errorf("unregistered redirect_uri: %d", st)
	}
	if st, q := authorize(t, s, noRedirect(), url.Values{"login_hint": {"agent"}}); st != http.StatusBadRequest || q.Get("code") != "" {
		t.Errorf("login_hint not an email: %d %v", st, q)
	}
	// ProConnect refuses any parameter it does not know (Y000400), on its own page.
	if st, q := authorize(t, s, noRedirect(), url.Values{"max_age": {"0"}}); st != http.StatusBadRequest || q.Get("code") != "" {
		t.Errorf("unknown parameter: %d %v", st, q)
	}
	for _, p := range []string{"login_hint", "idp_hint", "siret_hint", "response_mode", "acr_values"} {
		v := map[string]string{"login_hint": "a@b.fr", "idp_hint": "fia1v2", "siret_hint": "12345678901234",
			"response_mode": "query", "acr_values": "eidas1"}[p]
		if st, q := authorize(t, s, noRedirect(), url.Values{p: {v}}); st != http.StatusSeeOther || q.Get("code") == "" {
			t.Errorf("known parameter %s refused: %d %v", p, st, q)
		}
	}
}

func TestInteractiveAndLogout(t *testing.T) {
	s := oidctest.Start(t, oidctest.Config{Interactive: true})
	c := noRedirect()
	resp, err := c.Get(s.URL + oidctest.PathAuthorize + "?" + url.Values{"response_type": {"code"}, "client_id": {s.ClientID()},
		"redirect_uri": {redirect}, "scope": {"openid"}, "state": {state}, "nonce": {nonce}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	i := strings.Index(string(page), `id="agent-0" href="`)
	if resp.StatusCode != http.StatusOK || i < 0 || strings.Contains(string(page), "<script") {
		t.Fatalf("picker page: %d %s", resp.StatusCode, page)
	}
	href := string(page[i+len(`id="agent-0" href="`):])
	href = strings.ReplaceAll(href[:strings.IndexByte(href, '"')], "&amp;", "&")
	resp, err = c.Get(s.URL + href)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != http.StatusSeeOther || loc.Query().Get("code") == "" {
		t.Fatalf("pick: %d %s", resp.StatusCode, loc)
	}
	bye := "https://app.example/bye"
	for _, tc := range []struct {
		name string
		q    url.Values
		want int
	}{
		{"client_id", url.Values{"state": {"s"}, "post_logout_redirect_uri": {bye}, "client_id": {s.ClientID()}}, http.StatusSeeOther},
		{"neither hint nor client_id", url.Values{"state": {"s"}, "post_logout_redirect_uri": {bye}}, http.StatusBadRequest},
		{"another client_id", url.Values{"state": {"s"}, "post_logout_redirect_uri": {bye}, "client_id": {"other"}}, http.StatusBadRequest},
		{"forged hint", url.Values{"state": {"s"}, "post_logout_redirect_uri": {bye}, "id_token_hint": {"a.b.c"}}, http.StatusBadRequest},
		{"no state", url.Values{"post_logout_redirect_uri": {bye}, "client_id": {s.ClientID()}}, http.StatusBadRequest},
	} {
		resp, err = c.Get(s.URL + oidctest.PathEndSession + "?" + tc.q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want || (tc.want == http.StatusSeeOther && resp.Header.Get("Location") != bye+"?state=s") {
			t.Errorf("session/end %s: %d %s, want %d", tc.name, resp.StatusCode, resp.Header.Get("Location"), tc.want)
		}
	}
}

// TestClaimsACR checks the acr of the ID token follows the claims parameter,
// in both the "values" and ProConnect's documented "value" spellings.
func TestClaimsACR(t *testing.T) {
	s := oidctest.Start(t, oidctest.Config{})
	for _, tc := range []struct{ claims, want string }{
		{"", "eidas1"},
		{`{"id_token":{"acr":{"essential":true,"values":["eidas1","eidas2"]}}}`, "eidas1"},
		{`{"id_token":{"acr":{"essential":true,"values":["eidas2","eidas3"]}}}`, "eidas2"},
		{`{"id_token":{"acr":{"essential":true,"value":"https://proconnect.gouv.fr/assurance/certification-dirigeant"}}}`,
			"https://proconnect.gouv.fr/assurance/certification-dirigeant"},
		{`{"id_token":{"acr":{"essential":true,"values":["unknown-level"]}}}`, "eidas1"},
		// ProConnect's documented way to force 2FA.
		{`{"id_token":{"acr":{"essential":true,"values":["https://proconnect.gouv.fr/assurance/self-asserted-2fa","https://proconnect.gouv.fr/assurance/consistency-checked-2fa"]}}}`,
			"https://proconnect.gouv.fr/assurance/self-asserted-2fa"},
		{`{"id_token":{"acr":null}}`, "eidas1"},
	} {
		extra := url.Values{}
		if tc.claims != "" {
			extra.Set("claims", tc.claims)
		}
		_, q := authorize(t, s, noRedirect(), extra)
		st, out := tokenRequest(t, s, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {redirect},
			"client_id": {s.ClientID()}, "client_secret": {s.ClientSecret()}, "code_verifier": {verifier}}, false)
		raw, _ := out["id_token"].(string)
		parts := strings.Split(raw, ".")
		if st != http.StatusOK || len(parts) != 3 {
			t.Fatalf("%s: token %d %v", tc.claims, st, out)
		}
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var c struct{ ACR string }
		if err := json.Unmarshal(payload, &c); err != nil || c.ACR != tc.want {
			t.Errorf("claims %s: acr %q (%v), want %q", tc.claims, c.ACR, err, tc.want)
		}
	}
}

// TestClaimsAMR checks amr is in the ID token only when the claims parameter
// asks for it, including ProConnect's documented {"amr":null} spelling.
func TestClaimsAMR(t *testing.T) {
	s := oidctest.Start(t, oidctest.Config{})
	for claims, want := range map[string]bool{
		"":                          false,
		`{"id_token":{"amr":null}}`: true,
		`{"id_token":{"amr":{"essential":true}}}`: true,
		`{"id_token":{"acr":{"essential":true}}}`: false,
	} {
		extra := url.Values{}
		if claims != "" {
			extra.Set("claims", claims)
		}
		_, q := authorize(t, s, noRedirect(), extra)
		st, out := tokenRequest(t, s, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {redirect},
			"client_id": {s.ClientID()}, "client_secret": {s.ClientSecret()}, "code_verifier": {verifier}}, false)
		raw, _ := out["id_token"].(string)
		parts := strings.Split(raw, ".")
		if st != http.StatusOK || len(parts) != 3 {
			t.Fatalf("%s: token %d %v", claims, st, out)
		}
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var c struct{ AMR []string }
		if err := json.Unmarshal(payload, &c); err != nil || (len(c.AMR) > 0) != want {
			t.Errorf("claims %q: amr %v (%v), want present=%v", claims, c.AMR, err, want)
		}
	}
}

// doJSON sends req and returns the status and the JSON object answered.
func doJSON(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}
