package oidc

import (
	"context"
	"fmt"
	"sync"

	"github.com/sesame-go/sesame/jwtverify"
)

// Client is a ProConnect relying party. It is safe for concurrent use; create one
// per registered client and share it.
type Client struct {
	cfg  Config
	disc *discovery

	mu       sync.Mutex
	jwksURI  string              // jwks_uri the current verifier was built for
	verifier *jwtverify.Verifier // ID token and userinfo verifier
}

// maxTokenSize bounds ID tokens and signed userinfo (which may carry groups).
const maxTokenSize = 64 << 10

// New returns a Client. It makes no request: discovery is fetched on first use and
// refreshed when its Cache-Control max-age runs out.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg}
	c.disc = newDiscovery(&c.cfg)
	if cfg.Algorithms[0] == "HS256" {
		keys, err := jwtverify.NewHMACKey([]byte(cfg.ClientSecret), "")
		if err != nil {
			return nil, fmt.Errorf("%w: HS256 needs a client secret of 32 bytes or more: %w", ErrConfig, err)
		}
		if c.verifier, err = c.newVerifier(keys); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Metadata returns the provider's discovery document, fetching it if the cached
// one has expired.
func (c *Client) Metadata(ctx context.Context) (*Metadata, error) {
	md, err := c.disc.get(ctx)
	if err != nil {
		return nil, err
	}
	cp := *md
	return &cp, nil
}

// DiscoveryFetches returns how many times the discovery document was requested.
func (c *Client) DiscoveryFetches() int64 { return c.disc.fetches.Load() }

// tokenVerifier returns the verifier for ID tokens and userinfo: HMAC with the
// client secret when HS256 is registered, else the discovery's JWKS.
func (c *Client) tokenVerifier(ctx context.Context) (*jwtverify.Verifier, error) {
	if c.cfg.Algorithms[0] == "HS256" {
		return c.verifier, nil
	}
	md, err := c.disc.get(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.verifier != nil && c.jwksURI == md.JWKSURI {
		return c.verifier, nil
	}
	jwks, err := jwtverify.NewRemoteJWKS(md.JWKSURI, jwtverify.RemoteKeysConfig{
		HTTPClient:        c.cfg.HTTPClient,
		InsecureAllowHTTP: c.cfg.InsecureAllowHTTP,
		MaxBodySize:       c.cfg.MaxBodySize,
		Now:               c.cfg.Now,
		Logger:            c.cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: jwks_uri %q: %w", ErrEndpoint, md.JWKSURI, err)
	}
	v, err := c.newVerifier(jwks)
	if err != nil {
		return nil, err
	}
	c.verifier, c.jwksURI = v, md.JWKSURI
	return v, nil
}

// newVerifier builds the jwtverify.Verifier shared by ID tokens and userinfo.
func (c *Client) newVerifier(keys jwtverify.KeySource) (*jwtverify.Verifier, error) {
	v, err := jwtverify.New(keys, jwtverify.Config{
		Issuer:         c.cfg.Issuer,
		Audience:       []string{c.cfg.ClientID},
		Algorithms:     c.cfg.Algorithms,
		Leeway:         c.cfg.Leeway,
		MaxTokenSize:   maxTokenSize,
		RequiredClaims: []string{"iss", "sub", "aud", "exp", "iat"},
		Now:            c.cfg.Now,
		Logger:         c.cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return v, nil
}
