package jwttest

import "errors"

// Errors returned by the E-suffixed and error-returning methods. They are meant
// for errors.Is.
var (
	// ErrUnknownKid means no key of the issuer has the requested kid.
	ErrUnknownKid = errors.New("jwttest: unknown kid")
	// ErrDuplicateKid means AddKey was given a kid already in use.
	ErrDuplicateKid = errors.New("jwttest: duplicate kid")
	// ErrUnsupportedAlg means the algorithm is not one jwttest can sign with.
	ErrUnsupportedAlg = errors.New("jwttest: unsupported alg")
	// ErrUnsupportedKey means the key type is not RSA, ECDSA or Ed25519.
	ErrUnsupportedKey = errors.New("jwttest: unsupported key type")
	// ErrAlgKeyMismatch means the algorithm needs another type of key
	// (for example ES256 with an RSA key).
	ErrAlgKeyMismatch = errors.New("jwttest: alg does not match key type")
	// ErrNoKey means the issuer holds no key of the type the algorithm needs.
	ErrNoKey = errors.New("jwttest: no key for alg")
)
