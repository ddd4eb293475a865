package jwttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Key ids of the default keys created by Start and New.
const (
	KidRSA     = "rsa-1" // RSA-2048, alg RS256
	KidEC      = "ec-1"  // P-256, alg ES256
	KidEd25519 = "ed-1"  // Ed25519, alg EdDSA
)

// Issuer is a token issuer for tests: it holds signing keys, mints tokens and
// publishes its public keys as a JWKS. It is safe for concurrent use.
type Issuer struct {
	tb testing.TB // nil for issuers made by New

	mu   sync.RWMutex
	keys []*key          // insertion order: the newest key is last
	used map[string]bool // every kid ever held, so Rotate never reuses one
}

// key is one signing key of an Issuer.
type key struct {
	kid     string
	alg     string
	signer  crypto.Signer
	family  family
	managed bool // made by Start, New or Rotate: a candidate default signing key
}

// Start creates an issuer with fresh RSA-2048, P-256 and Ed25519 keys under the
// kids KidRSA, KidEC and KidEd25519; their public JWKs carry "kid", "alg" and
// "use":"sig". Mint fails the test on error, and servers started with Serve or
// ServeTLS are closed in tb.Cleanup. Key generation costs about 100 ms: share
// one Issuer between subtests.
func Start(tb testing.TB) *Issuer {
	tb.Helper()
	i, err := newIssuer(tb)
	if err != nil {
		tb.Fatal(err)
	}
	return i
}

// New is Start without a testing.TB, for benchmarks, examples and
// programs. Mint returns "" on error (use MintE to see it), and the caller
// closes the servers it starts.
func New() (*Issuer, error) {
	return newIssuer(nil)
}

// newIssuer makes an issuer with the three default keys.
func newIssuer(tb testing.TB) (*Issuer, error) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("jwttest: generate RSA key: %w", err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("jwttest: generate EC key: %w", err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("jwttest: generate Ed25519 key: %w", err)
	}
	i := &Issuer{tb: tb, used: map[string]bool{}}
	for _, k := range []struct {
		kid, alg string
		signer   crypto.Signer
	}{{KidRSA, "RS256", rsaKey}, {KidEC, "ES256", ecKey}, {KidEd25519, "EdDSA", edKey}} {
		if err := i.addKey(k.kid, k.signer, k.alg, true); err != nil {
			return nil, err
		}
	}
	return i, nil
}

// AddKey adds a signing key under kid, published in the JWKS with alg. The key
// must be RSA, ECDSA or Ed25519 and fit alg, but its size is not checked, so a
// 1024-bit RSA key can be added for attack tests. Added keys sign only when
// named with WithKid, unless no key made by New or Rotate of their type is left.
func (i *Issuer) AddKey(kid string, key crypto.Signer, alg string) error {
	return i.addKey(kid, key, alg, false)
}

// addKey checks and appends a key.
func (i *Issuer) addKey(kid string, signer crypto.Signer, alg string, managed bool) error {
	if kid == "" || signer == nil {
		return errors.New("jwttest: AddKey needs a kid and a key")
	}
	spec, err := lookupAlg(alg)
	if err != nil {
		return err
	}
	fam, err := familyOf(signer.Public())
	if err != nil {
		return err
	}
	if fam != spec.family {
		return fmt.Errorf("%w: %s with %T", ErrAlgKeyMismatch, alg, signer.Public())
	}
	k := &key{kid: kid, alg: alg, signer: signer, family: fam, managed: managed}
	if _, err := publicJWK(k); err != nil {
		return err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.find(kid) != nil {
		return fmt.Errorf("%w: %q", ErrDuplicateKid, kid)
	}
	i.keys = append(i.keys, k)
	i.used[kid] = true
	return nil
}

// RemoveKey removes the key kid from the issuer and its published JWKS.
// Unknown kids are ignored.
func (i *Issuer) RemoveKey(kid string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for n, k := range i.keys {
		if k.kid == kid {
			i.keys = append(i.keys[:n:n], i.keys[n+1:]...)
			return
		}
	}
}

// Rotate replaces the key kid with a fresh key of the same type and size under
// a new kid ("rsa-1" becomes "rsa-2"), removes the old key from the published
// JWKS and returns the new kid. Mint without WithKid then uses the new key. On
// error (unknown kid) Rotate fails the test, or returns "" for New-made
// issuers; RotateE returns the error.
func (i *Issuer) Rotate(kid string) string {
	newKid, err := i.RotateE(kid)
	if err != nil {
		i.fail(err)
	}
	return newKid
}

// RotateE is Rotate returning its error.
func (i *Issuer) RotateE(kid string) (string, error) {
	i.mu.RLock()
	old := i.find(kid)
	i.mu.RUnlock()
	if old == nil {
		return "", fmt.Errorf("%w: %q", ErrUnknownKid, kid)
	}
	signer, err := freshLike(old.signer.Public())
	if err != nil {
		return "", err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.find(kid) != old {
		return "", fmt.Errorf("%w: %q removed during Rotate", ErrUnknownKid, kid)
	}
	k := *old
	k.kid, k.signer = i.nextKid(kid), signer
	i.used[k.kid] = true
	for n := range i.keys {
		if i.keys[n] == old {
			i.keys = append(i.keys[:n:n], i.keys[n+1:]...)
			break
		}
	}
	i.keys = append(i.keys, &k)
	return k.kid, nil
}

// freshLike generates a new private key of the same type and size as pub.
func freshLike(pub crypto.PublicKey) (crypto.Signer, error) {
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		return rsa.GenerateKey(rand.Reader, pub.N.BitLen())
	case *ecdsa.PublicKey:
		return ecdsa.GenerateKey(pub.Curve, rand.Reader)
	case ed25519.PublicKey:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, pub)
}

// nextKid returns the first unused kid after kid: "rsa-1" gives "rsa-2",
// "main" gives "main-2". Callers hold i.mu.
func (i *Issuer) nextKid(kid string) string {
	base, n := kid, 1
	if cut := strings.LastIndexByte(kid, '-'); cut >= 0 {
		if v, err := strconv.Atoi(kid[cut+1:]); err == nil && v > 0 {
			base, n = kid[:cut], v
		}
	}
	for {
		n++
		if next := base + "-" + strconv.Itoa(n); !i.used[next] {
			return next
		}
	}
}

// find returns the key kid, or nil. Callers hold i.mu.
func (i *Issuer) find(kid string) *key {
	for _, k := range i.keys {
		if k.kid == kid {
			return k
		}
	}
	return nil
}

// defaultKey returns the newest key made by New or Rotate of the family, else
// the newest key of the family, else nil. Callers hold i.mu.
func (i *Issuer) defaultKey(fam family) *key {
	var fallback *key
	for n := len(i.keys) - 1; n >= 0; n-- {
		k := i.keys[n]
		if k.family != fam {
			continue
		}
		if k.managed {
			return k
		}
		if fallback == nil {
			fallback = k
		}
	}
	return fallback
}

// fail reports err through the issuer's testing.TB, if it has one.
func (i *Issuer) fail(err error) {
	if i.tb != nil {
		i.tb.Helper()
		i.tb.Fatal(err)
	}
}
