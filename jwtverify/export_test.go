package jwtverify

import "net/http"

// Test access to internals, for the external test package (which may import
// jwttest; this package's own tests may not, as jwttest imports jwtverify).

// WaitIdle waits for r's fetch in flight, if any, to land.
func WaitIdle(r *RemoteKeys) { r.c.Idle() }

// MaxCachedHeaders is the header cache's bound.
const MaxCachedHeaders = maxCachedHeaders

// CachedHeaders returns how many parsed headers v holds.
func CachedHeaders(v *Verifier) int { return lenOf(v.headers.m.Load()) }

// CachedHeader returns the cached parse of a header segment, or nil.
func CachedHeader(v *Verifier, seg string) *Header {
	if e := v.headers.get([]byte(seg)); e != nil {
		return &e.header
	}
	return nil
}

// AnyCachedHeader returns one cached parse, or nil.
func AnyCachedHeader(v *Verifier) *Header {
	m := v.headers.m.Load()
	if m == nil {
		return nil
	}
	for _, e := range *m {
		return &e.header
	}
	return nil
}

// NormalizeHTU is normalizeHTU, the htu comparison form.
var NormalizeHTU = normalizeHTU

// RemoveDots is remove_dot_segments.
var RemoveDots = removeDots

// CheckDPoPProof runs the proof checks of d for r and token.
func CheckDPoPProof(d *DPoP, r *http.Request, token string) error {
	_, err := d.proofFor(r, token)
	return err
}

// IntrospectionCached returns how many active answers in remembers.
func IntrospectionCached(in *Introspector) int {
	in.cache.mu.RLock()
	defer in.cache.mu.RUnlock()
	return len(in.cache.active)
}

// ParseIntrospection is parseIntrospection.
var ParseIntrospection = parseIntrospection

// CheckAccessClaims is checkAccessClaims, the type checks of AccessToken.
var CheckAccessClaims = checkAccessClaims

// IsB64Char is isB64Char, the b64token character table.
var IsB64Char = isB64Char
