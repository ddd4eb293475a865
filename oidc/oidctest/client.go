package oidctest

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
)

// assertionVerifier returns the verifier of the client's assertions, or nil for
// the methods without one.
func (s *Server) assertionVerifier() (*jwtverify.Verifier, error) {
	var keys jwtverify.KeySource
	var algs []string
	var err error
	switch s.cfg.AuthMethod {
	case "client_secret_jwt":
		keys, err = jwtverify.NewHMACKey([]byte(s.cfg.ClientSecret), "")
		algs = []string{"HS256"}
	case "private_key_jwt":
		if s.cfg.ClientKey == nil || s.cfg.ClientKeyID == "" {
			return nil, fmt.Errorf("oidctest: private_key_jwt needs ClientKey and ClientKeyID")
		}
		keys, err = jwtverify.NewStaticKeys(s.cfg.ClientKey)
		algs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
	case "client_secret_basic", "client_secret_post", "none":
		return nil, nil
	default:
		return nil, fmt.Errorf("oidctest: unknown AuthMethod %q", s.cfg.AuthMethod)
	}
	if err != nil {
		return nil, err
	}
	return jwtverify.New(keys, jwtverify.Config{
		Issuer: s.cfg.ClientID, Audience: []string{s.Issuer, s.URL + s.Path(PathToken), s.URL + s.Path(PathPAR)},
		Algorithms: algs, RequiredClaims: []string{"iss", "sub", "aud", "exp", "jti"}, CacheSize: -1, Now: s.cfg.Now,
	})
}

// authenticateClient checks the request's client authentication against
// AuthMethod, and returns "" or why it fails. Another method than the
// registered one fails, as a real provider does.
func (s *Server) authenticateClient(r *http.Request) string {
	f := r.PostForm
	basic := r.Header.Get("Authorization") != ""
	has := func(k string) bool { return f.Has(k) }
	switch s.cfg.AuthMethod {
	case "client_secret_basic":
		if has("client_secret") || has("client_assertion") {
			return "client_secret_basic only: credentials in the body"
		}
		id, secret, ok := basicCredentials(r.Header.Get("Authorization"))
		if !ok || (has("client_id") && f.Get("client_id") != id) {
			return "client_secret_basic only: a Basic Authorization header is required"
		}
		return s.checkSecret(id, secret)
	case "client_secret_post":
		if basic || has("client_assertion") {
			return "only client_secret_post is accepted"
		}
		return s.checkSecret(f.Get("client_id"), f.Get("client_secret"))
	case "none":
		if basic || has("client_secret") || has("client_assertion") {
			return "a public client sends no credentials"
		}
		if f.Get("client_id") != s.cfg.ClientID {
			return "unknown client_id"
		}
		return ""
	}
	if basic || has("client_secret") {
		return s.cfg.AuthMethod + " only: a client assertion is required"
	}
	return s.checkAssertion(r.Context(), f)
}

// maxAssertionLife is the longest lifetime the fake accepts of a client
// assertion (its exp from now).
const maxAssertionLife = 5 * time.Minute

// checkSecret compares the client's id and secret with the registered ones.
func (s *Server) checkSecret(id, secret string) string {
	if id != s.cfg.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.ClientSecret)) != 1 {
		return "client authentication failed"
	}
	return ""
}

// checkAssertion verifies an RFC 7523 client assertion: signature, iss = sub
// = client ID, audience, exp, the kid of private_key_jwt, and a jti not seen
// before.
func (s *Server) checkAssertion(ctx context.Context, f url.Values) string {
	if f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		return "client_assertion_type is not jwt-bearer"
	}
	tok, err := s.assertion.Verify(ctx, f.Get("client_assertion"))
	if err != nil {
		return "client assertion refused: " + err.Error()
	}
	if tok.Subject() != s.cfg.ClientID || (f.Has("client_id") && f.Get("client_id") != s.cfg.ClientID) {
		return "client assertion sub or client_id is not the client"
	}
	if s.cfg.AuthMethod == "private_key_jwt" && tok.Header().Kid != s.cfg.ClientKeyID {
		return "client assertion kid is not the registered key's"
	}
	if tok.Expiry().Sub(s.cfg.Now()) > maxAssertionLife {
		return "client assertion lives too long"
	}
	jti := tok.ID()
	if len(jti) < 22 { // 128 bits in base64url
		return "client assertion jti is too short"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	for k, exp := range s.jtis {
		if now.After(exp) {
			delete(s.jtis, k)
		}
	}
	if _, seen := s.jtis[jti]; seen {
		return "client assertion jti replayed"
	}
	s.jtis[jti] = tok.Expiry()
	return ""
}

// basicCredentials decodes a client_secret_basic header: base64 of the
// form-urlencoded id and secret joined by ":" (RFC 6749 §2.3.1).
func basicCredentials(h string) (id, secret string, ok bool) {
	scheme, b64, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", "", false
	}
	eid, esecret, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false
	}
	if id, err = url.QueryUnescape(eid); err != nil {
		return "", "", false
	}
	if secret, err = url.QueryUnescape(esecret); err != nil {
		return "", "", false
	}
	return id, secret, true
}
