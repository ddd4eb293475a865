package oidc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxRequestURI bounds the request_uri a PAR endpoint answers.
const maxRequestURI = 1024

// pushRequest posts the authorization parameters p to the provider's PAR
// endpoint (RFC 9126 §2), authenticated as at the token endpoint, and returns
// the authorization URL carrying client_id and the request_uri answered.
func (c *Client) pushRequest(ctx context.Context, md *Metadata, p url.Values) (string, error) {
	if md.PushedAuthorizationRequestEndpoint == "" {
		return "", fmt.Errorf("%w: %w: no pushed_authorization_request_endpoint", ErrPAR, ErrUnsupported)
	}
	header := http.Header{}
	if err := c.authenticate(p, header, md.PushedAuthorizationRequestEndpoint); err != nil {
		return "", err
	}
	resp, err := postForm(ctx, c.post, md.PushedAuthorizationRequestEndpoint, p, header, c.cfg.MaxBodySize)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrPAR, err)
	}
	if resp.status >= 500 {
		return "", fmt.Errorf("%w: %w: PAR endpoint answered HTTP %d", ErrPAR, ErrUnavailable, resp.status)
	}
	uri, err := parsePARResponse(resp.status, resp.body)
	if err != nil {
		return "", err
	}
	return withQuery(md.AuthorizationEndpoint, url.Values{"client_id": {c.cfg.ClientID}, "request_uri": {uri}}), nil
}

// parsePARResponse reads a PAR endpoint answer (RFC 9126 §2.2, §2.3): 201 with
// a request_uri and a positive expires_in, else an OAuth error.
func parsePARResponse(status int, body []byte) (string, error) {
	var pr struct {
		RequestURI       string  `json:"request_uri"`
		ExpiresIn        float64 `json:"expires_in"`
		Error            string  `json:"error"`
		ErrorDescription string  `json:"error_description"`
	}
	if err := json.Unmarshal(body, &pr); err != nil {
		return "", fmt.Errorf("%w: HTTP %d, malformed body: %w", ErrPAR, status, err)
	}
	if status != http.StatusCreated || pr.Error != "" {
		return "", fmt.Errorf("%w: HTTP %d, error %q: %s", ErrPAR, status, clip(pr.Error, 64), clip(pr.ErrorDescription, 256))
	}
	if pr.RequestURI == "" || len(pr.RequestURI) > maxRequestURI || strings.ContainsAny(pr.RequestURI, " \t\r\n") || pr.ExpiresIn <= 0 {
		return "", fmt.Errorf("%w: missing or malformed request_uri %q or expires_in %v", ErrPAR, clip(pr.RequestURI, 64), pr.ExpiresIn)
	}
	return pr.RequestURI, nil
}
