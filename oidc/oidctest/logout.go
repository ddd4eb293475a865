package oidctest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sesame-go/sesame/jwtverify/jwttest"
	"github.com/sesame-go/sesame/oidc"
)

// logoutTokenTTL is the exp of the fake's logout tokens after their iat, the
// two minutes OpenID Connect Back-Channel Logout 1.0 §2.4 suggests.
const logoutTokenTTL = 2 * time.Minute

// LogoutToken describes a back-channel logout token (OpenID Connect
// Back-Channel Logout 1.0 §2.4) to mint with Server.LogoutToken. The zero
// value is well formed but names no one: set Subject, SessionID or both.
// The other fields break it on purpose.
type LogoutToken struct {
	// Subject is sub ("" leaves it out).
	Subject string
	// SessionID is sid, as in the ID tokens of the logins to end
	// (oidc.IDToken.SessionID); "" leaves it out.
	SessionID string
	// ID is jti; default 256 random bits. Set it to send one token id twice.
	ID string
	// Typ is the header typ; default "logout+jwt". "-" leaves it out.
	Typ string
	// NoExp leaves exp out (Ory Hydra's tokens); default iat + 2 min.
	NoExp bool
	// IssuedAgo moves iat (and exp) into the past.
	IssuedAgo time.Duration
	// NoIssuedAt leaves iat out.
	NoIssuedAt bool
	// NoID leaves jti out.
	NoID bool
	// NoEvent leaves the events claim out; EventNotObject makes the
	// back-channel event a string instead of an object.
	NoEvent, EventNotObject bool
	// Nonce adds a nonce, which a logout token must not have.
	Nonce bool
	// WrongIssuer, WrongAudience and BadSignature break iss, aud and the
	// signature.
	WrongIssuer, WrongAudience, BadSignature bool
}

// LogoutToken mints a logout token for the registered client, signed like
// the ID tokens (IDTokenAlg), broken as lt asks.
func (s *Server) LogoutToken(lt LogoutToken) (string, error) {
	now := s.cfg.Now().Add(-lt.IssuedAgo)
	c := map[string]any{
		"iss": s.Issuer, "aud": s.cfg.ClientID, "iat": now.Unix(), "exp": now.Add(logoutTokenTTL).Unix(),
		"jti": lt.ID, "events": map[string]any{oidc.LogoutEvent: map[string]any{}},
	}
	if lt.ID == "" {
		c["jti"] = randomToken()
	}
	for name, v := range map[string]string{"sub": lt.Subject, "sid": lt.SessionID} {
		if v != "" {
			c[name] = v
		}
	}
	drop := map[string]bool{"exp": lt.NoExp, "iat": lt.NoIssuedAt, "jti": lt.NoID, "events": lt.NoEvent}
	for name, d := range drop {
		if d {
			delete(c, name)
		}
	}
	if lt.EventNotObject {
		c["events"] = map[string]any{oidc.LogoutEvent: "logout"}
	}
	if lt.Nonce {
		c["nonce"] = randomToken()
	}
	if lt.WrongIssuer {
		c["iss"] = "https://evil.example"
	}
	if lt.WrongAudience {
		c["aud"] = "another-client"
	}
	typ := lt.Typ
	if typ == "" {
		typ = "logout+jwt"
	}
	alg := s.cfg.IDTokenAlg
	s.mu.Lock()
	kid := s.ecKid
	if alg == "RS256" {
		kid = s.rsaKid
	}
	s.mu.Unlock()
	opts := []jwttest.Option{jwttest.WithKid(kid), jwttest.WithAlg(alg), jwttest.WithHeader("typ", typ)}
	if typ == "-" {
		opts[2] = jwttest.WithoutTyp()
	}
	var tok string
	var err error
	if alg == "HS256" {
		header := `{"alg":"HS256","typ":"` + typ + `"}`
		if typ == "-" {
			header = `{"alg":"HS256"}`
		}
		payload, _ := json.Marshal(c) // strings, numbers and maps: cannot fail
		tok, err = jwttest.SignHMAC("HS256", []byte(s.cfg.ClientSecret), []byte(header), payload)
	} else {
		tok, err = s.keys.MintE(c, opts...)
	}
	if err != nil || !lt.BadSignature {
		return tok, err
	}
	return corrupt(tok), nil
}

// SendLogoutToken POSTs token as the logout_token form parameter to an app's
// back-channel logout URI, as the provider does, with hc (nil:
// http.DefaultClient), and returns the answer's status and body (its first
// 64 KiB).
func (s *Server) SendLogoutToken(ctx context.Context, hc *http.Client, backchannelURI, token string) (int, string, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	body := url.Values{"logout_token": {token}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, backchannelURI, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(b), err
}

// LastSessionID returns the sid of the latest login the fake issued (the
// sid of its ID tokens, oidc.IDToken.SessionID), "" before any: a test that
// just logged in through the app learns the provider session to end.
func (s *Server) LastSessionID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSID
}

// LogoutSession ends the fake's session sid as a user logging out at the
// provider does: prompt=none no longer finds it, and a good logout token with
// that sid and its agent's sub is posted, with hc (nil: http.DefaultClient),
// to Config.BackChannelLogoutURI. It returns the app's answer (200 when the
// app ended its sessions). An unknown or already ended sid, or no registered
// URI, is an error and nothing is sent.
func (s *Server) LogoutSession(ctx context.Context, hc *http.Client, sid string) (int, string, error) {
	s.mu.Lock()
	agent, ok := s.sessions[sid]
	delete(s.sessions, sid)
	s.mu.Unlock()
	switch {
	case s.cfg.BackChannelLogoutURI == "":
		return 0, "", errors.New("oidctest: no Config.BackChannelLogoutURI")
	case !ok:
		return 0, "", errors.New("oidctest: no open session with this sid")
	}
	tok, err := s.LogoutToken(LogoutToken{SessionID: sid, Subject: s.cfg.Agents[agent].Sub})
	if err != nil {
		return 0, "", err
	}
	return s.SendLogoutToken(ctx, hc, s.cfg.BackChannelLogoutURI, tok)
}
