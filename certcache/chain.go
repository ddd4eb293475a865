package certcache

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"slices"
	"time"
)

// MaxChainLength bounds the certificates of a chain (leaf and intermediates).
const MaxChainLength = 8

// Chain is a MilleGrilles certificate chain: an Ed25519 leaf first, then its
// intermediates in order, and optionally the root PEM a record carried in "ca".
// It is immutable and safe to share; the caches hand the same *Chain to every
// caller, so accessors return copies.
//
// A Chain says nothing about trust until Verify succeeds. Its CA is what the
// record claimed and is never used as a trust anchor.
type Chain struct {
	certs       []*x509.Certificate
	ca          *x509.Certificate
	fingerprint string
	ext         extensions
	notAfter    time.Time
}

// NewChain builds a Chain from parsed certificates, leaf first. ca is the root to
// record in "ca" (nil writes null). The leaf must hold an Ed25519 key (ErrKeyType)
// and its MilleGrilles extensions must be UTF-8 (ErrMalformed).
func NewChain(certs []*x509.Certificate, ca *x509.Certificate) (*Chain, error) {
	switch {
	case len(certs) == 0:
		return nil, fmt.Errorf("%w: no certificate", ErrMalformed)
	case len(certs) > MaxChainLength:
		return nil, fmt.Errorf("%w: %d certificates (max %d)", ErrTooLarge, len(certs), MaxChainLength)
	case slices.Contains(certs, nil):
		return nil, fmt.Errorf("%w: nil certificate", ErrMalformed)
	}
	pub, ok := certs[0].PublicKey.(ed25519.PublicKey)
	if !ok || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: %T", ErrKeyType, certs[0].PublicKey)
	}
	ext, err := parseExtensions(certs[0])
	if err != nil {
		return nil, err
	}
	c := &Chain{
		certs:       slices.Clone(certs),
		ca:          ca,
		fingerprint: hex.EncodeToString(pub),
		ext:         ext,
		notAfter:    certs[0].NotAfter,
	}
	for _, cert := range certs[1:] {
		if cert.NotAfter.Before(c.notAfter) {
			c.notAfter = cert.NotAfter
		}
	}
	return c, nil
}

// ParseChain builds a Chain from PEMs, leaf first, each holding exactly one
// CERTIFICATE block. Line breaks may be real or the literal two characters `\n`
// (as some documents show them). ca is the root PEM of the record's "ca", or ""
// for null.
func ParseChain(pems []string, ca string) (*Chain, error) {
	if len(pems) > MaxChainLength {
		return nil, fmt.Errorf("%w: %d certificates (max %d)", ErrTooLarge, len(pems), MaxChainLength)
	}
	certs := make([]*x509.Certificate, len(pems))
	for i, p := range pems {
		cert, err := parsePEM(p)
		if err != nil {
			return nil, fmt.Errorf("pems[%d]: %w", i, err)
		}
		certs[i] = cert
	}
	var root *x509.Certificate
	if ca != "" {
		var err error
		if root, err = parsePEM(ca); err != nil {
			return nil, fmt.Errorf("ca: %w", err)
		}
	}
	return NewChain(certs, root)
}

// Fingerprint returns the record key's fingerprint: the lowercase hex of the
// leaf's raw 32-byte Ed25519 public key.
func (c *Chain) Fingerprint() string { return c.fingerprint }

// Leaf returns the leaf certificate. It is shared: do not modify it.
func (c *Chain) Leaf() *x509.Certificate { return c.certs[0] }

// Certificates returns the leaf and its intermediates, in order.
func (c *Chain) Certificates() []*x509.Certificate { return slices.Clone(c.certs) }

// CA returns the root the record carried in "ca", or nil for null. It is not
// trusted: Verify uses only the roots it is given.
func (c *Chain) CA() *x509.Certificate { return c.ca }

// IDMG returns the MilleGrille id the leaf claims: the first O of its subject.
// Verify checks it against the root.
func (c *Chain) IDMG() string { return first(c.Leaf().Subject.Organization) }

// Role returns the leaf's role: the first OU of its subject.
func (c *Chain) Role() string { return first(c.Leaf().Subject.OrganizationalUnit) }

// InstanceID returns the leaf's instance id: its subject CN.
func (c *Chain) InstanceID() string { return c.Leaf().Subject.CommonName }

// NotAfter returns the earliest expiry of the chain's certificates.
func (c *Chain) NotAfter() time.Time { return c.notAfter }

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
