package jwttest

import (
	"context"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
)

// TestNewContext: the context carries a verified token with the claims given;
// claims a Middleware would refuse (expired, a wrongly typed exp) fail.
func TestNewContext(t *testing.T) {
	ctx := NewContext(t, context.Background(), map[string]any{"sub": "alice", "scope": "read write", "exp": time.Now().Add(time.Minute).Unix()})
	tok, ok := jwtverify.FromContext(ctx)
	if !ok || tok.Subject() != "alice" || !tok.HasScopes("read", "write") || tok.HasScopes("admin") {
		t.Fatalf("token in context: %v %+v", ok, tok)
	}
	for name, claims := range map[string]map[string]any{
		"expired":    {"sub": "a", "exp": time.Now().Add(-time.Hour).Unix()},
		"exp string": {"sub": "a", "exp": "tomorrow"},
	} {
		if _, err := verifiedToken(claims); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
