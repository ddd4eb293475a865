package oidc

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
)

// LogoutEvent is the member of a logout token's events claim that makes it a
// back-channel logout token (OpenID Connect Back-Channel Logout 1.0 §2.4).
const LogoutEvent = "http://schemas.openid.net/event/backchannel-logout"

// MaxLogoutTokenAge bounds how long after its iat a logout token is accepted,
// whatever its exp says, and so how long its jti is remembered. A provider
// sends a logout token as the user logs out; Ory Hydra sends none with no exp
// at all, which this bound makes safe to accept.
const MaxLogoutTokenAge = 5 * time.Minute

// maxLogoutIDs bounds the logout token ids remembered by a Client: past it,
// logout tokens are refused (ErrBusy) rather than ids forgotten early.
const maxLogoutIDs = 100_000

// LogoutToken is a verified back-channel logout token: end every session of
// Issuer with SessionID, or of Subject when SessionID is "".
type LogoutToken struct {
	// Issuer is iss, equal to the configured issuer.
	Issuer string
	// Subject is sub; "" when the provider sent only sid.
	Subject string
	// SessionID is sid, the provider's session (IDToken.SessionID of the
	// logins to end); "" when the provider sent only sub.
	SessionID string
	// ID is jti, accepted once.
	ID string
	// IssuedAt is iat.
	IssuedAt time.Time
	// Expiry is when the token stops being accepted: the earlier of its exp
	// and IssuedAt + MaxLogoutTokenAge.
	Expiry time.Time
	// Raw is the compact token.
	Raw string
}

// logoutClaims are the logout token claims beyond the registered ones.
type logoutClaims struct {
	SID    string                     `json:"sid"`
	Events map[string]json.RawMessage `json:"events"`
	Nonce  *json.RawMessage           `json:"nonce"`
}

// VerifyLogoutToken validates a back-channel logout token as OpenID Connect
// Back-Channel Logout 1.0 §2.6 says: the signature with the provider's keys
// and the registered algorithms, iss, aud (naming this client), iat (required,
// not in the future), exp when present, typ logout+jwt when typed (plain JWT
// is accepted too: Ory Hydra and others send it; an ID token or access token
// cannot pass, having no events claim), an events claim holding LogoutEvent
// as a JSON object, sid and/or sub, no nonce, and a jti not seen before (see
// MaxLogoutTokenAge). A token older than MaxLogoutTokenAge is refused even
// when its exp is later. A refused token's error wraps ErrLogoutToken; when
// the check could not be made it wraps ErrUnavailable instead (the keys could
// not be fetched, Config.LogoutIDs failed) or ErrBusy (the memory of seen ids
// is full), so the provider sends it again later.
//
// The ids seen are kept in Config.LogoutIDs: this Client's memory by default,
// a RedisIDStore to refuse a replay on every instance of the app.
func (c *Client) VerifyLogoutToken(ctx context.Context, raw string) (*LogoutToken, error) {
	vs, err := c.verifiers(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := vs.logout.Verify(ctx, raw)
	switch {
	case errors.Is(err, jwtverify.ErrUnavailable):
		return nil, fmt.Errorf("%w: the logout token's keys: %w", ErrUnavailable, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrLogoutToken, err)
	}
	if typ := tok.Header().Typ; typ != "" && !jwtverify.SameType(typ, "logout+jwt") && !jwtverify.SameType(typ, "JWT") {
		return nil, fmt.Errorf("%w: %w: typ %q", ErrLogoutToken, jwtverify.ErrType, clip(typ, 64))
	}
	var lc logoutClaims
	if err := tok.Decode(&lc); err != nil {
		return nil, fmt.Errorf("%w: %w: claims: %w", ErrLogoutToken, jwtverify.ErrMalformed, err)
	}
	if err := checkLogoutClaims(tok, &lc); err != nil {
		return nil, err
	}
	lt := &LogoutToken{
		Issuer: tok.Issuer(), Subject: tok.Subject(), SessionID: lc.SID, ID: tok.ID(),
		IssuedAt: tok.IssuedAt(), Expiry: tok.IssuedAt().Add(MaxLogoutTokenAge), Raw: raw,
	}
	if exp := tok.Expiry(); !exp.IsZero() && exp.Before(lt.Expiry) {
		lt.Expiry = exp
	}
	now := c.cfg.Now()
	if now.After(lt.Expiry.Add(c.leeway())) {
		return nil, fmt.Errorf("%w: %w: issued at %s, older than %s", ErrLogoutToken, jwtverify.ErrExpired,
			lt.IssuedAt.UTC().Format(time.RFC3339), MaxLogoutTokenAge)
	}
	if err := c.markLogoutID(ctx, lt, now); err != nil {
		return nil, err
	}
	return lt, nil
}

// checkLogoutClaims checks the members that make tok a logout token: jti,
// the back-channel event (a JSON object), sid or sub, and no nonce.
func checkLogoutClaims(tok *jwtverify.Token, lc *logoutClaims) error {
	ev, ok := lc.Events[LogoutEvent]
	var obj map[string]json.RawMessage
	switch {
	case !ok:
		return fmt.Errorf("%w: events has no %s member", ErrLogoutToken, LogoutEvent)
	case json.Unmarshal(ev, &obj) != nil || obj == nil:
		return fmt.Errorf("%w: the %s event is not a JSON object", ErrLogoutToken, LogoutEvent)
	case lc.Nonce != nil:
		return fmt.Errorf("%w: a logout token has no nonce (an ID token?)", ErrLogoutToken)
	case lc.SID == "" && tok.Subject() == "":
		return fmt.Errorf("%w: neither sid nor sub", ErrLogoutToken)
	case tok.ID() == "":
		return fmt.Errorf("%w: no jti", ErrLogoutToken)
	}
	return nil
}

// markLogoutID claims lt's jti (keyed with its issuer) in the IDStore until
// lt expires: ErrLogoutToken when it was seen before, ErrUnavailable or
// ErrBusy (not ErrLogoutToken: the provider should send it again) when the
// store cannot tell.
func (c *Client) markLogoutID(ctx context.Context, lt *LogoutToken, now time.Time) error {
	ttl := lt.Expiry.Add(c.leeway()).Sub(now) + time.Second
	fresh, err := c.logoutIDs.Claim(ctx, logoutIDKey(lt), ttl)
	switch {
	case err != nil:
		if !errors.Is(err, ErrUnavailable) && !errors.Is(err, ErrBusy) {
			err = fmt.Errorf("%w: logout token ids: %w", ErrUnavailable, err)
		}
		return err
	case !fresh:
		return fmt.Errorf("%w: jti %q already seen", ErrLogoutToken, clip(lt.ID, 64))
	}
	return nil
}

// ForgetLogoutToken releases lt's jti, so that the provider's next delivery
// of the same token is accepted: call it when the sessions lt names could
// not be ended after VerifyLogoutToken accepted it (BackChannelLogout does).
func (c *Client) ForgetLogoutToken(ctx context.Context, lt *LogoutToken) error {
	return c.logoutIDs.Release(ctx, logoutIDKey(lt))
}

// logoutIDKey is the IDStore id of lt's jti: base64url SHA-256 of the issuer
// and the jti, so any jti is a safe key and issuers never collide.
func logoutIDKey(lt *LogoutToken) string {
	sum := sha256.Sum256([]byte(lt.Issuer + "\x00" + lt.ID))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// leeway is the clock skew allowed: Config.Leeway's rule (0: jwtverify's
// default, negative: none).
func (c *Client) leeway() time.Duration {
	switch {
	case c.cfg.Leeway == 0:
		return jwtverify.DefaultLeeway
	case c.cfg.Leeway < 0:
		return 0
	}
	return c.cfg.Leeway
}
