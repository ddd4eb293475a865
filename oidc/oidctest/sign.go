package oidctest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// idToken mints the ID token of g for the access token, applying the faults.
func (s *Server) idToken(g *grant, access string, withNonce bool) (string, error) {
	f := s.currentFaults()
	now := s.cfg.Now()
	c := map[string]any{
		"iss": s.Issuer, "sub": s.cfg.Agents[g.agent].Sub, "aud": s.cfg.ClientID,
		"iat": now.Unix(), "exp": now.Add(idTokenTTL).Unix(), "auth_time": g.authTime.Unix(),
		"acr": s.acrFor(g.req), "sid": g.sid, "at_hash": atHash(access),
	}
	if withNonce {
		c["nonce"] = g.req.nonce
	}
	if s.cfg.NoUserInfo { // the claims a userinfo would have answered
		for k, v := range claimsOf(s.cfg.Agents[g.agent], g.req.scopes) {
			c[k] = v
		}
	}
	if g.req.amr {
		c["amr"] = []string{"pwd"}
	}
	applyIDTokenFaults(c, f, now)
	return s.sign(c, s.cfg.IDTokenAlg, f)
}

// acrFor is the acr of a login: Config.ACR, unless the request asked for other
// values, then the first of them ProConnect knows (the agent met the level asked
// for); Faults.ACR overrides it.
func (s *Server) acrFor(req *authRequest) string {
	if len(req.acr) == 0 || slices.Contains(req.acr, s.cfg.ACR) {
		return s.cfg.ACR
	}
	if s.cfg.Generic {
		return req.acr[0] // a generic provider meets whatever level is asked
	}
	for _, v := range req.acr {
		if slices.Contains(acrValues(), v) {
			return v
		}
	}
	return s.cfg.ACR
}

// applyIDTokenFaults rewrites the claims as the faults ask.
func applyIDTokenFaults(c map[string]any, f Faults, now time.Time) {
	if f.WrongNonce {
		c["nonce"] = randomToken()
	}
	if f.NoNonce {
		delete(c, "nonce")
	}
	if f.WrongAudience {
		c["aud"] = "another-client"
	}
	if f.ExtraAudience {
		c["aud"] = []any{c["aud"], "another-client"}
	}
	if f.WrongIssuer {
		c["iss"] = "https://evil.example/api/v2"
	}
	if f.Expired {
		c["iat"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
	}
	if f.FutureIssuedAt {
		c["iat"], c["exp"] = now.Add(time.Hour).Unix(), now.Add(2*time.Hour).Unix()
	}
	if f.WrongAtHash {
		c["at_hash"] = atHash("another access token")
	}
	if f.NoAtHash {
		delete(c, "at_hash")
	}
	if f.ACR != "" {
		c["acr"] = f.ACR
	}
	if f.Subject != "" {
		c["sub"] = f.Subject
	}
	if f.NoIssuedAt {
		delete(c, "iat")
	}
	if f.OldAuthTime {
		c["auth_time"] = now.Add(-2 * time.Hour).Unix()
	}
	if f.NoAuthTime {
		delete(c, "auth_time")
	}
}

// sign signs claims with alg (ES256, RS256 or HS256), applying the signature
// faults.
func (s *Server) sign(claims map[string]any, alg string, f Faults) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	kid := s.ecKid
	if alg == "RS256" {
		kid = s.rsaKid
	}
	s.mu.Unlock()
	var tok string
	switch {
	case f.AlgNone:
		return jwttest.Raw([]byte(`{"alg":"none","typ":"JWT"}`), payload, nil), nil
	case f.HS256 || alg == "HS256":
		tok, err = jwttest.SignHMAC("HS256", []byte(s.cfg.ClientSecret), []byte(`{"alg":"HS256","typ":"JWT"}`), payload)
	case f.UnknownKid:
		tok, err = s.keys.SignRaw(kid, alg, []byte(`{"alg":"`+alg+`","typ":"JWT","kid":"not-published"}`), payload)
	case f.AccessTokenTyp:
		tok, err = s.keys.MintE(claims, jwttest.WithKid(kid), jwttest.WithAlg(alg), jwttest.WithHeader("typ", "at+jwt"))
	default:
		tok, err = s.keys.MintE(claims, jwttest.WithKid(kid), jwttest.WithAlg(alg))
	}
	if err != nil || !f.BadSignature {
		return tok, err
	}
	return corrupt(tok), nil
}

// corrupt flips one bit of a token's signature.
func corrupt(tok string) string {
	i := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil || len(sig) == 0 {
		return tok + "x"
	}
	sig[len(sig)/2] ^= 0x01
	return tok[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// atHash is the at_hash of an access token under a 256-bit alg.
func atHash(access string) string {
	sum := sha256.Sum256([]byte(access))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// userinfo answers the agent's claims for the scopes of the access token: a JWT
// signed with UserInfoAlg (application/jwt; charset=utf-8), or JSON when it is
// "none".
func (s *Server) userinfo(w http.ResponseWriter, r *http.Request) {
	g := s.bearer(r)
	if g == nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_token", "unknown or expired access token")
		return
	}
	f := s.currentFaults()
	if f.UserInfoHuge {
		w.Header().Set("Content-Type", "application/jwt; charset=utf-8")
		_, _ = w.Write([]byte(strings.Repeat("A", 10<<20)))
		return
	}
	c := claimsOf(s.cfg.Agents[g.agent], g.req.scopes)
	if f.UserInfoSub != "" {
		c["sub"] = f.UserInfoSub
	}
	if s.cfg.UserInfoAlg == "none" || f.UserInfoJSON {
		writeJSON(w, http.StatusOK, "no-store", c)
		return
	}
	now := s.cfg.Now()
	c["iss"], c["aud"], c["iat"], c["exp"] = s.Issuer, s.cfg.ClientID, now.Unix(), now.Add(time.Minute).Unix()
	if f.UserInfoWrongIssuer {
		c["iss"] = "https://evil.example/api/v2"
	}
	if f.UserInfoWrongAud {
		c["aud"] = "another-client"
	}
	if f.UserInfoNoTimes {
		delete(c, "iat")
		delete(c, "exp")
	}
	tok, err := s.sign(c, s.cfg.UserInfoAlg, Faults{})
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/jwt; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(tok))
}

// bearer returns the live grant of the request's access token.
func (s *Server) bearer(r *http.Request) *grant {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.access[token]
	if g == nil || s.cfg.Now().After(g.expires) {
		return nil
	}
	return g
}

// joinScopes joins scopes with spaces.
func joinScopes(scopes []string) string { return strings.Join(scopes, " ") }
