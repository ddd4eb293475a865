package jwtverify

import (
	"crypto"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// maxProofJTI bounds a proof's jti.
const maxProofJTI = 256

// dpopProof is a DPoP proof whose shape, header and signature are checked.
// Its strings share the decoded payload's memory.
type dpopProof struct {
	key                       *proofKey
	jti, htm, htu, ath, nonce string
	iat                       time.Time
	staleNonce                bool // the nonce is of the previous period
}

// proofKey is what a proof header says once checked: the algorithm, the
// public key and its RFC 7638 thumbprint (base64url SHA-256).
type proofKey struct {
	alg algorithm
	key *preparedKey
	jkt string
}

// parseProof checks a proof's size and shape (a compact JWS of strict
// base64url, JSON objects without duplicate names), its header (typ
// dpop+jwt, an allowed asymmetric alg, a public jwk that fits it, no crit),
// its signature by that jwk, and reads its claims, of which jti, htm, htu and
// iat are required. jku, x5u, x5c and kid are never read: the key is the jwk.
func (d *DPoP) parseProof(raw string) (*dpopProof, error) {
	if len(raw) > d.maxSize {
		return nil, fmt.Errorf("%w: proof of %d bytes, limit %d", ErrDPoPProof, len(raw), d.maxSize)
	}
	// splitCompact only reads raw's bytes; nothing writes through this slice.
	c, err := splitCompact(unsafe.Slice(unsafe.StringData(raw), len(raw)), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDPoPProof, err)
	}
	pk := d.keys.get(c.headerSeg)
	cached := pk != nil
	if !cached {
		if pk, err = d.proofHeader(c.header); err != nil {
			return nil, err
		}
	}
	p := &dpopProof{key: pk}
	if err := p.readClaims(c.payload); err != nil {
		return nil, err
	}
	if !pk.alg.verify(pk.key, c.signingInput, c.sig) {
		return nil, fmt.Errorf("%w: signature", ErrDPoPProof)
	}
	if !cached {
		d.keys.put(c.headerSeg, pk)
	}
	return p, nil
}

// proofHeader checks a proof's decoded header.
func (d *DPoP) proofHeader(b []byte) (*proofKey, error) {
	hdr, err := members(b, "DPoP proof header", nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDPoPProof, err)
	}
	var typ, alg string
	var jwkJSON []byte
	for _, m := range hdr {
		switch m.name {
		case "typ":
			typ, err = stringClaim(m)
		case "alg":
			alg, err = stringClaim(m)
		case "jwk":
			jwkJSON = m.value
		case "crit":
			err = fmt.Errorf("crit %s", quote(string(m.value)))
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrDPoPProof, err)
		}
	}
	if normType(typ) != "dpop+jwt" {
		return nil, fmt.Errorf("%w: typ %s", ErrDPoPProof, quote(typ))
	}
	a, ok := d.algs[alg]
	if !ok {
		return nil, fmt.Errorf("%w: alg %s not allowed", ErrDPoPProof, quote(alg))
	}
	if jwkJSON == nil {
		return nil, fmt.Errorf("%w: no jwk", ErrDPoPProof)
	}
	return proofJWK(jwkJSON, a)
}

// privateMembers are the JWK members of private and symmetric keys (RFC
// 7518 §6.2.2, §6.3.2, §6.4, RFC 8037 §2): a proof's jwk must have none.
func privateMember(name string) bool {
	switch name {
	case "d", "p", "q", "dp", "dq", "qi", "oth", "k":
		return true
	}
	return false
}

// proofJWK checks a proof's jwk: a JSON object, public (no private member),
// a signature key that fits alg and passes the package's key checks (RSA of
// 2048 to 8192 bits, P-256/384/521, Ed25519); its thumbprint is jwx's (RFC
// 7638).
func proofJWK(b []byte, a algorithm) (*proofKey, error) {
	ms, err := members(b, "jwk", nil)
	if err != nil {
		return nil, fmt.Errorf("%w: jwk: %w", ErrDPoPProof, err)
	}
	for _, m := range ms {
		if privateMember(m.name) {
			return nil, fmt.Errorf("%w: jwk has the private member %s", ErrDPoPProof, quote(m.name))
		}
	}
	jk, err := jwk.ParseKey(b)
	if err != nil {
		return nil, fmt.Errorf("%w: jwk: %w", ErrDPoPProof, err)
	}
	switch jk.(type) {
	case jwk.ECDSAPublicKey, jwk.RSAPublicKey, jwk.OKPPublicKey:
	default:
		return nil, fmt.Errorf("%w: jwk is not a public key", ErrDPoPProof)
	}
	key, err := prepareJWK(jk)
	if err != nil {
		return nil, fmt.Errorf("%w: jwk: %w", ErrDPoPProof, err)
	}
	if err := a.fits(key); err != nil {
		return nil, fmt.Errorf("%w: jwk: %w", ErrDPoPProof, err)
	}
	tp, err := jk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("%w: jwk thumbprint: %w", ErrDPoPProof, err)
	}
	return &proofKey{alg: a, key: key, jkt: b64.EncodeToString(tp)}, nil
}

// readClaims reads the proof's claims; unknown ones are ignored.
func (p *dpopProof) readClaims(payload []byte) error {
	var buf [8]member
	ms, err := members(payload, "DPoP proof payload", buf[:0])
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDPoPProof, err)
	}
	hasIat := false
	for _, m := range ms {
		switch m.name {
		case "jti":
			p.jti, err = stringClaim(m)
		case "htm":
			p.htm, err = stringClaim(m)
		case "htu":
			p.htu, err = stringClaim(m)
		case "ath":
			p.ath, err = stringClaim(m)
		case "nonce":
			p.nonce, err = stringClaim(m)
		case "iat":
			p.iat, err = timeClaim(m)
			hasIat = true
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrDPoPProof, err)
		}
	}
	switch {
	case p.jti == "" || len(p.jti) > maxProofJTI:
		return fmt.Errorf("%w: jti missing or over %d bytes", ErrDPoPProof, maxProofJTI)
	case p.htm == "", p.htu == "", !hasIat:
		return fmt.Errorf("%w: htm, htu and iat are required", ErrDPoPProof)
	}
	return nil
}

// maxProofKeys bounds the proof key cache: one entry per client key seen.
const maxProofKeys = 1024

// proofKeyCache remembers checked proof headers by their base64url segment,
// so that a client's next proof (same typ, alg and jwk) skips the JSON, the
// JWK parse and the thumbprint. Only headers of proofs whose signature
// verified enter; when full, one entry makes room.
type proofKeyCache struct {
	mu sync.RWMutex
	m  map[string]*proofKey
}

func (c *proofKeyCache) get(seg []byte) *proofKey {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[string(seg)]
}

func (c *proofKeyCache) put(seg []byte, pk *proofKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[string(seg)]; ok {
		return
	}
	if c.m == nil {
		c.m = make(map[string]*proofKey)
	}
	if len(c.m) >= maxProofKeys {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[string(seg)] = pk
}
