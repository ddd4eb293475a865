package hosting

import (
	"context"
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwt"
	"github.com/sesame-go/sesame/jwtverify"
)

// ExpiryMargin is how long before its tokens expire a record does: MilleGrilles
// stores hosting tokens until the earliest exp minus 30 seconds.
const ExpiryMargin = 30 * time.Second

// Verifier verifies a token and returns it; *jwtverify.Verifier satisfies it.
type Verifier interface {
	// Verify checks raw and returns the verified token, or an error.
	Verify(ctx context.Context, raw string) (*jwtverify.Token, error)
}

// expiry returns the earliest exp of t's two tokens.
func (c *Cache) expiry(ctx context.Context, t *Tokens) (time.Time, error) {
	ro, err := c.exp(ctx, "jwt_readonly", t.ReadOnly)
	if err != nil {
		return time.Time{}, err
	}
	rw, err := c.exp(ctx, "jwt_readwrite", t.ReadWrite)
	if err != nil {
		return time.Time{}, err
	}
	if rw.Before(ro) {
		return rw, nil
	}
	return ro, nil
}

// exp reads a token's exp: through Config.Verifier when there is one, otherwise
// decoded without any signature check.
func (c *Cache) exp(ctx context.Context, name, raw string) (time.Time, error) {
	var exp time.Time
	if c.cfg.Verifier != nil {
		tok, err := c.cfg.Verifier.Verify(ctx, raw)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: %s: %w", ErrToken, name, err)
		}
		exp = tok.Expiry()
	} else {
		tok, err := jwt.ParseInsecure([]byte(raw)) // unverified: see Config.Verifier
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: %s: %v", ErrMalformed, name, err)
		}
		exp = tok.Expiration()
	}
	if exp.IsZero() {
		return time.Time{}, fmt.Errorf("%w: %s", ErrNoExpiry, name)
	}
	return exp, nil
}

// ttl is how long tokens expiring at exp may be cached at now: exp −
// ExpiryMargin − now, in whole seconds; ErrExpired when that is not positive.
func ttl(exp, now time.Time) (time.Duration, error) {
	d := exp.Add(-ExpiryMargin).Sub(now).Truncate(time.Second)
	if d <= 0 {
		return 0, fmt.Errorf("%w: exp %v, now %v", ErrExpired, exp, now)
	}
	return d, nil
}
