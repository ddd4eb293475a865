package oidc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Metadata is the part of ProConnect's discovery document
// (/api/v2/.well-known/openid-configuration) the client uses.
type Metadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserInfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	ScopesSupported                   []string `json:"scopes_supported,omitempty"`
	ClaimsSupported                   []string `json:"claims_supported,omitempty"`
	ACRValuesSupported                []string `json:"acr_values_supported,omitempty"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported,omitempty"`
	UserInfoSigningAlgValuesSupported []string `json:"userinfo_signing_alg_values_supported,omitempty"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported,omitempty"`
	ClaimsParameterSupported          bool     `json:"claims_parameter_supported,omitempty"`
}

// Discovery cache bounds: max-age is clamped to [minMaxAge, maxMaxAge]; a failed
// refresh keeps serving the last good document for up to maxStale, retrying at
// most every retryAfter.
const (
	defaultMaxAge = 10 * time.Minute
	minMaxAge     = time.Minute
	maxMaxAge     = 24 * time.Hour
	maxStale      = time.Hour
	retryAfter    = 30 * time.Second
)

// cachedMetadata is one fetched discovery document.
type cachedMetadata struct {
	md      *Metadata
	fetched time.Time
	expires time.Time
}

// discovery fetches and caches the discovery document, single-flight.
type discovery struct {
	cfg     *Config
	url     string
	cur     atomic.Pointer[cachedMetadata]
	sem     chan struct{} // one fetch at a time
	fetches atomic.Int64
}

func newDiscovery(cfg *Config) *discovery {
	return &discovery{
		cfg: cfg,
		url: strings.TrimSuffix(cfg.Issuer, "/") + "/.well-known/openid-configuration",
		sem: make(chan struct{}, 1),
	}
}

// get returns a fresh document, fetching it when the cached one has expired.
func (d *discovery) get(ctx context.Context) (*Metadata, error) {
	if c := d.cur.Load(); c != nil && d.cfg.Now().Before(c.expires) {
		return c.md, nil
	}
	select {
	case d.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
	defer func() { <-d.sem }()
	now := d.cfg.Now()
	c := d.cur.Load()
	if c != nil && now.Before(c.expires) { // fetched while we waited
		return c.md, nil
	}
	md, maxAge, err := d.fetch(ctx)
	if err != nil {
		if c != nil && now.Before(c.fetched.Add(maxStale)) {
			d.cfg.Logger.WarnContext(ctx, "oidc: discovery refresh failed; serving the last document", "err", err)
			d.cur.Store(&cachedMetadata{md: c.md, fetched: c.fetched, expires: now.Add(retryAfter)})
			return c.md, nil
		}
		return nil, err
	}
	d.cur.Store(&cachedMetadata{md: md, fetched: now, expires: now.Add(maxAge)})
	return md, nil
}

// fetch downloads, parses and checks the document.
func (d *discovery) fetch(ctx context.Context) (*Metadata, time.Duration, error) {
	d.fetches.Add(1)
	resp, err := get(ctx, d.cfg.HTTPClient, d.url, "application/json", d.cfg.MaxBodySize)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrDiscovery, err)
	}
	if resp.status >= 500 {
		return nil, 0, fmt.Errorf("%w: %w: %s answered HTTP %d", ErrDiscovery, ErrUnavailable, d.url, resp.status)
	}
	if resp.status != http.StatusOK {
		return nil, 0, fmt.Errorf("%w: %s answered HTTP %d", ErrDiscovery, d.url, resp.status)
	}
	md, err := parseMetadata(resp.body, d.cfg.Issuer, d.cfg.InsecureAllowHTTP)
	if err != nil {
		return nil, 0, err
	}
	d.cfg.Logger.DebugContext(ctx, "oidc: discovery fetched", "issuer", md.Issuer)
	return md, maxAgeOf(resp.header), nil
}

// parseMetadata decodes a discovery document and checks its issuer and endpoints.
func parseMetadata(body []byte, issuer string, allowHTTP bool) (*Metadata, error) {
	var md Metadata
	if err := json.Unmarshal(body, &md); err != nil {
		return nil, fmt.Errorf("%w: malformed document: %w", ErrDiscovery, err)
	}
	if md.Issuer != issuer {
		return nil, fmt.Errorf("%w: document says %q, configured %q", ErrIssuerMismatch, md.Issuer, issuer)
	}
	iss, err := url.Parse(issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: issuer %q: %w", ErrDiscovery, issuer, err)
	}
	endpoints := []struct{ name, value string }{
		{"authorization_endpoint", md.AuthorizationEndpoint},
		{"token_endpoint", md.TokenEndpoint},
		{"userinfo_endpoint", md.UserInfoEndpoint},
		{"jwks_uri", md.JWKSURI},
		{"end_session_endpoint", md.EndSessionEndpoint},
	}
	for _, e := range endpoints {
		if err := checkEndpoint(e.name, e.value, iss, allowHTTP); err != nil {
			return nil, err
		}
	}
	return &md, nil
}

// checkEndpoint requires an absolute URL with the issuer's scheme and host, and no
// user info or fragment.
func checkEndpoint(name, value string, iss *url.URL, allowHTTP bool) error {
	if value == "" {
		return fmt.Errorf("%w: %s is missing", ErrDiscovery, name)
	}
	u, err := url.Parse(value)
	if err != nil {
		return fmt.Errorf("%w: %s %q: %w", ErrEndpoint, name, value, err)
	}
	if u.Scheme != "https" && !(allowHTTP && u.Scheme == "http") {
		return fmt.Errorf("%w: %s %q is not https", ErrEndpoint, name, value)
	}
	if u.Scheme != iss.Scheme || !strings.EqualFold(u.Host, iss.Host) || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%w: %s %q is not on %s", ErrEndpoint, name, value, iss.Host)
	}
	return nil
}

// maxAgeOf reads Cache-Control max-age, clamped; absent, the ten-minute default.
func maxAgeOf(h http.Header) time.Duration {
	for _, part := range strings.Split(h.Get("Cache-Control"), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !strings.EqualFold(k, "max-age") {
			continue
		}
		n, err := strconv.Atoi(strings.Trim(v, `"`))
		if err != nil || n < 0 {
			break
		}
		return min(max(time.Duration(n)*time.Second, minMaxAge), maxMaxAge)
	}
	return defaultMaxAge
}
