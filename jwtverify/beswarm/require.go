package beswarm

import (
	"fmt"
	"net/http"

	"github.com/sesame-go/sesame/jwtverify"
)

// Require admits requests whose BeSwarm token (put in the context by
// jwtverify.Middleware, which must run first) grants op on resource. Others
// are refused through that Middleware's error handler (jwtverify.Refuse): 403
// with WWW-Authenticate: Bearer error="insufficient_scope",
// scope="<resource>:<op>" when the right is missing, 401 without a verified
// token, 401 invalid_token for a malformed scope. Require with an empty
// resource or an unknown op refuses every request (fail closed).
//
//	api := jwtverify.Middleware(verifier, jwtverify.MiddlewareConfig{})
//	mux.Handle("POST /accounts", api(beswarm.Require("userbankaccount", beswarm.Write)(h)))
func Require(resource string, op Op) func(http.Handler) http.Handler {
	required := []string{resource + ":" + string(op)}
	valid := resource != "" && Right{true, true, true}.Allows(op) && isScopeToken(required[0])
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, ok := jwtverify.FromContext(r.Context())
			if !ok {
				jwtverify.Refuse(w, r, fmt.Errorf("%w: beswarm.Require without a verified token (is jwtverify.Middleware in front?)", jwtverify.ErrNoToken))
				return
			}
			c, err := ParseClaims(tok)
			if err != nil {
				jwtverify.Refuse(w, r, err)
				return
			}
			if !valid || !c.Can(resource, op) {
				jwtverify.Refuse(w, r, &jwtverify.ScopeError{Required: required})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// isScopeToken reports whether s is an RFC 6749 scope-token, safe inside the
// challenge's quoted scope attribute.
func isScopeToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return s != ""
}
