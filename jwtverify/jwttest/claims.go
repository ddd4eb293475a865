package jwttest

import (
	"crypto/rand"
	"time"
)

// Claims returns typical claims issued now: iss, sub, aud (a string if one is
// given, an array if several, absent if none), iat (now), exp (now + 1 h) and
// a random jti. Change the map freely before minting.
func Claims(iss, sub string, aud ...string) map[string]any {
	return ClaimsAt(time.Now(), iss, sub, aud...)
}

// ClaimsAt is Claims issued at now instead of the current time.
func ClaimsAt(now time.Time, iss, sub string, aud ...string) map[string]any {
	c := map[string]any{
		"iss": iss,
		"sub": sub,
		"iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
		"jti": rand.Text(),
	}
	switch len(aud) {
	case 0:
	case 1:
		c["aud"] = aud[0]
	default:
		c["aud"] = append([]string(nil), aud...)
	}
	return c
}
