package jwtverify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"math/big"
)

// keyType is the kind of key an algorithm needs.
type keyType uint8

const (
	ktyRSA keyType = iota + 1
	ktyEC
	ktyOKP
	ktyOct
)

func (k keyType) String() string {
	switch k {
	case ktyRSA:
		return "RSA"
	case ktyEC:
		return "EC"
	case ktyOKP:
		return "OKP"
	case ktyOct:
		return "oct"
	}
	return "unknown"
}

// algorithm is one JWA signature algorithm this package implements.
type algorithm struct {
	name  string
	kty   keyType
	hash  crypto.Hash // zero for EdDSA
	pss   bool
	curve string // EC only: the crv the key must have
}

// Algorithm describes a JWA signature algorithm Sesame implements: the one
// table every package asks (oidc's registered algorithms, at_hash, the
// profiles' aliases).
type Algorithm struct {
	// Name is the JWA name, e.g. "ES256".
	Name string
	// KeyType is the JWK kty of the key it needs: "RSA", "EC", "OKP" or "oct".
	KeyType string
	// Curve is the crv an EC key must have ("P-256", …); "" otherwise.
	Curve string
	// Symmetric is true for the HMAC algorithms (HS256, HS384, HS512).
	Symmetric bool
	// TokenHash is the hash whose left half makes an OpenID Connect at_hash or
	// c_hash: the algorithm's own hash, and SHA-512 for EdDSA (Ed25519).
	TokenHash crypto.Hash
}

// LookupAlgorithm returns the algorithm of that exact JWA name; ok is false
// for "none" and every name Sesame does not implement.
//
//	a, ok := jwtverify.LookupAlgorithm("ES256") // a.TokenHash == crypto.SHA256
func LookupAlgorithm(name string) (a Algorithm, ok bool) {
	alg, ok := lookupAlg(name)
	if !ok {
		return Algorithm{}, false
	}
	h := alg.hash
	if alg.kty == ktyOKP {
		h = crypto.SHA512
	}
	return Algorithm{Name: alg.name, KeyType: alg.kty.String(), Curve: alg.curve, Symmetric: alg.kty == ktyOct, TokenHash: h}, true
}

// lookupAlg returns the JWA algorithm of that exact name. "none" and anything not
// listed here are not algorithms.
func lookupAlg(name string) (algorithm, bool) {
	switch name {
	case "RS256":
		return algorithm{name, ktyRSA, crypto.SHA256, false, ""}, true
	case "RS384":
		return algorithm{name, ktyRSA, crypto.SHA384, false, ""}, true
	case "RS512":
		return algorithm{name, ktyRSA, crypto.SHA512, false, ""}, true
	case "PS256":
		return algorithm{name, ktyRSA, crypto.SHA256, true, ""}, true
	case "PS384":
		return algorithm{name, ktyRSA, crypto.SHA384, true, ""}, true
	case "PS512":
		return algorithm{name, ktyRSA, crypto.SHA512, true, ""}, true
	case "ES256":
		return algorithm{name, ktyEC, crypto.SHA256, false, "P-256"}, true
	case "ES384":
		return algorithm{name, ktyEC, crypto.SHA384, false, "P-384"}, true
	case "ES512":
		return algorithm{name, ktyEC, crypto.SHA512, false, "P-521"}, true
	case "EdDSA":
		return algorithm{name, ktyOKP, 0, false, ""}, true
	case "HS256":
		return algorithm{name, ktyOct, crypto.SHA256, false, ""}, true
	case "HS384":
		return algorithm{name, ktyOct, crypto.SHA384, false, ""}, true
	case "HS512":
		return algorithm{name, ktyOct, crypto.SHA512, false, ""}, true
	}
	return algorithm{}, false
}

// fits reports whether key k may verify a signature of algorithm a: same key type,
// same curve, and the key's own alg (when it has one) equal to a. This is the check
// jwx v2 skips when the key carries an alg.
func (a algorithm) fits(k *preparedKey) error {
	if k.kty != a.kty {
		return fmt.Errorf("%w: %s needs an %s key, key %s is %s", ErrAlgorithm, a.name, a.kty, quote(k.kid), k.kty)
	}
	if a.curve != "" && k.curve != a.curve {
		return fmt.Errorf("%w: %s needs curve %s, key %s is %s", ErrAlgorithm, a.name, a.curve, quote(k.kid), k.curve)
	}
	if k.alg != "" && k.alg != a.name {
		return fmt.Errorf("%w: token alg %s, key %s is for %s", ErrAlgorithm, a.name, quote(k.kid), quote(k.alg))
	}
	if a.kty == ktyOct && len(k.secret) < a.hash.Size() {
		return fmt.Errorf("%w: %s secret of %d bytes", ErrWeakKey, a.name, len(k.secret))
	}
	return nil
}

// verify checks sig over input with key k. fits must have passed.
func (a algorithm) verify(k *preparedKey, input []byte, sig []byte) bool {
	switch a.kty {
	case ktyOKP:
		return len(sig) == ed25519.SignatureSize && ed25519.Verify(k.ed, input, sig)
	case ktyOct:
		m := hmac.New(a.hash.New, k.secret)
		m.Write(input)
		return hmac.Equal(m.Sum(nil), sig)
	}
	digest := hashOf(a.hash, input)
	switch a.kty {
	case ktyRSA:
		if a.pss {
			return rsa.VerifyPSS(k.rsa, a.hash, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		}
		return rsa.VerifyPKCS1v15(k.rsa, a.hash, digest, sig) == nil
	case ktyEC:
		size := (k.ec.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return false
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(k.ec, digest, r, s)
	}
	return false
}

func hashOf(h crypto.Hash, input []byte) []byte {
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(input)
		return d[:]
	case crypto.SHA384:
		d := sha512.Sum384(input)
		return d[:]
	default:
		d := sha512.Sum512(input)
		return d[:]
	}
}
