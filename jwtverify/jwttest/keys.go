package jwttest

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// PublicJWKS returns a fresh copy of the current public keys, each with "kid",
// "alg" and "use":"sig", oldest first. Changing it does not change the issuer.
func (i *Issuer) PublicJWKS() jwk.Set {
	i.mu.RLock()
	keys := append([]*key(nil), i.keys...)
	i.mu.RUnlock()
	set := jwk.NewSet()
	for _, k := range keys {
		pub, err := publicJWK(k)
		if err == nil {
			err = set.AddKey(pub)
		}
		if err != nil { // checked by AddKey: cannot happen
			i.fail(err)
		}
	}
	return set
}

// PublicKey returns the public key of kid: *rsa.PublicKey, *ecdsa.PublicKey
// or ed25519.PublicKey; nil if the kid is unknown.
func (i *Issuer) PublicKey(kid string) crypto.PublicKey {
	i.mu.RLock()
	defer i.mu.RUnlock()
	if k := i.find(kid); k != nil {
		return k.signer.Public()
	}
	return nil
}

// PublicKeyPEM returns the public key of kid as a PKIX "PUBLIC KEY" PEM block;
// nil if the kid is unknown.
func (i *Issuer) PublicKeyPEM(kid string) []byte {
	pub := i.PublicKey(kid)
	if pub == nil {
		return nil
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil { // RSA, ECDSA and Ed25519 keys always marshal
		i.fail(err)
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// publicJWK builds the public JWK of k with its kid, alg and "use":"sig".
func publicJWK(k *key) (jwk.Key, error) {
	pub, err := jwk.FromRaw(k.signer.Public())
	if err != nil {
		return nil, fmt.Errorf("jwttest: JWK of %q: %w", k.kid, err)
	}
	for name, v := range map[string]any{
		jwk.KeyIDKey:     k.kid,
		jwk.AlgorithmKey: jwa.SignatureAlgorithm(k.alg),
		jwk.KeyUsageKey:  jwk.ForSignature,
	} {
		if err := pub.Set(name, v); err != nil {
			return nil, fmt.Errorf("jwttest: JWK of %q: %w", k.kid, err)
		}
	}
	return pub, nil
}
