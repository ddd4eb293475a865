package jwtverify_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

const (
	testIssuer   = "https://issuer.test"
	testAudience = "api"
)

// epoch is the fixed "now" of the tests.
var epoch = time.Unix(1_800_000_000, 0)

// clock is an adjustable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: epoch} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is an issuer, a verifier trusting its public keys, and the clock.
type fixture struct {
	iss   *jwttest.Issuer
	v     *jwtverify.Verifier
	clock *clock
}

// sharedIssuer generates keys once per test binary run (RSA keygen is slow).
var sharedIssuer = sync.OnceValue(func() *jwttest.Issuer {
	i, err := jwttest.New()
	if err != nil {
		panic(err)
	}
	return i
})

// otherIssuer has the same kids as sharedIssuer but different keys: an attacker.
var otherIssuer = sync.OnceValue(func() *jwttest.Issuer {
	i, err := jwttest.New()
	if err != nil {
		panic(err)
	}
	return i
})

func newFixture(t testing.TB, cfg jwtverify.Config) *fixture {
	t.Helper()
	iss := sharedIssuer()
	keys, err := jwtverify.NewStaticKeys(iss.PublicJWKS())
	if err != nil {
		t.Fatalf("NewStaticKeys: %v", err)
	}
	c := newClock()
	if cfg.Issuer == "" {
		cfg.Issuer = testIssuer
	}
	if cfg.Audience == nil {
		cfg.Audience = []string{testAudience}
	}
	if cfg.Algorithms == nil {
		cfg.Algorithms = []string{"RS256", "ES256", "EdDSA"}
	}
	cfg.Now = c.Now
	v, err := jwtverify.New(keys, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &fixture{iss: iss, v: v, clock: c}
}

// claims returns valid claims at the fixture's epoch.
func claims() map[string]any {
	return jwttest.ClaimsAt(epoch, testIssuer, "alice", testAudience)
}

// with returns claims with one claim set (or removed when v is nil).
func with(name string, v any) map[string]any {
	c := claims()
	if v == nil {
		delete(c, name)
	} else {
		c[name] = v
	}
	return c
}

// sourceFunc adapts a function to KeySource.
type sourceFunc func(ctx context.Context) (jwk.Set, error)

func (f sourceFunc) Keys(ctx context.Context) (jwk.Set, error) { return f(ctx) }

type jwkSet = jwk.Set

func jsonOf(v any) ([]byte, error) { return json.Marshal(v) }

// cached verifies tok until v's verified-signature cache holds it (a token
// is admitted on its second verification), fails unless a third
// verification is answered from the cache, and returns that cached Token.
func cached(t testing.TB, v *jwtverify.Verifier, tok string) *jwtverify.Token {
	t.Helper()
	ctx := context.Background()
	var got [3]*jwtverify.Token
	for i := range got {
		var err error
		if got[i], err = v.Verify(ctx, tok); err != nil {
			t.Fatalf("verification %d: %v", i+1, err)
		}
	}
	if got[0] == got[1] || got[1] != got[2] {
		t.Fatalf("a token seen once was cached, or one seen twice was not: %p %p %p", got[0], got[1], got[2])
	}
	return got[2]
}
