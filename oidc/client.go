package oidc

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/sesame-go/sesame/internal/remote"
	"github.com/sesame-go/sesame/jwtverify"
)

// Client is an OpenID Connect relying party of one provider (ProConnect, or
// any OpenID Certified provider). It is safe for concurrent use; create one
// per registered client and share it.
type Client struct {
	cfg  Config
	disc *remote.Cache[*Metadata]
	get  *http.Client // GETs: same-origin redirects only
	post *http.Client // the token request: no redirect

	logoutIDs IDStore // jti of the logout tokens accepted, until they expire

	mu      sync.Mutex
	jwksURI string // jwks_uri the current verifiers were built for
	jwks    *jwtverify.RemoteKeys
	vs      *verifiers
}

// verifiers are the token checks sharing one key source: ID tokens need
// exp and iat; a signed userinfo needs only iss, aud and sub (OpenID Connect
// Core 5.3.2), its exp and iat checked when present; a logout token needs iat
// and jti, its exp checked when present (Back-Channel Logout 1.0 §2.4).
type verifiers struct {
	idToken  *jwtverify.Verifier
	userInfo *jwtverify.Verifier
	logout   *jwtverify.Verifier // back-channel logout tokens: iss, aud, iat, jti required
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
	c := &Client{cfg: cfg, logoutIDs: cfg.LogoutIDs}
	if c.logoutIDs == nil {
		c.logoutIDs = newMemoryIDs(maxLogoutIDs, cfg.Now)
	}
	if c.disc, err = newDiscovery(&c.cfg); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	c.get = remote.SameOrigin(cfg.HTTPClient, ErrEndpoint)
	post := *cfg.HTTPClient
	post.CheckRedirect = noRedirect
	c.post = &post
	if cfg.Algorithms[0] == "HS256" {
		keys, err := jwtverify.NewHMACKey([]byte(cfg.ClientSecret), "")
		if err != nil {
			return nil, fmt.Errorf("%w: HS256 needs a client secret of 32 bytes or more: %w", ErrConfig, err)
		}
		if c.vs, err = c.newVerifiers(keys); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Metadata returns the provider's discovery document, fetching it if the cached
// one has expired.
func (c *Client) Metadata(ctx context.Context) (*Metadata, error) {
	md, err := c.disc.Get(ctx)
	if err != nil {
		return nil, err
	}
	cp := *md
	return &cp, nil
}

// DiscoveryFetches returns how many times the discovery document was
// requested, for tests and metrics.
func (c *Client) DiscoveryFetches() int64 { return c.disc.Fetches() }

// JWKSFetches returns how many times the provider's JWKS was requested, for
// tests and metrics.
func (c *Client) JWKSFetches() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.jwks == nil {
		return 0
	}
	return c.jwks.Fetches()
}

// verifiers returns the ID token and userinfo verifiers: HMAC with the client
// secret when HS256 is registered, else the discovery's JWKS.
func (c *Client) verifiers(ctx context.Context) (*verifiers, error) {
	if c.cfg.Algorithms[0] == "HS256" {
		return c.vs, nil
	}
	md, err := c.disc.Get(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.vs != nil && c.jwksURI == md.JWKSURI {
		return c.vs, nil
	}
	jwks, err := jwtverify.NewRemoteJWKS(md.JWKSURI, jwtverify.RemoteKeysConfig{
		HTTPClient:        c.cfg.HTTPClient,
		InsecureAllowHTTP: c.cfg.InsecureAllowHTTP,
		MaxBodySize:       c.cfg.MaxBodySize,
		Timeout:           c.cfg.Timeout,
		RefreshCooldown:   c.cfg.RefreshCooldown,
		Now:               c.cfg.Now,
		Logger:            c.cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: jwks_uri %q: %w", ErrEndpoint, md.JWKSURI, err)
	}
	vs, err := c.newVerifiers(jwks)
	if err != nil {
		return nil, err
	}
	c.vs, c.jwks, c.jwksURI = vs, jwks, md.JWKSURI
	return vs, nil
}

// newVerifiers builds the ID token and userinfo verifiers over keys.
func (c *Client) newVerifiers(keys jwtverify.KeySource) (*verifiers, error) {
	base := jwtverify.Config{
		Issuer:       c.cfg.Issuer,
		Audience:     []string{c.cfg.ClientID},
		Algorithms:   c.cfg.Algorithms,
		Leeway:       c.cfg.Leeway,
		MaxTokenSize: maxTokenSize,
		Now:          c.cfg.Now,
		Logger:       c.cfg.Logger,
	}
	id, ui, lo := base, base, base
	id.RequiredClaims = []string{"iss", "sub", "aud", "exp", "iat"}
	ui.RequiredClaims = []string{"iss", "sub", "aud"}
	lo.RequiredClaims = []string{"iss", "aud", "iat", "jti"}
	lo.CacheSize = -1 // each logout token is verified once
	var vs verifiers
	var err error
	if vs.idToken, err = jwtverify.New(keys, id); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if vs.userInfo, err = jwtverify.New(keys, ui); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if vs.logout, err = jwtverify.New(keys, lo); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &vs, nil
}
