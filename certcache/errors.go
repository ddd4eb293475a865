package certcache

import "errors"

// Errors returned by this package. Each is wrapped with what was wrong; test for
// them with errors.Is. A Redis record is untrusted input: whatever is wrong with
// it surfaces as one of these, never as a panic.
var (
	// ErrNotFound is returned by Get when no record exists for the fingerprint.
	ErrNotFound = errors.New("certcache: not found")

	// ErrMalformed is returned when a record or a PEM cannot be read: not one
	// JSON object, a repeated member name, no "pems" or an empty list, a "ca"
	// that is neither null nor a string, a string that is not exactly one
	// CERTIFICATE PEM block, a certificate crypto/x509 refuses, an extension
	// that is not UTF-8, or a Redis key holding something other than a string.
	// Unknown members are not an error: they are ignored.
	ErrMalformed = errors.New("certcache: malformed record")

	// ErrInvalidFingerprint is returned by Get when its argument is not a
	// fingerprint (64 hex characters): the caller's mistake, not a bad record;
	// nothing was read.
	ErrInvalidFingerprint = errors.New("certcache: invalid fingerprint")

	// ErrTooLarge is returned when a record exceeds MaxRecordSize, or a chain
	// MaxChainLength certificates, before anything of it is parsed.
	ErrTooLarge = errors.New("certcache: record too large")

	// ErrKeyType is returned when the leaf's public key is not Ed25519: the
	// fingerprint, and so the record's key, is defined only for Ed25519 leaves.
	ErrKeyType = errors.New("certcache: leaf key is not Ed25519")

	// ErrFingerprint is returned by Get when the chain stored under a key is not the
	// chain of that key's fingerprint. RedisCache deletes such a record.
	ErrFingerprint = errors.New("certcache: fingerprint does not match the chain")

	// ErrChain is returned by Verify when the certificates do not form a chain, in
	// order (leaf first), to one of the roots: a bad signature, an unknown issuer,
	// a chain in the wrong order, or a root that is not a self-signed Ed25519
	// "CN=MilleGrille" certificate.
	ErrChain = errors.New("certcache: chain does not verify")

	// ErrExpired is returned by Verify (and so Get and Put) when the clock is
	// outside the validity period of a certificate of the chain or of its root.
	ErrExpired = errors.New("certcache: certificate expired or not yet valid")

	// ErrIDMG is returned by Verify when the leaf's subject O is not the IDMG of
	// the root the chain leads to.
	ErrIDMG = errors.New("certcache: leaf O is not the IDMG of its root")

	// ErrUnavailable is returned when Redis cannot be reached or answers with an
	// error.
	ErrUnavailable = errors.New("certcache: store unavailable")

	// ErrConfig is returned by constructors given an invalid configuration.
	ErrConfig = errors.New("certcache: invalid configuration")
)
