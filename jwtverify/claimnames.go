package jwtverify

import "iter"

// ClaimNames yields the name of every claim of the token, in payload order,
// without copying anything (profiles count custom claims with it).
//
//	for name := range tok.ClaimNames() { … }
func (t *Token) ClaimNames() iter.Seq[string] {
	return func(yield func(string) bool) {
		for _, m := range t.claims {
			if !yield(m.name) {
				return
			}
		}
	}
}

// Expires reports whether the token has an exp claim (Expiry is then its value;
// a NumericDate may denote time.Time's zero instant, so IsZero cannot tell).
func (t *Token) Expires() bool { return t.hasExp }

// HasIssuedAt reports whether the token has an iat claim.
func (t *Token) HasIssuedAt() bool { return t.hasIat }
