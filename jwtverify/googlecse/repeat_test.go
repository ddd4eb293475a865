package googlecse_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/googlecse"
)

// A token used again and again (routed from the issuer memory, answered by
// the signature cache from its third use) is judged each time: one record
// per call, refused once expired; a forged token naming the same issuer is
// never remembered, so its repeats are refused too; and a token that was
// not a JWT stays one when repeated.
func TestRepeatTokens(t *testing.T) {
	now := time.Now()
	e := newEnv(t, func(c *googlecse.Config, _ *[]googlecse.Tenant) { c.Now = func() time.Time { return now } })
	ctx := context.Background()
	good := e.localAuthn(nil)
	forged := good[:strings.LastIndexByte(good, '.')+1] + strings.Repeat("A", 342)
	for i := range 4 {
		if _, err := e.v.VerifyAuthentication(ctx, tenantLocal, good, googlecse.UserAuthentication, googlecse.OpUnwrap); err != nil {
			t.Fatalf("use %d: %v", i+1, err)
		}
		if rec := e.one(t); !rec.Valid || rec.JWT.Email.Value != "alice@example.com" {
			t.Fatalf("use %d: record %+v", i+1, rec)
		}
		_, err := e.v.VerifyAuthentication(ctx, tenantLocal, forged, googlecse.UserAuthentication, googlecse.OpUnwrap)
		if !errors.Is(err, jwtverify.ErrSignature) {
			t.Fatalf("forged, use %d: err = %v, want ErrSignature", i+1, err)
		}
		if rec := e.one(t); rec.Valid {
			t.Fatalf("forged, use %d: record valid", i+1)
		}
		_, err = e.v.VerifyAuthentication(ctx, tenantLocal, "not.a.jwt", googlecse.UserAuthentication, googlecse.OpUnwrap)
		if !errors.Is(err, jwtverify.ErrMalformed) {
			t.Fatalf("not a JWT, use %d: err = %v, want ErrMalformed", i+1, err)
		}
		e.one(t)
	}
	now = now.Add(2 * time.Hour)
	if _, err := e.v.VerifyAuthentication(ctx, tenantLocal, good, googlecse.UserAuthentication, googlecse.OpUnwrap); !errors.Is(err, jwtverify.ErrExpired) {
		t.Fatalf("expired repeat: err = %v, want ErrExpired", err)
	}
	if rec := e.one(t); rec.Valid || rec.Details == "" {
		t.Fatalf("expired repeat: record %+v", rec)
	}
}
