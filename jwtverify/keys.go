package jwtverify

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// KeySource supplies the public keys tokens are verified with. StaticKeys,
// RemoteKeys and the profiles' sources implement it; tests may fake it.
//
// A source must return a new jwk.Set when its keys change and never mutate a set
// it has returned: the Verifier prepares each set once and remembers it by identity.
type KeySource interface {
	// Keys returns the current key set. An error means the source is down
	// (the Verifier answers ErrUnavailable), never that a token is bad.
	Keys(ctx context.Context) (jwk.Set, error)
}

// Refresher is implemented by sources that can refetch their keys when a token
// names an unknown kid. Implementations rate-limit themselves (RemoteKeys allows
// one refetch per RefreshCooldown).
type Refresher interface {
	// Refresh returns a key set fetched again if the source allows it now, or
	// the current one; an error means the source is down.
	Refresh(ctx context.Context) (jwk.Set, error)
}

// Size limits for keys: below minRSABits is breakable, above maxRSABits is a
// denial-of-service lever (verification cost grows with the modulus).
const (
	minRSABits   = 2048
	maxRSABits   = 8192
	maxRSAExp    = 1<<31 - 1
	minHMACBytes = 32
)

// StaticKeys is a KeySource over a fixed set of keys, checked when built.
type StaticKeys struct {
	set jwk.Set
}

// NewStaticKeys builds a key source from any mix of jwk.Set, jwk.Key,
// *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey, *x509.Certificate and PEM
// bytes (PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE blocks, any number). Private
// crypto keys are refused (ErrConfig): pass the public half.
//
// The rule for unusable keys is RemoteKeys's (RFC 7517 §5): a key that fails the
// checks (an RSA key under 2048 bits, a published private JWK, an unsupported
// curve, …) is kept out of use, not fatal. The Verifier logs each one and refuses
// a token naming it with ErrWeakKey; keys marked for another use than signatures
// ("use":"enc", key_ops without "verify") are left out. NewStaticKeys fails
// (ErrWeakKey, or ErrConfig for an empty input) only when no usable key is left.
//
//	keys, err := jwtverify.NewStaticKeys(pemBytes)
func NewStaticKeys(keys ...any) (*StaticKeys, error) {
	set := jwk.NewSet()
	var weak error
	for _, k := range keys {
		jks, err := toJWKs(k)
		if errors.Is(err, ErrWeakKey) {
			weak = cmp.Or(weak, err) // a key jwx cannot hold (P-224, say): left out
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, jk := range jks {
			if _, err := prepareJWK(jk); errors.Is(err, errNotForSignatures) {
				continue // an encryption key of a mixed JWKS: not ours to use
			}
			if err := set.AddKey(jk); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrConfig, err)
			}
		}
	}
	if set.Len() == 0 && weak != nil {
		return nil, weak
	}
	if set.Len() == 0 {
		return nil, fmt.Errorf("%w: no signature keys", ErrConfig)
	}
	if err := usable(set); err != nil {
		return nil, err
	}
	return &StaticKeys{set: set}, nil
}

// NewHMACKey returns a source holding one symmetric secret, for issuers that sign
// with a shared secret (e.g. an OpenID provider using HS256 keyed by the client
// secret). The Verifier uses it only when Config.Algorithms lists an HS algorithm;
// a secret under 32 bytes is refused.
func NewHMACKey(secret []byte, kid string) (*StaticKeys, error) {
	if len(secret) < minHMACBytes {
		return nil, fmt.Errorf("%w: HMAC secret of %d bytes, want at least %d", ErrWeakKey, len(secret), minHMACBytes)
	}
	jk, err := jwk.FromRaw(append([]byte(nil), secret...))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if kid != "" {
		_ = jk.Set(jwk.KeyIDKey, kid)
	}
	set := jwk.NewSet()
	_ = set.AddKey(jk)
	return &StaticKeys{set: set}, nil
}

// Keys returns the fixed set.
func (s *StaticKeys) Keys(context.Context) (jwk.Set, error) { return s.set, nil }

func toJWKs(k any) ([]jwk.Key, error) {
	switch k := k.(type) {
	case jwk.Set:
		out := make([]jwk.Key, 0, k.Len())
		for i := 0; i < k.Len(); i++ {
			jk, _ := k.Key(i)
			out = append(out, jk)
		}
		return out, nil
	case jwk.Key:
		return []jwk.Key{k}, nil
	case []byte:
		return pemKeys(k)
	case string:
		return pemKeys([]byte(k))
	case *x509.Certificate:
		return toJWKs(k.PublicKey)
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		if r, ok := k.(*rsa.PublicKey); ok && (r == nil || r.N == nil) {
			return nil, fmt.Errorf("%w: empty RSA key", ErrWeakKey)
		}
		jk, err := jwk.FromRaw(k)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrWeakKey, err)
		}
		return []jwk.Key{jk}, nil
	case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
		return nil, fmt.Errorf("%w: got a %T; pass its public key", ErrConfig, k)
	}
	return nil, fmt.Errorf("%w: unsupported key type %T", ErrConfig, k)
}

// pemKeys reads every PUBLIC KEY, RSA PUBLIC KEY and CERTIFICATE block.
func pemKeys(data []byte) ([]jwk.Key, error) {
	var out []jwk.Key
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		var pub any
		var err error
		switch b.Type {
		case "PUBLIC KEY":
			pub, err = x509.ParsePKIXPublicKey(b.Bytes)
		case "RSA PUBLIC KEY":
			pub, err = x509.ParsePKCS1PublicKey(b.Bytes)
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(b.Bytes); err == nil {
				pub = c.PublicKey
			}
		default:
			return nil, fmt.Errorf("%w: PEM block %q is not a public key or certificate", ErrConfig, b.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: PEM %s: %w", ErrConfig, b.Type, err)
		}
		jks, err := toJWKs(pub)
		if err != nil {
			return nil, err
		}
		out = append(out, jks...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no PEM public key found", ErrConfig)
	}
	return out, nil
}

// preparedKey is a checked key in the form the algorithms use.
type preparedKey struct {
	kid    string
	alg    string // the JWK's own alg, "" if none
	kty    keyType
	curve  string
	rsa    *rsa.PublicKey
	ec     *ecdsa.PublicKey
	ed     ed25519.PublicKey
	secret []byte
}

// errNotForSignatures marks keys that are skipped rather than refused.
var errNotForSignatures = errors.New("key is not for signatures")

// prepareJWK checks one JWK and converts it for verification.
func prepareJWK(jk jwk.Key) (*preparedKey, error) {
	if use := jk.KeyUsage(); use != "" && use != "sig" {
		return nil, errNotForSignatures
	}
	if ops := jk.KeyOps(); len(ops) > 0 && !hasVerifyOp(ops) {
		return nil, errNotForSignatures
	}
	pk := &preparedKey{kid: jk.KeyID(), alg: jk.Algorithm().String()}
	if why, ok := jk.Get(refusedParam); ok {
		return nil, fmt.Errorf("%w: key %s: %v", ErrWeakKey, quote(pk.kid), why)
	}
	switch jk.(type) {
	case jwk.RSAPrivateKey, jwk.ECDSAPrivateKey, jwk.OKPPrivateKey:
		// A published private key means anyone can sign with it.
		return nil, fmt.Errorf("%w: key %s is a private key", ErrWeakKey, quote(pk.kid))
	}
	raw, err := jwk.PublicRawKeyOf(jk)
	if err != nil {
		return nil, fmt.Errorf("%w: key %s: %w", ErrWeakKey, quote(pk.kid), err)
	}
	switch k := raw.(type) {
	case *rsa.PublicKey:
		err = checkRSA(k)
		pk.kty, pk.rsa = ktyRSA, k
	case *ecdsa.PublicKey:
		pk.curve, err = checkEC(k)
		pk.kty, pk.ec = ktyEC, k
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			err = fmt.Errorf("Ed25519 key of %d bytes", len(k))
		}
		pk.kty, pk.ed = ktyOKP, k
	case []byte:
		if len(k) < minHMACBytes {
			err = fmt.Errorf("HMAC secret of %d bytes", len(k))
		}
		pk.kty, pk.secret = ktyOct, k
	default:
		err = fmt.Errorf("unsupported key type %T", raw)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: key %s: %w", ErrWeakKey, quote(pk.kid), err)
	}
	return pk, nil
}

func hasVerifyOp(ops jwk.KeyOperationList) bool {
	for _, op := range ops {
		if op == jwk.KeyOpVerify {
			return true
		}
	}
	return false
}

func checkRSA(k *rsa.PublicKey) error {
	if k.N == nil || k.N.BitLen() < minRSABits {
		return fmt.Errorf("RSA modulus under %d bits", minRSABits)
	}
	if k.N.BitLen() > maxRSABits {
		return fmt.Errorf("RSA modulus over %d bits", maxRSABits)
	}
	if k.E < 3 || k.E%2 == 0 || k.E > maxRSAExp {
		return fmt.Errorf("RSA exponent %d is not an odd number in [3, 2^31)", k.E)
	}
	return nil
}

func checkEC(k *ecdsa.PublicKey) (string, error) {
	var crv string
	switch k.Curve {
	case elliptic.P256():
		crv = "P-256"
	case elliptic.P384():
		crv = "P-384"
	case elliptic.P521():
		crv = "P-521"
	default:
		return "", fmt.Errorf("unsupported curve")
	}
	if _, err := k.ECDH(); err != nil { // refuses points off the curve
		return "", fmt.Errorf("invalid %s point: %v", crv, err)
	}
	return crv, nil
}

// refusedParam marks a placeholder key made by RefusedKey.
const refusedParam = "x-sesame-refused"

// RefusedKey is a placeholder for a key a document names but that cannot be
// used (a weak key, a private key, an entry that does not parse): a
// KeyDecoder of another format than JWKS adds it under the key's kid, so that
// a token naming that kid is refused with ErrWeakKey, exactly as a token
// naming an unusable key of a JWKS, and not with a misleading ErrUnknownKey.
// It is never used to verify anything.
func RefusedKey(kid string, why error) jwk.Key {
	k, _ := jwk.FromRaw([]byte{0}) // a one-byte secret: refused even if the mark were lost
	_ = k.Set(jwk.KeyIDKey, kid)
	_ = k.Set(refusedParam, fmt.Sprint(why))
	return k
}
