package jwtverify

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// Defaults of DPoPConfig.
const (
	DefaultDPoPWindow   = 60 * time.Second
	DefaultNoncePeriod  = 5 * time.Minute
	DefaultMaxProofSize = 8 << 10
	minNonceKey         = 32
)

// defaultDPoPAlgorithms are the proof algorithms a zero DPoPConfig accepts:
// those FAPI 2.0 allows.
const defaultDPoPAlgorithms = "ES256 PS256 EdDSA"

// DPoPConfig says what a valid DPoP proof is (RFC 9449). Its zero value is
// the default stated beside each field: DPoP allowed beside Bearer, proofs
// signed ES256, PS256 or EdDSA, iat within 60 s of now, each proof used once
// in this process's memory, no server nonce.
type DPoPConfig struct {
	// Required refuses Bearer (and cookie) tokens: only a DPoP-bound token
	// with its proof passes, and challenges name DPoP alone. Default false:
	// Bearer for unbound tokens, DPoP for bound ones; a bound token is
	// refused as Bearer either way (ErrDPoPBound).
	Required bool
	// Algorithms is the allowlist of proof algorithms (default ES256, PS256,
	// EdDSA); only asymmetric ones: New refuses HS256 and "none". Sent in
	// the challenges' algs attribute.
	Algorithms []string
	// Origin is the scheme://host[:port] clients call this API at, e.g.
	// "https://api.example" behind a TLS-terminating proxy; a proof's htu
	// must name it. Default: the request's own (https when it came over TLS,
	// else http, and its Host header). Set it in production: the Host header
	// is the client's to choose.
	Origin string
	// Window is how far a proof's iat may be from now, either way (default
	// 60 s). A proof's jti is remembered as long as the proof is usable.
	Window time.Duration
	// ProofIDs remembers the proofs' ids (default NewMemoryIDStore(0, Now),
	// right for one instance only: several instances share a RedisIDStore).
	ProofIDs IDStore
	// NonceKey, when set, makes proofs carry a server nonce (RFC 9449 §9):
	// a proof without a fresh one is refused with use_dpop_nonce and a
	// DPoP-Nonce header carrying one. Nonces are stateless (an HMAC of the
	// time period under this key) and rotate every NoncePeriod; every
	// instance must have the same key, of 32 bytes or more from crypto/rand.
	// Default nil: no nonce.
	NonceKey []byte
	// NoncePeriod is how often the nonce changes (default 5 min); a nonce
	// stays valid for two periods.
	NoncePeriod time.Duration
	// MaxProofSize bounds the DPoP header in bytes (default 8 KiB).
	MaxProofSize int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// DPoP checks DPoP proofs (RFC 9449) for a Middleware: set
// MiddlewareConfig.DPoP to it. It is safe for concurrent use; share one
// between the Middlewares of an API.
type DPoP struct {
	required bool
	algs     map[string]algorithm
	algsAttr string // the challenge's algs="…"
	origin   string // normalized scheme://host, or ""
	window   time.Duration
	ids      IDStore
	nonces   *nonceSource
	maxSize  int
	now      func() time.Time
	keys     proofKeyCache
}

// NewDPoP checks cfg and returns the DPoP checker for MiddlewareConfig.DPoP.
//
//	dpop, err := jwtverify.NewDPoP(jwtverify.DPoPConfig{Origin: "https://api.example"})
//	auth := jwtverify.Middleware(v, jwtverify.MiddlewareConfig{DPoP: dpop})
func NewDPoP(cfg DPoPConfig) (*DPoP, error) {
	d := &DPoP{required: cfg.Required, window: cfg.Window, ids: cfg.ProofIDs, maxSize: cfg.MaxProofSize, now: cfg.Now}
	if d.now == nil {
		d.now = time.Now
	}
	if d.window == 0 {
		d.window = DefaultDPoPWindow
	}
	if d.maxSize <= 0 {
		d.maxSize = DefaultMaxProofSize
	}
	if d.ids == nil {
		d.ids = NewMemoryIDStore(0, d.now)
	}
	if d.window < 0 {
		return nil, fmt.Errorf("%w: negative DPoP Window", ErrConfig)
	}
	var err error
	if d.algs, d.algsAttr, err = proofAlgs(cfg.Algorithms); err != nil {
		return nil, err
	}
	if cfg.Origin != "" {
		if d.origin, err = normOrigin(cfg.Origin); err != nil {
			return nil, err
		}
	}
	if cfg.NonceKey != nil {
		if len(cfg.NonceKey) < minNonceKey {
			return nil, fmt.Errorf("%w: NonceKey of %d bytes, want %d or more", ErrConfig, len(cfg.NonceKey), minNonceKey)
		}
		d.nonces = &nonceSource{key: append([]byte(nil), cfg.NonceKey...), period: cfg.NoncePeriod}
		if d.nonces.period <= 0 {
			d.nonces.period = DefaultNoncePeriod
		}
	}
	return d, nil
}

// proofAlgs builds the proof algorithm table and its algs attribute.
func proofAlgs(names []string) (map[string]algorithm, string, error) {
	if len(names) == 0 {
		names = strings.Fields(defaultDPoPAlgorithms)
	}
	t := make(map[string]algorithm, len(names))
	for _, n := range names {
		a, ok := lookupAlg(n)
		if !ok || a.kty == ktyOct {
			return nil, "", fmt.Errorf("%w: DPoP algorithm %q: only asymmetric algorithms", ErrConfig, n)
		}
		t[n] = a
	}
	return t, strings.Join(names, " "), nil
}

// normOrigin checks a configured Origin and returns its normalized form.
func normOrigin(o string) (string, error) {
	u, err := url.Parse(o)
	if err != nil || u.User != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("%w: DPoP Origin %q is not scheme://host[:port]", ErrConfig, o)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("%w: DPoP Origin %q is not http(s)", ErrConfig, o)
	}
	return scheme + "://" + normHost(scheme, u.Host), nil
}

// proofFor runs the checks of RFC 9449 §4.3 that need the request and the
// token's bytes but not its verification: one DPoP header, the proof's
// shape, header and signature, htm, htu, iat, nonce and ath.
func (d *DPoP) proofFor(r *http.Request, token string) (*dpopProof, error) {
	vals := r.Header.Values("DPoP")
	if len(vals) != 1 {
		return nil, fmt.Errorf("%w: %d DPoP headers, want one", ErrDPoPProof, len(vals))
	}
	p, err := d.parseProof(vals[0])
	if err != nil {
		return nil, err
	}
	if p.htm != r.Method {
		return nil, fmt.Errorf("%w: htm %s for a %s request", ErrDPoPProof, quote(p.htm), quote(r.Method))
	}
	if want := d.requestURL(r); p.htu != want {
		if got, err := normalizeHTU(p.htu); err != nil || got != want {
			return nil, fmt.Errorf("%w: htu %s for %s", ErrDPoPProof, quote(p.htu), quote(want))
		}
	}
	now := d.now()
	if p.iat.Before(now.Add(-d.window)) || p.iat.After(now.Add(d.window)) {
		return nil, fmt.Errorf("%w: iat %s outside the %v window", ErrDPoPProof, p.iat.UTC().Format(time.RFC3339), d.window)
	}
	if d.nonces != nil {
		ok, stale := d.nonces.check(p.nonce, now)
		if !ok {
			return nil, fmt.Errorf("%w: nonce %s", ErrDPoPNonce, quote(p.nonce))
		}
		p.staleNonce = stale
	}
	if !athMatches(p.ath, token) {
		return nil, fmt.Errorf("%w: ath is not the hash of the access token", ErrDPoPProof)
	}
	return p, nil
}

// requestURL is the normalized URL of r that htu must name.
func (d *DPoP) requestURL(r *http.Request) string {
	path := normPath(r.URL.EscapedPath())
	if d.origin != "" {
		return d.origin + path
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + normHost(scheme, r.Host) + path
}

// athMatches reports whether ath is base64url(SHA-256(token)) (RFC 9449
// §4.2), compared in constant time.
func athMatches(ath, token string) bool {
	sum := sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token)))
	var want [43]byte
	b64.Encode(want[:], sum[:])
	return subtle.ConstantTimeCompare(want[:], []byte(ath)) == 1
}

// bind checks that tok is bound to the proof's key (cnf.jkt equal to the
// key's RFC 7638 thumbprint, in constant time), then spends the proof's jti.
func (d *DPoP) bind(ctx context.Context, tok *Token, p *dpopProof) error {
	jkt, _, err := confirmation(tok)
	if err != nil {
		return err
	}
	if jkt == "" {
		return fmt.Errorf("%w: the token has no cnf.jkt", ErrDPoPBinding)
	}
	if subtle.ConstantTimeCompare([]byte(jkt), []byte(p.key.jkt)) != 1 {
		return fmt.Errorf("%w: cnf.jkt %s, proof key %s", ErrDPoPBinding, quote(jkt), quote(p.key.jkt))
	}
	// The proof is refused once iat+Window is past: remember it that long.
	ttl := max(p.iat.Add(d.window).Sub(d.now()), time.Second)
	fresh, err := d.ids.Claim(ctx, proofID(p.key.jkt, p.jti), ttl)
	switch {
	case err != nil && errors.Is(err, ErrUnavailable):
		return err
	case err != nil:
		return fmt.Errorf("%w: DPoP proof ids: %w", ErrUnavailable, err)
	case !fresh:
		return fmt.Errorf("%w: %w: jti %s", ErrDPoPProof, ErrDPoPReplay, quote(p.jti))
	}
	return nil
}

// confirmation reads the token's cnf claim (RFC 7800): jkt is its "jkt"
// member ("" when none), has whether the token has a cnf at all. A cnf that
// is not an object, or a jkt that is not a string, is ErrMalformed.
func confirmation(tok *Token) (jkt string, has bool, err error) {
	var raw []byte
	for _, m := range tok.claims {
		if m.name == "cnf" {
			raw = m.value
			break
		}
	}
	if raw == nil {
		return "", false, nil
	}
	var buf [4]member
	ms, err := members(raw, "cnf", buf[:0])
	if err != nil {
		return "", true, fmt.Errorf("%w: cnf is not a JSON object", ErrMalformed)
	}
	for _, m := range ms {
		if m.name == "jkt" {
			if jkt, err = stringClaim(m); err != nil || jkt == "" {
				return "", true, fmt.Errorf("%w: cnf.jkt is not a thumbprint", ErrMalformed)
			}
		}
	}
	return jkt, true, nil
}

// nonce returns the nonce to send now ("" when nonces are off).
func (d *DPoP) nonce() string {
	if d == nil || d.nonces == nil {
		return ""
	}
	return d.nonces.current(d.now())
}

// challenge returns the DPoP challenge with the given error attributes.
func (d *DPoP) challenge(realm, attrs string) string {
	c := "DPoP realm=" + strconv.Quote(realm)
	if attrs != "" {
		c += ", " + attrs
	}
	if d != nil {
		c += ", algs=" + strconv.Quote(d.algsAttr)
	}
	return c
}
