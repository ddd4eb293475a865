package oidc

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte(`{"issuer":"https://h.example/api/v2","authorization_endpoint":"https://h.example/api/v2/authorize","token_endpoint":"https://h.example/api/v2/token","userinfo_endpoint":"https://h.example/api/v2/userinfo","jwks_uri":"https://h.example/api/v2/jwks","end_session_endpoint":"https://h.example/api/v2/session/end"}`))
	f.Add([]byte(`{"issuer":"https://h.example/api/v2","end_session_endpoint":"https://evil.example/x"}`))
	f.Add([]byte(`{"issuer":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := parseMetadata(b, "https://h.example/api/v2", false)
		if err != nil {
			return
		}
		for _, e := range []string{md.AuthorizationEndpoint, md.TokenEndpoint, md.UserInfoEndpoint, md.JWKSURI, md.EndSessionEndpoint} {
			u, err := url.Parse(e)
			if err != nil || u.Scheme != "https" || !strings.EqualFold(u.Host, "h.example") {
				t.Fatalf("accepted endpoint %q", e)
			}
		}
	})
}

func FuzzMaxAge(f *testing.F) {
	for _, s := range []string{"max-age=600", "public, max-age=\"60\"", "max-age=-1", "no-store", "max-age=99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := maxAgeOf(http.Header{"Cache-Control": {s}})
		if d < minMaxAge || d > maxMaxAge {
			t.Fatalf("max-age %v out of bounds", d)
		}
	})
}

func FuzzSafeReturnPath(f *testing.F) {
	for _, s := range []string{"/", "/a?b=c", "//evil.example", `/\evil`, "https://evil.example", "/%2F%2Fx", "/\t/x", ""} {
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
	})
}

func FuzzFlowCookie(f *testing.F) {
	s, err := NewCookieFlowStore(CookieFlowStoreConfig{Key: make([]byte, 32), Now: func() time.Time { return time.Unix(1e9, 0) }})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("state", "")
	f.Add("state", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("x", strings.Repeat("A", 5000))
	f.Fuzz(func(t *testing.T, state, value string) {
		if _, err := s.open(s.cookieName(state), value); err == nil {
			t.Fatalf("forged cookie %q opened", value)
		}
	})
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
