package googlecse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sesame-go/sesame/internal/remote"
	"github.com/sesame-go/sesame/jwtverify"
)

// maxConfigBody bounds a cse-configuration or discovery document.
const maxConfigBody = 64 << 10

// cseConfiguration is an IdP's .well-known/cse-configuration.
type cseConfiguration struct {
	Name         string `json:"name"`
	ClientID     string `json:"client_id"`
	DiscoveryURI string `json:"discovery_uri"`
	GrantType    string `json:"grant_type,omitempty"`
	Applications map[string]struct {
		ClientID string `json:"client_id"`
	} `json:"applications,omitempty"`

	auds   []string // client_id and the applications' client ids
	audKey string   // auds joined, the verifier cache key
}

// audiences computes the client ids the IdP's tokens may name.
func (c *cseConfiguration) audiences() {
	c.auds = []string{c.ClientID}
	for _, a := range c.Applications {
		if a.ClientID != "" && !slices.Contains(c.auds, a.ClientID) {
			c.auds = append(c.auds, a.ClientID)
		}
	}
	slices.Sort(c.auds[1:])
	c.audKey = strings.Join(c.auds, "\x00")
}

// discoveryDocument is the part of an OpenID discovery document used here.
type discoveryDocument struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
}

// decodeCSEConfiguration parses and checks a cse-configuration.
func decodeCSEConfiguration(allowHTTP bool) remote.Decoder[*cseConfiguration] {
	return func(body []byte) (*cseConfiguration, error) {
		var c cseConfiguration
		if err := json.Unmarshal(body, &c); err != nil {
			return nil, fmt.Errorf("%w: cse-configuration: %w", ErrIdPConfiguration, err)
		}
		if c.ClientID == "" {
			return nil, fmt.Errorf("%w: cse-configuration has no client_id", ErrIdPConfiguration)
		}
		if err := checkURL("discovery_uri", c.DiscoveryURI, allowHTTP); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrIdPConfiguration, err)
		}
		c.audiences()
		return &c, nil
	}
}

// decodeDiscovery parses and checks a discovery document.
func decodeDiscovery(allowHTTP bool) remote.Decoder[*discoveryDocument] {
	return func(body []byte) (*discoveryDocument, error) {
		var d discoveryDocument
		if err := json.Unmarshal(body, &d); err != nil {
			return nil, fmt.Errorf("%w: discovery document: %w", ErrIdPConfiguration, err)
		}
		if d.Issuer == "" {
			return nil, fmt.Errorf("%w: discovery document has no issuer", ErrIdPConfiguration)
		}
		if err := checkURL("jwks_uri", d.JWKSURI, allowHTTP); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrIdPConfiguration, err)
		}
		return &d, nil
	}
}

// remoteConfig is the engine configuration shared by every document.
func (v *Verifier) remoteConfig(what string) remote.Config {
	return remote.Config{
		HTTPClient: v.cfg.HTTPClient, InsecureAllowHTTP: v.cfg.InsecureAllowHTTP, Accept: "application/json",
		What: what, MaxBodySize: maxConfigBody, Timeout: v.cfg.Timeout, Cooldown: v.cfg.RefreshCooldown,
		Now: v.cfg.Now, Logger: v.cfg.Logger,
		Errors: remote.Errors{Unavailable: ErrUnavailable, TooLarge: ErrIdPConfiguration, Redirect: ErrIdPConfiguration},
	}
}

// keySource returns the shared key source of a JWKS URL, made on first use.
func (v *Verifier) keySource(u string) (*jwtverify.RemoteKeys, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if k, ok := v.keys[u]; ok {
		return k, nil
	}
	k, err := jwtverify.NewRemoteJWKS(u, jwtverify.RemoteKeysConfig{
		HTTPClient: v.cfg.HTTPClient, InsecureAllowHTTP: v.cfg.InsecureAllowHTTP, Timeout: v.cfg.Timeout,
		RefreshCooldown: v.cfg.RefreshCooldown, Now: v.cfg.Now, Logger: v.cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: keys at %s: %w", ErrIdPConfiguration, quote(u), err)
	}
	v.keys[u] = k
	return k, nil
}

// cseConfiguration returns the IdP configuration at u.
func (v *Verifier) cseConfiguration(ctx context.Context, u string) (*cseConfiguration, error) {
	v.mu.Lock()
	c, ok := v.cseConfs[u]
	if !ok {
		var err error
		if c, err = remote.New(u, decodeCSEConfiguration(v.cfg.InsecureAllowHTTP), v.remoteConfig("cse-configuration")); err != nil {
			v.mu.Unlock()
			return nil, fmt.Errorf("%w: %w", ErrIdPConfiguration, err)
		}
		v.cseConfs[u] = c
	}
	v.mu.Unlock()
	return c.Get(ctx)
}

// discoveryDocument returns the discovery document at u.
func (v *Verifier) discoveryDocument(ctx context.Context, u string) (*discoveryDocument, error) {
	v.mu.Lock()
	d, ok := v.discovery[u]
	if !ok {
		var err error
		if d, err = remote.New(u, decodeDiscovery(v.cfg.InsecureAllowHTTP), v.remoteConfig("discovery")); err != nil {
			v.mu.Unlock()
			return nil, fmt.Errorf("%w: %w", ErrIdPConfiguration, err)
		}
		v.discovery[u] = d
	}
	v.mu.Unlock()
	return d.Get(ctx)
}

// verifier returns the shared jwtverify.Verifier for a key source, issuer and
// audiences (audKey: them joined by NULs): RS256 only, exp and iat required,
// plus the claims of req.
func (v *Verifier) verifier(src jwtverify.KeySource, iss string, aud []string, audKey string, req required) (*jwtverify.Verifier, error) {
	key := verifierKey{src: src, iss: iss, aud: audKey, required: req.key}
	v.mu.Lock()
	defer v.mu.Unlock()
	if jv, ok := v.verifiers[key]; ok {
		return jv, nil
	}
	jv, err := jwtverify.New(src, jwtverify.Config{
		Issuer: iss, Audience: aud, Algorithms: []string{"RS256"}, Leeway: v.cfg.Leeway,
		RequiredClaims: append([]string{"iss", "aud", "exp", "iat"}, req.claims...),
		Now:            v.cfg.Now, Logger: v.cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	v.verifiers[key] = jv
	return jv, nil
}

// idpFor finds the tenant's IdP whose issuer is iss and returns its key source,
// audiences and audit source. Remote IdPs are asked for their configuration
// (cached); an issuer no IdP has is ErrIssuer.
func (v *Verifier) idpFor(ctx context.Context, t *Tenant, iss string) (jwtverify.KeySource, []string, string, Source, error) {
	var fetchErr error
	for i := range t.IdPs {
		p := &t.IdPs[i]
		if !p.remote() {
			if p.Issuer != iss {
				continue
			}
			audKey := p.audKey
			if audKey == "" { // a Tenant not made by NewTenantMap
				audKey = strings.Join(p.Audiences, "\x00")
			}
			if p.Keys != nil {
				return p.Keys, p.Audiences, audKey, SourceLocal, nil
			}
			k, err := v.keySource(p.JWKSURL)
			return k, p.Audiences, audKey, SourceLocal, err
		}
		conf, err := v.cseConfiguration(ctx, p.CSEConfigurationURL)
		if err == nil {
			var d *discoveryDocument
			if d, err = v.discoveryDocument(ctx, conf.DiscoveryURI); err == nil {
				if d.Issuer != iss {
					continue
				}
				k, err := v.keySource(d.JWKSURI)
				return k, conf.auds, conf.audKey, SourceRemote, err
			}
		}
		fetchErr = errors.Join(fetchErr, err)
	}
	if fetchErr != nil {
		// An IdP we could not ask may be the token's: that is an outage or a
		// broken configuration, not a verdict on the token.
		return nil, nil, "", SourceRemote, fetchErr
	}
	return nil, nil, "", SourceLocal, fmt.Errorf("%w: no IdP of the tenant issues %s", ErrIssuer, quote(iss))
}

// required is a set of claims a verifier requires beyond iss, aud, exp and iat,
// with its cache key.
type required struct {
	claims []string
	key    string
}

// The required claims of each token kind.
func requiredAuthn() required { return required{[]string{"email"}, "email"} }
func requiredDelegate() required {
	return required{[]string{"email", "delegated_to", "resource_name"}, "delegate"}
}
func requiredAuthz() required {
	return required{[]string{"email", "role", "kacls_url", "resource_name"}, "authz"}
}
func requiredKACLS() required { return required{[]string{"kacls_url", "resource_name"}, "kacls"} }
