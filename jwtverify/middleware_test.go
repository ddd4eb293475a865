package jwtverify_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/sesame-go/sesame/jwtverify"
)

// whoami answers with the verified subject.
var whoami = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	tok, ok := jwtverify.FromContext(r.Context())
	if !ok {
		http.Error(w, "no token in context", http.StatusInternalServerError)
		return
	}
	_, _ = io.WriteString(w, "hello "+tok.Subject())
})

func TestMiddleware(t *testing.T) {
	f := newFixture(t, jwtverify.Config{})
	good := f.iss.Mint(claims())
	expired := f.iss.Mint(with("exp", epoch.Add(-time.Hour).Unix()))
	h := jwtverify.Middleware(f.v, jwtverify.WithRealm("sesame"), jwtverify.WithCookie("at"))(whoami)

	tests := []struct {
		name      string
		header    []string
		cookie    string
		query     string
		status    int
		challenge string
		body      string
	}{
		{"valid", []string{"Bearer " + good}, "", "", 200, "", "hello alice"},
		{"scheme any case", []string{"bEaReR " + good}, "", "", 200, "", "hello alice"},
		{"missing", nil, "", "", 401, `Bearer realm="sesame", error="invalid_request"`, ""},
		{"query string never read", nil, "", "access_token=" + good, 401, `error="invalid_request"`, ""},
		{"basic scheme", []string{"Basic YTpi"}, "", "", 401, `error="invalid_request"`, ""},
		{"scheme only", []string{"Bearer"}, "", "", 401, `error="invalid_request"`, ""},
		{"empty token", []string{"Bearer  "}, "", "", 401, `error="invalid_request"`, ""},
		{"two tokens", []string{"Bearer " + good + " " + good}, "", "", 401, `error="invalid_request"`, ""},
		{"two headers", []string{"Bearer " + good, "Bearer " + good}, "", "", 401, `error="invalid_request"`, ""},
		{"comma list", []string{"Bearer " + good + ",Bearer x"}, "", "", 401, `error="invalid_request"`, ""},
		{"expired", []string{"Bearer " + expired}, "", "", 401, `Bearer realm="sesame", error="invalid_token"`, ""},
		{"garbage", []string{"Bearer abc"}, "", "", 401, `error="invalid_token"`, ""},
		{"cookie", nil, good, "", 200, "", "hello alice"},
		{"header wins over cookie", []string{"Bearer " + expired}, good, "", 401, `error="invalid_token"`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/?"+tc.query, nil)
			for _, v := range tc.header {
				req.Header.Add("Authorization", v)
			}
			if tc.cookie != "" {
				req.AddCookie(&http.Cookie{Name: "at", Value: tc.cookie})
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tc.status, rec.Body)
			}
			if got := rec.Header().Get("WWW-Authenticate"); !strings.Contains(got, tc.challenge) || (tc.challenge == "") != (got == "") {
				t.Fatalf("WWW-Authenticate = %q, want %q", got, tc.challenge)
			}
			if tc.body != "" && rec.Body.String() != tc.body {
				t.Fatalf("body = %q, want %q", rec.Body, tc.body)
			}
			if tc.status == 401 && strings.Contains(rec.Body.String(), "jwtverify") {
				t.Fatalf("internal error leaked: %q", rec.Body)
			}
		})
	}
}

func TestMiddlewareKeySourceDown(t *testing.T) {
	iss := sharedIssuer()
	v, _ := jwtverify.New(sourceFunc(func(context.Context) (jwk.Set, error) {
		return nil, errors.New("dial tcp 10.0.0.1:443: connection refused")
	}), jwtverify.Config{})
	h := jwtverify.Middleware(v, jwtverify.WithRetryAfter(7))(whoami)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+iss.Mint(claims()))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "7" {
		t.Fatalf("status %d, Retry-After %q; want 503 and 7", rec.Code, rec.Header().Get("Retry-After"))
	}
	if strings.Contains(rec.Body.String(), "10.0.0.1") {
		t.Fatalf("internal error leaked: %q", rec.Body)
	}
}

func TestMiddlewareCustomErrorHandler(t *testing.T) {
	f := newFixture(t, jwtverify.Config{})
	var got error
	h := jwtverify.Middleware(f.v, jwtverify.WithErrorHandler(func(w http.ResponseWriter, _ *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusTeapot)
	}))(whoami)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+f.iss.Mint(with("aud", "other")))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusTeapot || !errors.Is(got, jwtverify.ErrAudience) {
		t.Fatalf("status %d, err %v", rec.Code, got)
	}
}

// TestMiddlewareHeaderForms: RFC 6750 credentials are "Bearer" 1*SP token,
// the scheme in any case; anything else is invalid_request.
func TestMiddlewareHeaderForms(t *testing.T) {
	f := newFixture(t, jwtverify.Config{})
	good := f.iss.Mint(claims())
	h := jwtverify.Middleware(f.v)(whoami)
	for _, tc := range []struct {
		name, header string
		status       int
		errCode      string
	}{
		{"lowercase", "bearer " + good, 200, ""},
		{"uppercase", "BEARER " + good, 200, ""},
		{"several spaces", "Bearer   " + good, 200, ""},
		{"tab", "Bearer\t" + good, 401, "invalid_request"},
		{"tab after space", "Bearer \t" + good, 401, "invalid_request"},
		{"leading space", " Bearer " + good, 401, "invalid_request"},
		{"padded token", "Bearer " + good + "==", 401, "invalid_token"},
		{"token with =", "Bearer abc=def", 401, "invalid_token"},
		{"other scheme", "Token " + good, 401, "invalid_request"},
		{"Bearer prefix of a word", "Bearerx " + good, 401, "invalid_request"},
		{"two tokens", "Bearer " + good + " x", 401, "invalid_request"},
		{"NUL", "Bearer " + good + "\x00", 401, "invalid_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Authorization", tc.header)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Header().Get("WWW-Authenticate"); tc.errCode != "" && !strings.Contains(got, `error="`+tc.errCode+`"`) {
				t.Fatalf("WWW-Authenticate = %q, want error=%q", got, tc.errCode)
			}
		})
	}
}
