package jwttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// DPoPKey is a DPoP client's key pair (RFC 9449): it makes proofs, good and
// deliberately broken, and the cnf claim that binds a token to it.
//
//	key, _ := jwttest.NewDPoPKey("ES256")
//	c := jwttest.AccessClaims(issuer, "alice", resource, "app")
//	c["cnf"] = key.Confirmation()
//	tok := iss.MintAccessToken(c)
//	proof, _ := key.Proof("GET", "https://api.test/orders", tok)
//	r.Header.Set("Authorization", "DPoP "+tok)
//	r.Header.Set("DPoP", proof)
type DPoPKey struct {
	alg    string
	signer crypto.Signer
	jkt    string
}

// NewDPoPKey makes a fresh key for alg: ES256, ES384 or ES512 (the matching
// curve), EdDSA (Ed25519), or RS256, PS256 and the other RSA algorithms
// (2048 bits).
func NewDPoPKey(alg string) (*DPoPKey, error) {
	spec, err := lookupAlg(alg)
	if err != nil {
		return nil, err
	}
	var signer crypto.Signer
	switch spec.family {
	case famEC:
		curve := map[crypto.Hash]elliptic.Curve{crypto.SHA256: elliptic.P256(), crypto.SHA384: elliptic.P384(), crypto.SHA512: elliptic.P521()}[spec.hash]
		signer, err = ecdsa.GenerateKey(curve, rand.Reader)
	case famEd25519:
		_, signer, err = ed25519.GenerateKey(rand.Reader)
	case famRSA:
		signer, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		return nil, fmt.Errorf("%w: %s is not for DPoP (asymmetric only)", ErrUnsupportedAlg, alg)
	}
	if err != nil {
		return nil, fmt.Errorf("jwttest: generate DPoP key: %w", err)
	}
	pub, err := jwk.FromRaw(signer.Public())
	if err != nil {
		return nil, fmt.Errorf("jwttest: DPoP JWK: %w", err)
	}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("jwttest: DPoP thumbprint: %w", err)
	}
	return &DPoPKey{alg: alg, signer: signer, jkt: base64.RawURLEncoding.EncodeToString(tp)}, nil
}

// Alg returns the algorithm the key signs proofs with.
func (k *DPoPKey) Alg() string { return k.alg }

// Thumbprint returns the RFC 7638 thumbprint of the public key, base64url
// SHA-256: the cnf.jkt of tokens bound to the key.
func (k *DPoPKey) Thumbprint() string { return k.jkt }

// Confirmation returns the cnf claim binding a token to the key:
// {"jkt": Thumbprint()}.
func (k *DPoPKey) Confirmation() map[string]any { return map[string]any{"jkt": k.jkt} }

// PublicJWK returns the public key as a JWK.
func (k *DPoPKey) PublicJWK() jwk.Key {
	pub, _ := jwk.FromRaw(k.signer.Public()) // checked by NewDPoPKey
	return pub
}

// ProofOption changes how Proof builds a proof, to make the broken ones a
// resource server must refuse.
type ProofOption func(*proofConfig)

// proofConfig collects the ProofOptions of one Proof call.
type proofConfig struct {
	iat     time.Time
	signer  *DPoPKey
	private bool
	header  []func(map[string]any)
	claims  []func(map[string]any)
}

// WithProofTime sets iat (default: now). A time out of the server's window
// makes a stale (or future) proof.
func WithProofTime(t time.Time) ProofOption { return func(c *proofConfig) { c.iat = t } }

// WithProofNonce adds the server nonce (RFC 9449 §9) as the nonce claim.
func WithProofNonce(nonce string) ProofOption { return WithProofClaim("nonce", nonce) }

// WithProofJTI sets jti (default: 128 random bits); two proofs with one jti
// make a replay.
func WithProofJTI(jti string) ProofOption { return WithProofClaim("jti", jti) }

// WithProofClaim sets the claim name to v (nil: JSON null), after the
// defaults: WithProofClaim("ath", "x") makes a wrong ath.
func WithProofClaim(name string, v any) ProofOption {
	return func(c *proofConfig) { c.claims = append(c.claims, func(m map[string]any) { m[name] = v }) }
}

// WithoutProofClaim removes the claim name (jti, htm, htu, iat, ath).
func WithoutProofClaim(name string) ProofOption {
	return func(c *proofConfig) { c.claims = append(c.claims, func(m map[string]any) { delete(m, name) }) }
}

// WithProofHeader sets the header member name to v, after the defaults
// (typ dpop+jwt, alg, jwk); the signature is still made with the key's own
// algorithm, or with HMAC (secret: the thumbprint) when alg says HS256,
// HS384 or HS512.
func WithProofHeader(name string, v any) ProofOption {
	return func(c *proofConfig) { c.header = append(c.header, func(m map[string]any) { m[name] = v }) }
}

// WithoutProofHeader removes the header member name (typ, alg, jwk).
func WithoutProofHeader(name string) ProofOption {
	return func(c *proofConfig) { c.header = append(c.header, func(m map[string]any) { delete(m, name) }) }
}

// WithPrivateJWK puts the private key in the header's jwk, as a careless
// client would.
func WithPrivateJWK() ProofOption { return func(c *proofConfig) { c.private = true } }

// WithProofSigner signs with other's private key while the header keeps
// this key's jwk: the signature does not verify.
func WithProofSigner(other *DPoPKey) ProofOption { return func(c *proofConfig) { c.signer = other } }

// Proof returns a DPoP proof for a request: header {typ: dpop+jwt, alg, jwk},
// claims jti (random), htm method, htu url (as given: strip the query
// yourself, or leave it to test the server), iat now, and ath, the base64url
// SHA-256 of token, when token is not "".
func (k *DPoPKey) Proof(method, url, token string, opts ...ProofOption) (string, error) {
	c := proofConfig{iat: time.Now(), signer: k}
	for _, o := range opts {
		o(&c)
	}
	jwkKey := any(k.signer.Public())
	if c.private {
		jwkKey = k.signer
	}
	j, err := jwk.FromRaw(jwkKey)
	if err != nil {
		return "", fmt.Errorf("jwttest: DPoP JWK: %w", err)
	}
	h := map[string]any{"typ": "dpop+jwt", "alg": k.alg, "jwk": j}
	claims := map[string]any{"jti": rand.Text(), "htm": method, "htu": url, "iat": c.iat.Unix()}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	for _, set := range c.header {
		set(h)
	}
	for _, set := range c.claims {
		set(claims)
	}
	header, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("jwttest: marshal DPoP header: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("jwttest: marshal DPoP claims: %w", err)
	}
	if alg, _ := h["alg"].(string); strings.HasPrefix(alg, "HS") {
		return SignHMAC(alg, []byte(k.jkt), header, payload)
	}
	return signCompact(c.signer.signer, c.signer.alg, header, payload)
}
