package oidctest

import (
	"net/http"
	"net/url"
	"time"
)

// parTTL is the lifetime of a pushed request's request_uri.
const parTTL = 60 * time.Second

// requestURIPrefix starts every request_uri (RFC 9126 §2.2).
const requestURIPrefix = "urn:ietf:params:oauth:request_uri:"

// pushed is an authorization request received at the PAR endpoint.
type pushed struct {
	params  url.Values
	expires time.Time
}

// par serves the pushed authorization request endpoint (RFC 9126): the client
// authenticates as at the token endpoint, the parameters are stored under a
// single-use request_uri living 60 s, answered with 201.
func (s *Server) par(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "POST only")
		return
	}
	if msg := s.authenticateClient(r); msg != "" {
		oauthError(w, http.StatusUnauthorized, "invalid_client", msg)
		return
	}
	params := url.Values{}
	for k, v := range r.PostForm {
		switch k {
		case "client_secret", "client_assertion", "client_assertion_type":
		case "request_uri":
			oauthError(w, http.StatusBadRequest, "invalid_request", "request_uri cannot be pushed")
			return
		default:
			params[k] = v
		}
	}
	params.Set("client_id", s.cfg.ClientID)
	if _, code, desc := s.parseAuthorize(params); code != "" {
		oauthError(w, http.StatusBadRequest, code, desc)
		return
	}
	uri := requestURIPrefix + randomToken()
	s.mu.Lock()
	s.pushed[uri] = &pushed{params: params, expires: s.cfg.Now().Add(parTTL)}
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, "no-store", map[string]any{"request_uri": uri, "expires_in": int(parTTL / time.Second)})
}

// pushedParams returns the parameters of an authorization request: those
// pushed under its request_uri (taken once), or q itself when the fake does
// not require PAR. msg says why the request is refused.
func (s *Server) pushedParams(q url.Values) (url.Values, string) {
	uri := q.Get("request_uri")
	if uri == "" {
		if s.cfg.RequirePAR {
			return nil, "invalid_request: pushed authorization requests are required"
		}
		return q, ""
	}
	s.mu.Lock()
	p := s.pushed[uri]
	delete(s.pushed, uri)
	s.mu.Unlock()
	switch {
	case p == nil || s.cfg.Now().After(p.expires):
		return nil, "invalid_request_uri: unknown, used or expired request_uri"
	case q.Get("client_id") != s.cfg.ClientID:
		return nil, "invalid_request: client_id differs from the pushed request's"
	}
	return p.params, ""
}
