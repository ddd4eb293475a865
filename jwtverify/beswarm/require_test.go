package beswarm_test

import (
	"crypto"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/beswarm"
	"github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest"
)

func TestRequire(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	v := staticVerifier(t, fake, beswarm.Config{Now: fixed(seedTime())})
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mw := jwtverify.Middleware(v, jwtverify.MiddlewareConfig{Realm: "bank"})
	good := sign(t, fake, crypto.SHA256, seedHeader, seedPayload())
	badScope := sign(t, fake, crypto.SHA256, seedHeader, payloadWith(t, map[string]any{"scope": "{"}))
	for _, c := range []struct {
		name      string
		h         http.Handler
		token     string
		status    int
		challenge string
	}{
		{"granted", mw(beswarm.Require("userbankaccount", beswarm.Write)(ok)), good, 204, ""},
		{"missing right", mw(beswarm.Require("userbankaccount", beswarm.Delete)(ok)), good, 403,
			`Bearer realm="bank", error="insufficient_scope", scope="userbankaccount:delete"`},
		{"unknown resource", mw(beswarm.Require("usermedication", beswarm.Read)(ok)), good, 403,
			`Bearer realm="bank", error="insufficient_scope", scope="usermedication:read"`},
		{"unknown op", mw(beswarm.Require("userbankaccount", "admin")(ok)), good, 403, "insufficient_scope"},
		{"empty resource", mw(beswarm.Require("", beswarm.Read)(ok)), good, 403, "insufficient_scope"},
		{"no token", mw(beswarm.Require("userbankaccount", beswarm.Read)(ok)), "", 401, `Bearer realm="bank"`},
		{"malformed scope", mw(beswarm.Require("userbankaccount", beswarm.Read)(ok)), badScope, 401, `error="invalid_token"`},
		{"no middleware", beswarm.Require("userbankaccount", beswarm.Read)(ok), good, 401, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/accounts", nil)
			if c.token != "" {
				r.Header.Set("Authorization", "Bearer "+c.token)
			}
			w := httptest.NewRecorder()
			c.h.ServeHTTP(w, r)
			if w.Code != c.status || !strings.Contains(w.Header().Get("WWW-Authenticate"), c.challenge) {
				t.Fatalf("%d %q", w.Code, w.Header().Get("WWW-Authenticate"))
			}
		})
	}
}

// Require over a token put in the context directly (a handler test).
func TestRequireFromContext(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	claims := map[string]any{"tokentype": "User", "scope": `{"a":{"read":true,"write":false,"delete":false}}`, "funcs": "[]"}
	r = r.WithContext(jwttestContext(t, r, claims))
	w := httptest.NewRecorder()
	beswarm.Require("a", beswarm.Write)(http.NotFoundHandler()).ServeHTTP(w, r)
	if w.Code != http.StatusForbidden {
		t.Fatalf("%d", w.Code)
	}
}
