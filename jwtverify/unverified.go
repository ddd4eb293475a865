package jwtverify

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"unsafe"
)

// Unverified is a compact JWS split into its segments, its payload decoded
// and read strictly (one JSON object, valid UTF-8, no repeated names), and
// nothing checked: not the signature, not a claim. It exists to route a
// token by an unverified claim, usually its issuer, to the Verifier
// configured for it, and then hand that Verifier the same parse
// (VerifyParsed), so a service with many issuers decodes each token once.
//
//	u, err := jwtverify.ParseUnverified(raw)
//	if err != nil {
//		return err // not a JWT: say so before judging its issuer
//	}
//	iss, _ := u.StringClaim("iss")
//	v, ok := verifiers[iss] // only issuers you configured
//	if !ok {
//		return errUnknownIssuer
//	}
//	tok, err := v.VerifyParsed(ctx, u)
//
// Never trust what it reads: a forger writes any claim he likes. An
// Unverified is safe for concurrent use; the header and signature segments
// are decoded by VerifyParsed.
type Unverified struct {
	raw          string
	h, s         []byte // header and signature segments, as received
	signingInput []byte // header "." payload, as received
	payload      []byte // decoded
	claims       []member
	st           tokenStorage // the token's storage, given to the first VerifyParsed
	used         atomic.Bool
}

// ParseUnverified splits raw and decodes its payload, refusing what Verify
// would refuse as malformed before any key is looked at: not three
// base64url segments (unpadded, canonical, no line break), an empty header
// or payload, a payload that is not one JSON object in valid UTF-8 or that
// repeats a name (ErrMalformed), or over 64 KiB (ErrTooLarge; VerifyParsed
// applies the Verifier's MaxTokenSize). The header and signature are
// decoded, and refused when malformed, by VerifyParsed.
func ParseUnverified(raw string) (*Unverified, error) {
	if len(raw) > maxPeek {
		return nil, fmt.Errorf("%w: token of %d bytes, limit %d", ErrTooLarge, len(raw), maxPeek)
	}
	// Only read: nothing writes through this slice.
	b := unsafe.Slice(unsafe.StringData(raw), len(raw))
	h, p, s, err := cut(b)
	if err != nil {
		return nil, err
	}
	u := &Unverified{raw: raw, h: h, s: s, signingInput: b[:len(h)+1+len(p)]}
	if u.payload, _, err = decodeSeg(make([]byte, b64.DecodedLen(len(p))), p, "payload"); err != nil {
		return nil, err
	}
	if u.claims, err = members(u.payload, "payload", u.st.claims[:0]); err != nil {
		return nil, err
	}
	return u, nil
}

// Raw returns the compact token as received.
func (u *Unverified) Raw() string { return u.raw }

// Claim returns a copy of an unverified claim's raw JSON; ok is false when
// absent.
func (u *Unverified) Claim(name string) (json.RawMessage, bool) { return find(u.claims, name) }

// StringClaim returns an unverified string claim; ok is false when the
// claim is absent or not a JSON string.
//
//	iss, ok := u.StringClaim("iss") // to pick a Verifier, never to trust
func (u *Unverified) StringClaim(name string) (string, bool) {
	for _, m := range u.claims {
		if m.name == name {
			s, err := unquote(m.value) // no copy: the payload is never written
			return s, err == nil
		}
	}
	return "", false
}

// storage returns the storage of the Token a verification makes: u's own
// for the first, a new one for any other, so a Token never changes under
// its holder.
func (u *Unverified) storage() *tokenStorage {
	if u.used.CompareAndSwap(false, true) {
		return &u.st
	}
	return new(tokenStorage)
}

// compact decodes u's header (unless hc holds its parsed form) and
// signature for a verification.
func (u *Unverified) compact(hc *headerCache) (compact, error) {
	c := compact{headerSeg: u.h, signingInput: u.signingInput, payload: u.payload, cached: hc.get(u.h)}
	n := b64.DecodedLen(len(u.s))
	if c.cached == nil {
		n += b64.DecodedLen(len(u.h))
	}
	buf := make([]byte, n)
	var err error
	if c.cached == nil {
		if c.header, buf, err = decodeSeg(buf, u.h, "header"); err != nil {
			return c, err
		}
	}
	c.sig, _, err = decodeSeg(buf, u.s, "signature")
	return c, err
}

// VerifyParsed verifies a token read by ParseUnverified: the same checks
// as Verify, in the same order, with the same answers, the
// verified-signature cache included, without decoding the payload again.
// An Unverified may be handed to several Verifiers (each judges it as its
// own); each Token returned is immutable.
func (v *Verifier) VerifyParsed(ctx context.Context, u *Unverified) (*Token, error) {
	if u == nil {
		return nil, fmt.Errorf("%w: no token", ErrMalformed)
	}
	if len(u.raw) > v.maxSize {
		return nil, fmt.Errorf("%w: token of %d bytes, limit %d", ErrTooLarge, len(u.raw), v.maxSize)
	}
	return v.verify(ctx, u.raw, u)
}
