package oidc

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/sesame-go/sesame/internal/remote"
)

// Metadata is the part of the provider's discovery document (OpenID Connect
// Discovery §3, at the issuer + /.well-known/openid-configuration) the client
// uses.
//
// Every endpoint is checked to be an absolute https URL without user info or
// fragment; under the ProConnect preset every endpoint is required and must be
// on the issuer's host. A generic provider may serve its endpoints from other
// hosts (Google, Entra do): the document comes over TLS from the configured
// issuer, which names them. authorization_endpoint, token_endpoint and jwks_uri
// are required of a generic provider; userinfo_endpoint, end_session_endpoint
// and pushed_authorization_request_endpoint are optional.
type Metadata struct {
	// Issuer must equal the configured issuer exactly (else ErrIssuerMismatch).
	Issuer string `json:"issuer"`
	// AuthorizationEndpoint is where AuthURL sends the browser.
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	// TokenEndpoint receives the code exchange and refreshes.
	TokenEndpoint string `json:"token_endpoint"`
	// UserInfoEndpoint answers the agent's claims for an access token.
	UserInfoEndpoint string `json:"userinfo_endpoint"`
	// JWKSURI serves the keys of ID tokens and signed userinfo.
	JWKSURI string `json:"jwks_uri"`
	// EndSessionEndpoint is where LogoutURL sends the browser.
	EndSessionEndpoint string `json:"end_session_endpoint"`
	// PushedAuthorizationRequestEndpoint receives pushed authorization
	// requests (RFC 9126); "" when the provider has none.
	PushedAuthorizationRequestEndpoint string `json:"pushed_authorization_request_endpoint,omitempty"`
	// RequirePushedAuthorizationRequests says the provider accepts
	// authorization requests only through PAR (RFC 9126 §5).
	RequirePushedAuthorizationRequests bool `json:"require_pushed_authorization_requests,omitempty"`
	// ScopesSupported lists the scopes the provider knows (informative).
	ScopesSupported []string `json:"scopes_supported,omitempty"`
	// ClaimsSupported lists the claims the provider can return (informative).
	ClaimsSupported []string `json:"claims_supported,omitempty"`
	// ACRValuesSupported lists the acr values the provider knows (informative).
	ACRValuesSupported []string `json:"acr_values_supported,omitempty"`
	// IDTokenSigningAlgValuesSupported lists the ID token algorithms
	// (informative: Config.Algorithms decides what is accepted).
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported,omitempty"`
	// UserInfoSigningAlgValuesSupported lists the userinfo algorithms
	// (informative).
	UserInfoSigningAlgValuesSupported []string `json:"userinfo_signing_alg_values_supported,omitempty"`
	// TokenEndpointAuthMethodsSupported lists the client authentication
	// methods (informative: Config.AuthMethod decides).
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	// CodeChallengeMethodsSupported lists the PKCE methods (Sesame sends S256).
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported,omitempty"`
	// ClaimsParameterSupported says the claims parameter is understood (how
	// acr and amr are asked for).
	ClaimsParameterSupported bool `json:"claims_parameter_supported,omitempty"`
	// AuthorizationResponseISSParameterSupported says the provider adds iss to
	// its authorization responses (RFC 9207); the client then requires it.
	AuthorizationResponseISSParameterSupported bool `json:"authorization_response_iss_parameter_supported,omitempty"`
}

// Discovery cache bounds: max-age is clamped to [minMaxAge, maxMaxAge]; a failed
// refresh keeps serving the last good document for up to maxStale.
const (
	defaultMaxAge = 10 * time.Minute
	minMaxAge     = time.Minute
	maxMaxAge     = 24 * time.Hour
	maxStale      = time.Hour
)

// newDiscovery returns the cached discovery document of cfg's issuer, on
// Sesame's remote engine: single-flight, max-age, stale-while-error, and a
// back-off of RefreshCooldown after a failure, so that with the provider down
// logins fail at once instead of each fetching the document again.
func newDiscovery(cfg *Config) (*remote.Cache[*Metadata], error) {
	u := strings.TrimSuffix(cfg.Issuer, "/") + "/.well-known/openid-configuration"
	return remote.New(u, func(body []byte) (*Metadata, error) {
		md, err := parseMetadata(body, cfg.Issuer, cfg.InsecureAllowHTTP, cfg.ProConnect)
		if err == nil {
			cfg.Logger.Debug("oidc: discovery fetched", "issuer", md.Issuer)
		}
		return md, err
	}, remote.Config{
		HTTPClient:        cfg.HTTPClient,
		InsecureAllowHTTP: cfg.InsecureAllowHTTP,
		Accept:            "application/json",
		What:              "discovery",
		MaxBodySize:       cfg.MaxBodySize,
		Timeout:           cfg.Timeout,
		DefaultRefresh:    defaultMaxAge,
		MinRefresh:        minMaxAge,
		MaxRefresh:        maxMaxAge,
		MaxStale:          maxStale,
		Cooldown:          cfg.RefreshCooldown,
		Now:               cfg.Now,
		Logger:            cfg.Logger,
		Errors:            remote.Errors{Unavailable: ErrDiscovery, TooLarge: ErrTooLarge, Redirect: ErrEndpoint, Down: ErrUnavailable},
	})
}

// parseMetadata decodes a discovery document and checks its issuer and
// endpoints; proconnect requires every endpoint, on the issuer's host.
func parseMetadata(body []byte, issuer string, allowHTTP, proconnect bool) (*Metadata, error) {
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
	endpoints := []struct {
		name, value string
		required    bool
	}{
		{"authorization_endpoint", md.AuthorizationEndpoint, true},
		{"token_endpoint", md.TokenEndpoint, true},
		{"userinfo_endpoint", md.UserInfoEndpoint, proconnect},
		{"jwks_uri", md.JWKSURI, true},
		{"end_session_endpoint", md.EndSessionEndpoint, proconnect},
		{"pushed_authorization_request_endpoint", md.PushedAuthorizationRequestEndpoint, false},
	}
	for _, e := range endpoints {
		if e.value == "" && !e.required {
			continue
		}
		if err := checkEndpoint(e.name, e.value, iss, allowHTTP, proconnect); err != nil {
			return nil, err
		}
	}
	if md.RequirePushedAuthorizationRequests && md.PushedAuthorizationRequestEndpoint == "" {
		return nil, fmt.Errorf("%w: PAR required but pushed_authorization_request_endpoint is missing", ErrDiscovery)
	}
	return &md, nil
}

// checkEndpoint requires an absolute URL with the issuer's scheme (https unless
// allowHTTP), no user info or fragment, and, when sameHost, the issuer's host.
func checkEndpoint(name, value string, iss *url.URL, allowHTTP, sameHost bool) error {
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
	if u.Scheme != iss.Scheme || u.Host == "" || (sameHost && !strings.EqualFold(u.Host, iss.Host)) || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%w: %s %q is not on %s", ErrEndpoint, name, value, iss.Host)
	}
	return nil
}
