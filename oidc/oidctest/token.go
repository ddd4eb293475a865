package oidctest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"time"
)

// Lifetimes, as ProConnect's.
const (
	codeTTL    = 60 * time.Second
	accessTTL  = time.Hour
	refreshTTL = 2 * time.Hour
	idTokenTTL = time.Hour
)

// grant is a code, access token or refresh token and what it was issued for.
type grant struct {
	req      *authRequest
	agent    int
	sid      string
	authTime time.Time
	expires  time.Time
	used     bool
}

// oauthError answers a token endpoint error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, "no-store", map[string]string{"error": code, "error_description": desc})
}

// token serves the token endpoint: the client authenticated by AuthMethod
// (client_secret_post for ProConnect), single-use 60-second codes bound to the
// redirect URI and the PKCE challenge, and rotating refresh tokens.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		oauthError(w, http.StatusMethodNotAllowed, "invalid_request", "POST only")
		return
	}
	f := r.PostForm
	if msg := s.authenticateClient(r); msg != "" {
		oauthError(w, http.StatusUnauthorized, "invalid_client", msg)
		return
	}
	var g *grant
	var msg string
	switch f.Get("grant_type") {
	case "authorization_code":
		g, msg = s.redeemCode(f.Get("code"), f.Get("redirect_uri"), f.Get("code_verifier"))
	case "refresh_token":
		g, msg = s.redeemRefresh(f.Get("refresh_token"))
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "authorization_code or refresh_token")
		return
	}
	if g == nil {
		oauthError(w, http.StatusBadRequest, "invalid_grant", msg)
		return
	}
	s.issueTokens(w, g, f.Get("grant_type") == "authorization_code")
}

// redeemCode takes a code once; a replayed code also revokes its tokens.
func (s *Server) redeemCode(code, redirectURI, verifier string) (*grant, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.codes[code]
	switch {
	case g == nil:
		return nil, "unknown code"
	case g.used:
		s.revoke(g)
		return nil, "code already used"
	case s.cfg.Now().After(g.expires):
		return nil, "code expired"
	}
	g.used = true
	switch {
	case redirectURI != g.req.redirectURI:
		return nil, "redirect_uri differs"
	case g.req.challenge == "" && verifier != "":
		return nil, "code_verifier without code_challenge"
	case g.req.challenge != "" && !pkceOK(verifier, g.req.challenge):
		return nil, "PKCE verification failed"
	}
	return g, ""
}

// redeemRefresh takes a refresh token once (rotation).
func (s *Server) redeemRefresh(token string) (*grant, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.refresh[token]
	delete(s.refresh, token)
	if g == nil || s.cfg.Now().After(g.expires) {
		return nil, "unknown or expired refresh token"
	}
	return g, ""
}

// revoke removes every token issued from g's authorization.
func (s *Server) revoke(g *grant) {
	for _, m := range []map[string]*grant{s.access, s.refresh} {
		for k, v := range m {
			if v.req == g.req {
				delete(m, k)
			}
		}
	}
}

// issueTokens answers an access token (1 h), a refresh token (2 h) and an ID
// token.
func (s *Server) issueTokens(w http.ResponseWriter, g *grant, withNonce bool) {
	now := s.cfg.Now()
	access, refresh := randomToken(), randomToken()
	s.mu.Lock()
	s.access[access] = &grant{req: g.req, agent: g.agent, sid: g.sid, authTime: g.authTime, expires: now.Add(accessTTL)}
	s.refresh[refresh] = &grant{req: g.req, agent: g.agent, sid: g.sid, authTime: g.authTime, expires: now.Add(refreshTTL)}
	s.mu.Unlock()
	idToken, err := s.idToken(g, access, withNonce)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	s.mu.Lock()
	s.idTokens[idToken] = true
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, "no-store", map[string]any{
		"access_token": access, "token_type": "Bearer", "expires_in": int(accessTTL / time.Second),
		"refresh_token": refresh, "id_token": idToken, "scope": joinScopes(g.req.scopes),
	})
}

// pkceOK checks an S256 verifier against its challenge.
func pkceOK(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}
