package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte(`{"issuer":"https://h.example/api/v2","authorization_endpoint":"https://h.example/api/v2/authorize","token_endpoint":"https://h.example/api/v2/token","userinfo_endpoint":"https://h.example/api/v2/userinfo","jwks_uri":"https://h.example/api/v2/jwks","end_session_endpoint":"https://h.example/api/v2/session/end"}`), true)
	f.Add([]byte(`{"issuer":"https://h.example/api/v2","end_session_endpoint":"https://evil.example/x"}`), true)
	f.Add([]byte(`{"issuer":"https://h.example/api/v2","authorization_endpoint":"https://h.example/api/v2/authorize","token_endpoint":"https://h.example/api/v2/token","userinfo_endpoint":"https://h.example/api/v2/userinfo","jwks_uri":"https://h.example/api/v2/jwks"}`), true)
	f.Add([]byte(`{"issuer":"https://h.example/api/v2","authorization_endpoint":"https://h.example/api/v2/authorize","token_endpoint":"https://h.example/api/v2/token","userinfo_endpoint":"https://h.example/api/v2/userinfo","jwks_uri":"https://h.example/api/v2/jwks","end_session_endpoint":"https://evil.example/x"}`), true)
	f.Add([]byte(`{"issuer":"https://h.example/api/v2","authorization_endpoint":"https://login.example/a","token_endpoint":"https://api.example/t","jwks_uri":"https://keys.example/j","pushed_authorization_request_endpoint":"https://h.example/par","require_pushed_authorization_requests":true}`), false)
	f.Add([]byte(`{"issuer":"https://h.example/api/v2","authorization_endpoint":"https://login.example/a","token_endpoint":"http://api.example/t","jwks_uri":"https://keys.example/j"}`), false)
	f.Add([]byte(`{"issuer":"https://h.example/api/v2","authorization_endpoint":"https://login.example/a","token_endpoint":"https://api.example/t","jwks_uri":"https://keys.example/j","require_pushed_authorization_requests":true}`), false)
	f.Add([]byte(`{"issuer":1}`), false)
	f.Add([]byte(`[]`), true)
	f.Fuzz(func(t *testing.T, b []byte, proconnect bool) {
		md, err := parseMetadata(b, "https://h.example/api/v2", false, proconnect)
		if err != nil {
			return
		}
		optional := []string{md.PushedAuthorizationRequestEndpoint}
		if !proconnect {
			optional = append(optional, md.UserInfoEndpoint, md.EndSessionEndpoint)
		}
		for _, e := range []string{md.AuthorizationEndpoint, md.TokenEndpoint, md.JWKSURI, md.UserInfoEndpoint, md.EndSessionEndpoint, md.PushedAuthorizationRequestEndpoint} {
			if e == "" && slices.Contains(optional, e) {
				continue
			}
			u, err := url.Parse(e)
			if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Fragment != "" ||
				(proconnect && !strings.EqualFold(u.Host, "h.example")) {
				t.Fatalf("accepted endpoint %q", e)
			}
		}
		if md.AuthorizationEndpoint == "" || md.TokenEndpoint == "" || md.JWKSURI == "" ||
			(proconnect && (md.UserInfoEndpoint == "" || md.EndSessionEndpoint == "")) ||
			(md.RequirePushedAuthorizationRequests && md.PushedAuthorizationRequestEndpoint == "") {
			t.Fatalf("accepted an incomplete document %s", b)
		}
	})
}

// TestParseMetadataGeneric: a generic provider's endpoints may be on other
// hosts but must be https; under the ProConnect preset they must be on the
// issuer's host.
func TestParseMetadataGeneric(t *testing.T) {
	doc := []byte(`{"issuer":"https://h.example","authorization_endpoint":"https://login.example/a","token_endpoint":"https://api.example/t","jwks_uri":"https://keys.example/j"}`)
	if _, err := parseMetadata(doc, "https://h.example", false, false); err != nil {
		t.Errorf("generic: %v", err)
	}
	full := []byte(`{"issuer":"https://h.example","authorization_endpoint":"https://login.example/a","token_endpoint":"https://h.example/t","jwks_uri":"https://h.example/j","userinfo_endpoint":"https://h.example/u","end_session_endpoint":"https://h.example/e"}`)
	if _, err := parseMetadata(full, "https://h.example", false, true); !errors.Is(err, ErrEndpoint) {
		t.Errorf("ProConnect: %v, want ErrEndpoint", err)
	}
	plain := []byte(`{"issuer":"https://h.example","authorization_endpoint":"https://login.example/a","token_endpoint":"http://api.example/t","jwks_uri":"https://keys.example/j"}`)
	if _, err := parseMetadata(plain, "https://h.example", false, false); !errors.Is(err, ErrEndpoint) {
		t.Errorf("http token endpoint: %v, want ErrEndpoint", err)
	}
}

func FuzzPARResponse(f *testing.F) {
	f.Add(201, []byte(`{"request_uri":"urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c","expires_in":60}`))
	f.Add(200, []byte(`{"request_uri":"urn:x","expires_in":60}`))
	f.Add(201, []byte(`{"request_uri":"urn:x y","expires_in":60}`))
	f.Add(201, []byte(`{"request_uri":"urn:x","expires_in":0}`))
	f.Add(400, []byte(`{"error":"invalid_request","error_description":"bad"}`))
	f.Fuzz(func(t *testing.T, status int, b []byte) {
		uri, err := parsePARResponse(status, b)
		if err != nil {
			if !errors.Is(err, ErrPAR) {
				t.Fatalf("error %v is not ErrPAR", err)
			}
			return
		}
		if status != http.StatusCreated || uri == "" || len(uri) > maxRequestURI || strings.ContainsAny(uri, " \t\r\n") {
			t.Fatalf("accepted %d %s", status, b)
		}
	})
}

func FuzzSafeReturnPath(f *testing.F) {
	for _, s := range []string{"/", "/a?b=c", "//evil.example", `/\evil`, "https://evil.example", "/%2F%2Fx", "/%252F%252Fx", "/%5Cx", "/\t/x", "/%09/x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := SafeReturnPath(s)
		if err != nil {
			return
		}
		u, perr := url.Parse(p)
		if perr != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
			t.Fatalf("accepted %q", p)
		}
		for d, i := p, 0; i < 3; i++ { // what a later decoding would make of it
			if d, perr = url.PathUnescape(d); perr != nil {
				break
			}
			if strings.HasPrefix(d, "//") || strings.HasPrefix(d, `/\`) {
				t.Fatalf("accepted %q, which decodes to %q", p, d)
			}
		}
	})
}

// FuzzFlowCookie: only a cookie sealed under the store's key, under the name of
// its own state, opens, and it opens to exactly what was sealed. The seeds
// include a genuine cookie, so the fuzzer mutates real ciphertext
// (TestFlowCookieSeedOpens checks that seed does open). Each fuzz worker seals
// its own genuine cookie (a fresh GCM nonce), so the check is on the content,
// not on the bytes.
func FuzzFlowCookie(f *testing.F) {
	s, genuine := sealedFlow(f)
	f.Add(sealedState, genuine)
	f.Add(sealedState, genuine[:len(genuine)-1]+"A")
	f.Add("other", genuine)
	f.Add("state", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("x", strings.Repeat("A", 5000))
	f.Fuzz(func(t *testing.T, state, value string) {
		fl, err := s.open(s.cookieName(state), value)
		if err != nil {
			return
		}
		want := Flow{State: sealedState, Nonce: "n", Created: 1e9}
		if s.cookieName(state) != s.cookieName(sealedState) || fl.State != want.State || fl.Nonce != want.Nonce || fl.Created != want.Created || fl.Verifier != "" || fl.ReturnTo != "" {
			t.Fatalf("forged cookie %q opened for state %q as %+v", value, state, fl)
		}
	})
}

// sealedState is the state of the genuine cookie of sealedFlow.
const sealedState = "state-0123456789-0123456789-0123456789"

// sealedFlow returns a store and the value of a cookie it sealed.
func sealedFlow(tb testing.TB) (*CookieFlowStore, string) {
	tb.Helper()
	s, err := NewCookieFlowStore(CookieFlowStoreConfig{Key: make([]byte, 32), Now: func() time.Time { return time.Unix(1e9, 0) }})
	if err != nil {
		tb.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := s.Save(w, httptest.NewRequest(http.MethodGet, "/", nil), Flow{State: sealedState, Nonce: "n", Created: 1e9}); err != nil {
		tb.Fatal(err)
	}
	c := w.Result().Cookies()
	if len(c) != 1 {
		tb.Fatalf("%d cookies", len(c))
	}
	return s, c[0].Value
}

// TestFlowCookieSeedOpens: FuzzFlowCookie's genuine seed opens, so the fuzzer
// starts from real ciphertext.
func TestFlowCookieSeedOpens(t *testing.T) {
	s, genuine := sealedFlow(t)
	f, err := s.open(s.cookieName(sealedState), genuine)
	if err != nil || f.Nonce != "n" {
		t.Fatalf("genuine cookie: %+v, %v", f, err)
	}
}

func FuzzUserInfoJSON(f *testing.F) {
	f.Add([]byte(`{"sub":"s","roles":"r","groups":["a"],"custom":{"x":1},"chorusdt:matricule":"M"}`))
	f.Add([]byte(`{"sub":""}`))
	f.Add([]byte(`{"sub":"s","roles":7}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var raw map[string]json.RawMessage
		if json.Unmarshal(b, &raw) != nil {
			return
		}
		a, err := agentFrom(func(v any) error { return json.Unmarshal(b, v) }, raw)
		if err == nil && a.Sub == "" {
			t.Fatal("agent without sub accepted")
		}
	})
}

func FuzzTokenResponse(f *testing.F) {
	f.Add(200, []byte(`{"access_token":"a","token_type":"Bearer","expires_in":3600,"refresh_token":"r","id_token":"x.y.z"}`))
	f.Add(400, []byte(`{"error":"invalid_grant","error_description":"code already used"}`))
	f.Add(200, []byte(`{"access_token":"a","token_type":"mac"}`))
	f.Add(200, []byte(`{"access_token":"a","token_type":"bearer","expires_in":-1}`))
	f.Fuzz(func(t *testing.T, status int, b []byte) {
		tok, err := parseTokenResponse(status, b, time.Unix(1e9, 0))
		if err == nil && (status != http.StatusOK || tok.AccessToken == "" || tok.TokenType != "Bearer") {
			t.Fatalf("accepted %d %s", status, b)
		}
	})
}

// FuzzLogoutToken signs arbitrary claims (HS256, the client secret) and
// checks that whatever VerifyLogoutToken accepts has the members a logout
// token must have and none it must not.
func FuzzLogoutToken(f *testing.F) {
	const iss, secret = "https://h.example", "a-client-secret-of-more-than-32-bytes!!"
	ev := `"events":{"` + LogoutEvent + `":{}}`
	f.Add(`{"iss":"`+iss+`","aud":"c","iat":1000000000,"jti":"j1","sid":"s",`+ev+`}`, "logout+jwt")
	f.Add(`{"iss":"`+iss+`","aud":["c"],"iat":1000000000,"jti":"j2","sub":"u",`+ev+`}`, "JWT")
	f.Add(`{"iss":"`+iss+`","aud":"c","iat":1000000000,"jti":"j3","sid":"s","nonce":"n",`+ev+`}`, "logout+jwt")
	f.Add(`{"iss":"`+iss+`","aud":"c","iat":1000000000,"jti":"j4","sid":"s","events":{"`+LogoutEvent+`":"x"}}`, "")
	f.Add(`{"iss":"`+iss+`","aud":"c","iat":1000000000,"jti":"j5","sid":"s","events":{"`+LogoutEvent+`":null}}`, "")
	f.Add(`{"iss":"`+iss+`","aud":"c","iat":1000000000,"jti":"","sub":"u",`+ev+`}`, "JWT")
	f.Fuzz(func(t *testing.T, payload, typ string) {
		c, err := New(Config{Issuer: iss, ClientID: "c", ClientSecret: secret, RedirectURL: "https://app.example/cb",
			Algorithms: []string{"HS256"}, Now: func() time.Time { return time.Unix(1_000_000_030, 0) }})
		if err != nil {
			t.Fatal(err)
		}
		header, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": typ})
		raw, err := jwttest.SignHMAC("HS256", []byte(secret), header, []byte(payload))
		if err != nil {
			return
		}
		lt, err := c.VerifyLogoutToken(context.Background(), raw)
		if err != nil {
			if !errors.Is(err, ErrLogoutToken) && !errors.Is(err, ErrBusy) {
				t.Fatalf("error %v is not ErrLogoutToken", err)
			}
			return
		}
		var claims map[string]json.RawMessage
		_ = json.Unmarshal([]byte(payload), &claims)
		var events map[string]map[string]json.RawMessage
		_, hasNonce := claims["nonce"]
		if (lt.SessionID == "" && lt.Subject == "") || lt.ID == "" || hasNonce || json.Unmarshal(claims["events"], &events) != nil ||
			events[LogoutEvent] == nil || lt.Issuer != iss {
			t.Fatalf("accepted %s", payload)
		}
		if typ != "" && !jwtverify.SameType(typ, "logout+jwt") && !jwtverify.SameType(typ, "JWT") {
			t.Fatalf("accepted typ %q", typ)
		}
	})
}
