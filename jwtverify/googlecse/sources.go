package googlecse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sesame-go/sesame/internal/jsonobj"
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

// wellKnown ends the URL of an issuer's discovery document (OpenID Connect
// Discovery §4).
const wellKnown = "/.well-known/openid-configuration"

// checkIssuer applies OpenID Connect Discovery §4.3: the document's issuer is
// the issuer whose well-known URL it was fetched from (with or without a
// trailing slash). Another one is the IdP's configuration error, never a
// token's issuer to trust.
func (d *discoveryDocument) checkIssuer(discoveryURI string) error {
	want, ok := strings.CutSuffix(discoveryURI, wellKnown)
	if !ok {
		return fmt.Errorf("%w: the IdP's configuration is wrong: its discovery_uri %s does not end in %s, so it names no issuer "+
			"(OpenID Connect Discovery §4)", ErrIdPConfiguration, quote(discoveryURI), wellKnown)
	}
	if d.Issuer != want && d.Issuer != want+"/" {
		return fmt.Errorf("%w: the IdP's configuration is wrong: the discovery document at %s names issuer %s, "+
			"not the issuer it was fetched for (%s + %s; OpenID Connect Discovery §4.3)",
			ErrIdPConfiguration, quote(discoveryURI), quote(d.Issuer), quote(want), wellKnown)
	}
	return nil
}

// decodeObject decodes one JSON object the way its writer's readers do:
// unknown members ignored, optional members absent or null, but strict on
// types and on repeated names (jsonobj).
func decodeObject(body []byte, what string, v any) error {
	if _, err := jsonobj.Members(body); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrIdPConfiguration, what, err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrIdPConfiguration, what, err)
	}
	return nil
}

// decodeCSEConfiguration parses and checks a cse-configuration.
func decodeCSEConfiguration(allowHTTP bool) remote.Decoder[*cseConfiguration] {
	return func(body []byte) (*cseConfiguration, error) {
		var c cseConfiguration
		if err := decodeObject(body, "cse-configuration", &c); err != nil {
			return nil, err
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
		if err := decodeObject(body, "discovery document", &d); err != nil {
			return nil, err
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
	return v.keys.get(u, func() (*jwtverify.RemoteKeys, error) {
		k, err := jwtverify.NewRemoteJWKS(u, jwtverify.RemoteKeysConfig{
			HTTPClient: v.cfg.HTTPClient, InsecureAllowHTTP: v.cfg.InsecureAllowHTTP, Timeout: v.cfg.Timeout,
			RefreshCooldown: v.cfg.RefreshCooldown, Now: v.cfg.Now, Logger: v.cfg.Logger,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: keys at %s: %w", ErrIdPConfiguration, quote(u), err)
		}
		return k, nil
	})
}

// cseConfiguration returns the IdP configuration at u.
func (v *Verifier) cseConfiguration(ctx context.Context, u string) (*cseConfiguration, error) {
	c, err := v.cseConfs.get(u, func() (*remote.Cache[*cseConfiguration], error) {
		c, err := remote.New(u, decodeCSEConfiguration(v.cfg.InsecureAllowHTTP), v.remoteConfig("cse-configuration"))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrIdPConfiguration, err)
		}
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	return c.Get(ctx)
}

// discoveryDocument returns the discovery document at u.
func (v *Verifier) discoveryDocument(ctx context.Context, u string) (*discoveryDocument, error) {
	d, err := v.discovery.get(u, func() (*remote.Cache[*discoveryDocument], error) {
		d, err := remote.New(u, decodeDiscovery(v.cfg.InsecureAllowHTTP), v.remoteConfig("discovery"))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrIdPConfiguration, err)
		}
		return d, nil
	})
	if err != nil {
		return nil, err
	}
	return d.Get(ctx)
}

// verifier returns the shared jwtverify.Verifier for a key source, issuer and
// audiences (audKey: them joined by NULs; aud nil for the one audience
// audKey, so a lookup allocates nothing): RS256 only, iss, aud, exp and iat
// required. The claims of each kind of token are checked by this package, so
// that each case ends in its sentinel (ErrResourceName, ErrDelegation, …).
func (v *Verifier) verifier(src jwtverify.KeySource, iss string, aud []string, audKey string) (*jwtverify.Verifier, error) {
	return v.verifiers.get(verifierKey{src: src, iss: iss, aud: audKey}, func() (*jwtverify.Verifier, error) {
		if aud == nil {
			aud = []string{audKey}
		}
		jv, err := jwtverify.New(src, jwtverify.Config{
			Issuer: iss, Audience: aud, Algorithms: []string{"RS256"}, Leeway: v.cfg.Leeway,
			RequiredClaims: standardClaims(),
			Now:            v.cfg.Now, Logger: v.cfg.Logger,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		return jv, nil
	})
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
				if err = d.checkIssuer(conf.DiscoveryURI); err == nil {
					if d.Issuer != iss {
						continue
					}
					k, err := v.keySource(d.JWKSURI)
					return k, conf.auds, conf.audKey, SourceRemote, err
				}
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

// standardClaims are the claims every token must carry, in the order
// jwtverify checks them.
func standardClaims() []string { return []string{"iss", "aud", "exp", "iat"} }
