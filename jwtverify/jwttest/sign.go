package jwttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"math/big"
)

// family is the kind of key an algorithm signs with.
type family int

const (
	famRSA family = iota + 1
	famEC
	famEd25519
	famHMAC
)

// algSpec describes how to sign for one JWS "alg" value.
type algSpec struct {
	family family
	hash   crypto.Hash // zero for EdDSA
	pss    bool
}

// lookupAlg returns the signing recipe for alg.
func lookupAlg(alg string) (algSpec, error) {
	switch alg {
	case "RS256", "RS384", "RS512":
		return algSpec{family: famRSA, hash: shaFor(alg[2:])}, nil
	case "PS256", "PS384", "PS512":
		return algSpec{family: famRSA, hash: shaFor(alg[2:]), pss: true}, nil
	case "ES256", "ES384", "ES512":
		return algSpec{family: famEC, hash: shaFor(alg[2:])}, nil
	case "HS256", "HS384", "HS512":
		return algSpec{family: famHMAC, hash: shaFor(alg[2:])}, nil
	case "EdDSA":
		return algSpec{family: famEd25519}, nil
	}
	return algSpec{}, fmt.Errorf("%w: %q", ErrUnsupportedAlg, alg)
}

// shaFor maps "256", "384" and "512" to the matching SHA-2 hash.
func shaFor(bits string) crypto.Hash {
	switch bits {
	case "384":
		return crypto.SHA384
	case "512":
		return crypto.SHA512
	}
	return crypto.SHA256
}

// familyOf returns the family of a public key.
func familyOf(pub crypto.PublicKey) (family, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		return famRSA, nil
	case *ecdsa.PublicKey:
		return famEC, nil
	case ed25519.PublicKey:
		return famEd25519, nil
	}
	return 0, fmt.Errorf("%w: %T", ErrUnsupportedKey, pub)
}

// Raw builds a compact token from exact segments:
// base64url(header) "." base64url(payload) "." base64url(signature), without
// padding. Nothing is checked or re-encoded, so Raw can produce tokens with bad
// JSON, duplicate member names, invalid UTF-8 or a wrong signature. A nil or
// empty signature gives a token ending with ".".
func Raw(header, payload, signature []byte) string {
	return signingInput(header, payload) + "." + base64.RawURLEncoding.EncodeToString(signature)
}

// signingInput is the JWS signing input of the exact header and payload bytes.
func signingInput(header, payload []byte) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
}

// SignRaw signs the exact header and payload bytes with the key of kid using
// alg, and returns the compact token. The header is not inspected: it may say
// "alg":"none", carry duplicate names or be invalid JSON, and still be validly
// signed. alg must fit the key type (ErrAlgKeyMismatch otherwise).
func (i *Issuer) SignRaw(kid, alg string, header, payload []byte) (string, error) {
	i.mu.RLock()
	k := i.find(kid)
	i.mu.RUnlock()
	if k == nil {
		return "", fmt.Errorf("%w: %q", ErrUnknownKid, kid)
	}
	return signCompact(k.signer, alg, header, payload)
}

// SignHMAC makes a token signed with HMAC (alg HS256, HS384 or HS512) over the
// exact header and payload bytes. It exists for key-confusion attack tests:
// sign with PublicKeyPEM(KidRSA) as the secret and a header saying HS256.
func SignHMAC(alg string, secret []byte, header, payload []byte) (string, error) {
	spec, err := lookupAlg(alg)
	if err != nil {
		return "", err
	}
	if spec.family != famHMAC {
		return "", fmt.Errorf("%w: %q is not an HMAC alg", ErrAlgKeyMismatch, alg)
	}
	in := signingInput(header, payload)
	mac := hmac.New(spec.hash.New, secret)
	mac.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

// signCompact signs header and payload with signer and returns the token.
func signCompact(signer crypto.Signer, alg string, header, payload []byte) (string, error) {
	in := signingInput(header, payload)
	sig, err := sign(signer, alg, []byte(in))
	if err != nil {
		return "", err
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// sign returns the JWS signature of input made by signer with alg.
func sign(signer crypto.Signer, alg string, input []byte) ([]byte, error) {
	spec, err := lookupAlg(alg)
	if err != nil {
		return nil, err
	}
	pub := signer.Public()
	fam, err := familyOf(pub)
	if err != nil {
		return nil, err
	}
	if fam != spec.family {
		return nil, fmt.Errorf("%w: %s with %T", ErrAlgKeyMismatch, alg, pub)
	}
	if fam == famEd25519 {
		return signer.Sign(rand.Reader, input, crypto.Hash(0))
	}
	h := spec.hash.New()
	h.Write(input)
	digest := h.Sum(nil)
	switch {
	case spec.pss:
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: spec.hash}
		return signer.Sign(rand.Reader, digest, opts)
	case fam == famRSA:
		return signer.Sign(rand.Reader, digest, spec.hash)
	}
	der, err := signer.Sign(rand.Reader, digest, spec.hash)
	if err != nil {
		return nil, err
	}
	return ecdsaRaw(der, pub)
}

// ecdsaRaw converts an ASN.1 ECDSA signature to the JWS form: r || s, each
// left-padded to the curve size.
func ecdsaRaw(der []byte, pub crypto.PublicKey) ([]byte, error) {
	ecPub, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, pub)
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &rs); err != nil {
		return nil, fmt.Errorf("jwttest: parse ECDSA signature: %w", err)
	}
	size := (ecPub.Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}
