package jwtverify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
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

// TestMiddlewareRFC6750 holds every row of RFC 6750 §3 as Sesame answers it:
// status, exact WWW-Authenticate challenge and body, for every Authorization
// shape of RFC 6750 and RFC 7235 and every scope claim shape.
func TestMiddlewareRFC6750(t *testing.T) {
	f := newFixture(t, jwtverify.Config{})
	good := f.iss.Mint(claims())
	scoped := func(v any, name string) string { return f.iss.Mint(with(name, v)) }
	expired := f.iss.Mint(with("exp", epoch.Add(-time.Hour).Unix()))
	auth := jwtverify.Middleware(f.v, jwtverify.MiddlewareConfig{Realm: "sesame", Cookie: "at"})
	plain := auth(whoami)
	needRead := auth(jwtverify.RequireScope("read", "write")(whoami))
	const (
		bare    = `Bearer realm="sesame"`
		invReq  = `Bearer realm="sesame", error="invalid_request"`
		invTok  = `Bearer realm="sesame", error="invalid_token"`
		noScope = `Bearer realm="sesame", error="insufficient_scope", scope="read write"`
	)
	big := strings.Repeat("A", 64<<10)
	tests := []struct {
		name      string
		h         http.Handler
		header    []string
		cookie    string
		query     string
		status    int
		challenge string
		body      string
	}{
		{"valid", plain, []string{"Bearer " + good}, "", "", 200, "", "hello alice"},
		{"scheme lower case", plain, []string{"bearer " + good}, "", "", 200, "", "hello alice"},
		{"scheme mixed case", plain, []string{"bEaReR " + good}, "", "", 200, "", "hello alice"},
		{"several spaces", plain, []string{"Bearer    " + good}, "", "", 200, "", "hello alice"},
		{"surrounding spaces", plain, []string{"  Bearer " + good + "  "}, "", "", 200, "", "hello alice"},
		{"no header", plain, nil, "", "", 401, bare, "unauthorized\n"},
		{"empty header", plain, []string{""}, "", "", 401, bare, "unauthorized\n"},
		{"Basic", plain, []string{"Basic YTpi"}, "", "", 401, bare, "unauthorized\n"},
		{"DPoP", plain, []string{"DPoP " + good}, "", "", 401, bare, "unauthorized\n"},
		{"word starting with Bearer", plain, []string{"Bearerx " + good}, "", "", 401, bare, "unauthorized\n"},
		{"Bearer alone", plain, []string{"Bearer"}, "", "", 400, invReq, "bad request\n"},
		{"Bearer and spaces", plain, []string{"Bearer    "}, "", "", 400, invReq, "bad request\n"},
		{"tab separator", plain, []string{"Bearer\t" + good}, "", "", 400, invReq, "bad request\n"},
		{"comma separator", plain, []string{"Bearer," + good}, "", "", 400, invReq, "bad request\n"},
		{"two tokens", plain, []string{"Bearer " + good + " " + good}, "", "", 400, invReq, "bad request\n"},
		{"two headers", plain, []string{"Bearer " + good, "Bearer " + good}, "", "", 400, invReq, "bad request\n"},
		{"comma list", plain, []string{"Bearer " + good + ", Basic YTpi"}, "", "", 400, invReq, "bad request\n"},
		{"auth-param form", plain, []string{"Bearer token=" + good}, "", "", 400, invReq, "bad request\n"},
		{"non-ASCII", plain, []string{"Bearer é" + good}, "", "", 400, invReq, "bad request\n"},
		{"quoted token", plain, []string{`Bearer "` + good + `"`}, "", "", 400, invReq, "bad request\n"},
		{"header and query", plain, []string{"Bearer " + good}, "", "access_token=" + good, 400, invReq, "bad request\n"},
		{"query only", plain, nil, "", "access_token=" + good, 400, invReq, "bad request\n"},
		{"query and cookie", plain, nil, good, "access_token=" + good, 400, invReq, "bad request\n"},
		{"64 KiB token", plain, []string{"Bearer " + big}, "", "", 401, invTok, "unauthorized\n"},
		{"garbage token", plain, []string{"Bearer abc"}, "", "", 401, invTok, "unauthorized\n"},
		{"padded token", plain, []string{"Bearer " + good + "=="}, "", "", 401, invTok, "unauthorized\n"},
		{"expired", plain, []string{"Bearer " + expired}, "", "", 401, invTok, "unauthorized\n"},
		{"cookie", plain, nil, good, "", 200, "", "hello alice"},
		{"header wins over cookie", plain, []string{"Bearer " + expired}, good, "", 401, invTok, "unauthorized\n"},
		{"scope string", needRead, []string{"Bearer " + scoped("write read admin", "scope")}, "", "", 200, "", "hello alice"},
		{"scope array", needRead, []string{"Bearer " + scoped([]string{"read", "write"}, "scope")}, "", "", 200, "", "hello alice"},
		{"scp array", needRead, []string{"Bearer " + scoped([]string{"read", "write"}, "scp")}, "", "", 200, "", "hello alice"},
		{"scp string", needRead, []string{"Bearer " + scoped("read write", "scp")}, "", "", 200, "", "hello alice"},
		{"one scope missing", needRead, []string{"Bearer " + scoped("read", "scope")}, "", "", 403, noScope, "forbidden\n"},
		{"scope absent", needRead, []string{"Bearer " + good}, "", "", 403, noScope, "forbidden\n"},
		{"scope empty", needRead, []string{"Bearer " + scoped("", "scope")}, "", "", 403, noScope, "forbidden\n"},
		{"scope a number", needRead, []string{"Bearer " + scoped(42, "scope")}, "", "", 401, invTok, "unauthorized\n"},
		{"scope an object", needRead, []string{"Bearer " + scoped(map[string]any{"read": true}, "scope")}, "", "", 401, invTok, "unauthorized\n"},
		{"scope array of numbers", needRead, []string{"Bearer " + scoped([]int{1}, "scope")}, "", "", 401, invTok, "unauthorized\n"},
		{"scope prefix is not the scope", needRead, []string{"Bearer " + scoped("readwrite", "scope")}, "", "", 403, noScope, "forbidden\n"},
		{"no token at the scope check", jwtverify.RequireScope("read")(whoami), nil, "", "", 401, `Bearer realm="api"`, "unauthorized\n"},
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
			tc.h.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d (%s)", rec.Code, tc.status, rec.Body)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != tc.challenge {
				t.Fatalf("WWW-Authenticate = %q, want %q", got, tc.challenge)
			}
			if rec.Body.String() != tc.body {
				t.Fatalf("body = %q, want %q", rec.Body, tc.body)
			}
			if tc.status != 200 && rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatal("refusal without Cache-Control: no-store")
			}
		})
	}
}

func TestMiddlewareKeySourceDown(t *testing.T) {
	iss := sharedIssuer()
	v, _ := jwtverify.New(sourceFunc(func(context.Context) (jwk.Set, error) {
		return nil, errors.New("dial tcp 10.0.0.1:443: connection refused")
	}), jwtverify.Config{AnyIssuer: true, AnyAudience: true})
	h := jwtverify.Middleware(v, jwtverify.MiddlewareConfig{RetryAfter: 7})(whoami)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+iss.Mint(claims()))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "7" || rec.Header().Get("WWW-Authenticate") != "" {
		t.Fatalf("status %d, Retry-After %q; want 503 and 7", rec.Code, rec.Header().Get("Retry-After"))
	}
	if strings.Contains(rec.Body.String(), "10.0.0.1") {
		t.Fatalf("internal error leaked: %q", rec.Body)
	}
}

func TestMiddlewareCustomErrorHandler(t *testing.T) {
	f := newFixture(t, jwtverify.Config{})
	var got error
	h := jwtverify.Middleware(f.v, jwtverify.MiddlewareConfig{ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusTeapot)
	}})(whoami)
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer "+f.iss.Mint(with("aud", "other")))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusTeapot || !errors.Is(got, jwtverify.ErrAudience) {
		t.Fatalf("status %d, err %v", rec.Code, got)
	}
}

// TestMiddlewareLogs: each refusal is logged at Info with its reason, kid, iss
// and client address, never the token; a flood is rate-limited and the next
// line counts what was left out; an accepted token is logged at Debug.
func TestMiddlewareLogs(t *testing.T) {
	f := newFixture(t, jwtverify.Config{})
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := jwtverify.Middleware(f.v, jwtverify.MiddlewareConfig{Logger: log})(whoami)
	send := func(tok string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = "192.0.2.7:5555"
		req.Header.Set("Authorization", "Bearer "+tok)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	expired := f.iss.Mint(with("exp", epoch.Add(-time.Hour).Unix()))
	send(expired)
	var line map[string]any
	if err := json.Unmarshal(bytes.Split(logs.Bytes(), []byte("\n"))[0], &line); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"level": "INFO", "reason": jwtverify.ErrExpired.Error(), "kid": jwttest.KidRSA, "iss": testIssuer, "client": "192.0.2.7:5555"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("log %s = %v, want %v (%s)", k, line[k], v, logs.String())
		}
	}
	parts := strings.Split(expired, ".")
	if strings.Contains(logs.String(), parts[1]) || strings.Contains(logs.String(), parts[2]) {
		t.Fatal("the token was logged")
	}
	logs.Reset()
	start := time.Now()
	for range 1000 {
		send(expired)
	}
	// A burst of 20, then 10 a second: the bound follows the time the flood took.
	limit := 20 + int(time.Since(start).Seconds()*10) + 1
	if n := strings.Count(logs.String(), "\n"); n < 1 || n > limit {
		t.Fatalf("%d lines for 1,000 refusals, want at most %d", n, limit)
	}
	time.Sleep(200 * time.Millisecond) // the bucket refills (10 a second)
	logs.Reset()
	send(expired)
	if !strings.Contains(logs.String(), `"suppressed":`) {
		t.Fatalf("the line after a flood does not count the lines left out: %s", logs.String())
	}
	logs.Reset()
	send(f.iss.Mint(claims()))
	if !strings.Contains(logs.String(), `"level":"DEBUG"`) || !strings.Contains(logs.String(), "token accepted") {
		t.Fatalf("success not logged at Debug: %s", logs.String())
	}
}
