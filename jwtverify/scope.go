package jwtverify

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Scopes returns the token's scopes: the space-delimited "scope" string of RFC
// 8693 and RFC 9068, or, without it, the "scp" claim some issuers use (an array
// of strings, or a space-delimited string). No scope claim: nil. A scope claim
// of another JSON type is ErrMalformed, never an empty grant.
//
//	scopes, err := tok.Scopes() // ["read", "write"]
func (t *Token) Scopes() ([]string, error) {
	for _, name := range []string{"scope", "scp"} {
		raw, ok := find(t.claims, name)
		if !ok {
			continue
		}
		return parseScopes(name, raw)
	}
	return nil, nil
}

// parseScopes reads a scope claim: a string of space-separated scope-tokens, or
// an array of them.
func parseScopes(name string, raw []byte) ([]string, error) {
	switch {
	case len(raw) > 0 && raw[0] == '"':
		s, err := unquote(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: claim %q: %w", ErrMalformed, name, err)
		}
		return strings.Fields(s), nil
	case len(raw) > 0 && raw[0] == '[':
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("%w: claim %q is not an array of strings", ErrMalformed, name)
		}
		for _, s := range list {
			if s == "" || strings.ContainsAny(s, " \t\n") {
				return nil, fmt.Errorf("%w: claim %q holds %s, not one scope", ErrMalformed, name, quote(s))
			}
		}
		return list, nil
	}
	return nil, fmt.Errorf("%w: claim %q is neither a string nor an array", ErrMalformed, name)
}

// HasScopes reports whether the token grants every one of scopes. A malformed
// scope claim grants nothing.
func (t *Token) HasScopes(scopes ...string) bool {
	have, err := t.Scopes()
	if err != nil {
		return false
	}
	for _, s := range scopes {
		if !slices.Contains(have, s) {
			return false
		}
	}
	return true
}

// ScopeError says which scopes a route needed; it wraps ErrInsufficientScope,
// and ErrorStatus puts Required in the challenge's scope attribute.
type ScopeError struct {
	// Required lists every scope the route needs.
	Required []string
}

// Error names the scopes needed.
func (e *ScopeError) Error() string {
	return fmt.Sprintf("%s: need %s", ErrInsufficientScope, strings.Join(e.Required, " "))
}

// Unwrap returns ErrInsufficientScope.
func (e *ScopeError) Unwrap() error { return ErrInsufficientScope }

// RequireScope admits requests whose token (put in the context by Middleware,
// which must run first) grants every one of scopes. Others get 403
// insufficient_scope naming the scopes, through the Middleware's error handler;
// a request without a verified token gets 401, and a malformed scope claim 401
// invalid_token. Scopes must be RFC 6749 scope-tokens (no space, quote or
// backslash); RequireScope with none, or with an invalid one, refuses every
// request (fail closed).
//
//	mux.Handle("/api/orders", auth(jwtverify.RequireScope("orders:read")(orders)))
func RequireScope(scopes ...string) func(http.Handler) http.Handler {
	required := slices.Clone(scopes)
	valid := len(required) > 0 && !slices.ContainsFunc(required, func(s string) bool { return !isScopeToken(s) })
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tok, ok := FromContext(r.Context())
			if !ok {
				Refuse(w, r, fmt.Errorf("%w: RequireScope without a verified token (is Middleware in front?)", ErrNoToken))
				return
			}
			have, err := tok.Scopes()
			if err != nil {
				Refuse(w, r, err)
				return
			}
			if !valid || slices.ContainsFunc(required, func(s string) bool { return !slices.Contains(have, s) }) {
				Refuse(w, r, &ScopeError{Required: required})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// isScopeToken reports whether s is 1*( %x21 / %x23-5B / %x5D-7E ) (RFC 6749
// §3.3), which also makes it safe inside a quoted challenge attribute.
func isScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
