package jwttest

import (
	"encoding/json"
	"fmt"
)

// Option changes how Mint builds a token.
type Option func(*mintConfig)

// mintConfig collects the Options of one Mint call.
type mintConfig struct {
	alg    string
	kid    string
	header []func(map[string]any) // applied in order, after the key is chosen
}

// WithAlg signs with alg (default RS256, or the key's alg with WithKid):
// RS256/RS384/RS512/PS256/PS384/PS512 use the RSA key, ES256/ES384/ES512 the
// EC key and EdDSA the Ed25519 key.
func WithAlg(alg string) Option {
	return func(c *mintConfig) { c.alg = alg }
}

// WithKid signs with the key of kid, whatever its type.
func WithKid(kid string) Option {
	return func(c *mintConfig) { c.kid = kid }
}

// WithHeader sets the header member name to v, after the signing key and alg
// are chosen: WithHeader("alg", "none") or WithHeader("kid", "other") change
// the header only, not the signature. A nil v is written as JSON null.
func WithHeader(name string, v any) Option {
	return func(c *mintConfig) {
		c.header = append(c.header, func(h map[string]any) { h[name] = v })
	}
}

// WithoutHeader removes the header member name.
func WithoutHeader(name string) Option {
	return func(c *mintConfig) {
		c.header = append(c.header, func(h map[string]any) { delete(h, name) })
	}
}

// WithoutKid omits "kid" from the header.
func WithoutKid() Option { return WithoutHeader("kid") }

// WithoutTyp omits "typ" from the header.
func WithoutTyp() Option { return WithoutHeader("typ") }

// Mint signs claims, marshalled by encoding/json, and returns the compact
// token. The header is {"alg","kid","typ":"JWT"}; without WithKid the key is
// the newest one of the type alg needs. On error Mint fails the test for
// issuers made by Start and returns "" for those made by New; MintE
// returns the error, and is the form to use outside the test goroutine.
func (i *Issuer) Mint(claims map[string]any, opts ...Option) string {
	if i.tb != nil {
		i.tb.Helper()
	}
	tok, err := i.MintE(claims, opts...)
	if err != nil {
		i.fail(err)
	}
	return tok
}

// MintE is Mint returning its error.
func (i *Issuer) MintE(claims map[string]any, opts ...Option) (string, error) {
	var c mintConfig
	for _, o := range opts {
		o(&c)
	}
	k, alg, err := i.chooseKey(c.kid, c.alg)
	if err != nil {
		return "", err
	}
	h := map[string]any{"alg": alg, "typ": "JWT", "kid": k.kid}
	for _, set := range c.header {
		set(h)
	}
	header, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("jwttest: marshal header: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("jwttest: marshal claims: %w", err)
	}
	return signCompact(k.signer, alg, header, payload)
}

// chooseKey returns the signing key and alg for the kid and alg asked for,
// either of which may be empty.
func (i *Issuer) chooseKey(kid, alg string) (*key, string, error) {
	i.mu.RLock()
	defer i.mu.RUnlock()
	if kid != "" {
		k := i.find(kid)
		if k == nil {
			return nil, "", fmt.Errorf("%w: %q", ErrUnknownKid, kid)
		}
		if alg == "" {
			alg = k.alg
		}
		return k, alg, nil
	}
	if alg == "" {
		alg = "RS256"
	}
	spec, err := lookupAlg(alg)
	if err != nil {
		return nil, "", err
	}
	k := i.defaultKey(spec.family)
	if k == nil {
		return nil, "", fmt.Errorf("%w: %s (use SignHMAC for HMAC)", ErrNoKey, alg)
	}
	return k, alg, nil
}
