package oidc

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"
)

// SessionIndex is where the app's sessions are indexed by the provider's
// session and user, so that a back-channel logout ends them on every
// instance of the app. *session.Manager implements it (on a RedisStore or a
// MemoryStore); set it as HandlerConfig.Sessions and the handlers do the
// rest:
//
//	h, err := oidc.NewHandlers(client, oidc.HandlerConfig{FlowKey: key, Sessions: sessions, OnLogin: onLogin})
//	mux.Handle("POST /auth/backchannel-logout", h.BackChannelLogout())
//
// Callback tags the session of each login, after OnLogin, with the opaque
// names of its (iss, sid) and (iss, sub), stamped with the ID token's iat;
// BackChannelLogout ends the sessions of a logout token's (iss, sid), or of
// its (iss, sub) when it has no sid (Back-Channel Logout 1.0 §2.4, §2.7),
// established at or before the logout token's iat. Both times are the
// provider's clock, so a login after the logout is left alone, and a login
// of that provider session still under way is refused.
type SessionIndex interface {
	// TagSession replaces the tags of the session of r (the callback request)
	// with names, each established at at. A failure must leave the session
	// unsaved (session.Manager's does): a login is never stored without the
	// tags its logout needs.
	TagSession(r *http.Request, at time.Time, names ...string) error
	// EndTagged ends every session tagged name at or before at, on every
	// instance, and keeps refusing such sessions; it returns how many it
	// ended.
	EndTagged(ctx context.Context, name string, at time.Time) (int, error)
}

// The kinds of tag a login carries.
const (
	tagSID   = "sid"   // the provider's session: (iss, sid)
	tagSub   = "sub"   // the user: (iss, sub)
	tagNoSID = "nosid" // the user, for a login whose ID token had no sid
)

// loginTags names the tags of a login: its sid (or, without one, its user
// marked as sid-less) and its user.
func loginTags(idt *IDToken) []string {
	second := sessionTag(tagNoSID, idt.Issuer, idt.Subject)
	if idt.SessionID != "" {
		second = sessionTag(tagSID, idt.Issuer, idt.SessionID)
	}
	return []string{sessionTag(tagSub, idt.Issuer, idt.Subject), second}
}

// logoutTags names the tags a logout token ends: its sid's, and the sid-less
// logins of its sub (no sid can match them: ending them fails closed); or,
// without sid, every login of its sub.
func logoutTags(lt *LogoutToken) []string {
	switch {
	case lt.SessionID == "":
		return []string{sessionTag(tagSub, lt.Issuer, lt.Subject)}
	case lt.Subject == "":
		return []string{sessionTag(tagSID, lt.Issuer, lt.SessionID)}
	}
	return []string{sessionTag(tagSID, lt.Issuer, lt.SessionID), sessionTag(tagNoSID, lt.Issuer, lt.Subject)}
}

// sessionTag is the tag of value (a sid or a sub) of issuer iss:
// "oidc.<kind>." and the base64url SHA-256 of both, so any value is safe in
// a Redis key and in the session record, and bounded (54 bytes at most).
func sessionTag(kind, iss, value string) string {
	sum := sha256.Sum256([]byte(iss + "\x00" + value))
	return "oidc." + kind + "." + base64.RawURLEncoding.EncodeToString(sum[:])
}

// tagLogin tags the session of r with l's provider session and user, when
// HandlerConfig.Sessions is set.
func (h *Handlers) tagLogin(r *http.Request, l *Login) error {
	if h.cfg.Sessions == nil {
		return nil
	}
	if err := h.cfg.Sessions.TagSession(r, l.IDToken.IssuedAt, loginTags(l.IDToken)...); err != nil {
		return fmt.Errorf("oidc: the login's session could not be tagged: %w", err)
	}
	return nil
}

// endSessions ends the sessions lt names: through HandlerConfig.Sessions
// when set, then OnBackChannelLogout when set.
func (h *Handlers) endSessions(ctx context.Context, lt *LogoutToken) error {
	n := 0
	if h.cfg.Sessions != nil {
		for _, tag := range logoutTags(lt) {
			m, err := h.cfg.Sessions.EndTagged(ctx, tag, lt.IssuedAt)
			n += m
			if err != nil {
				return fmt.Errorf("%w: ending the sessions: %w", ErrUnavailable, err)
			}
		}
	}
	if h.cfg.OnBackChannelLogout != nil {
		if err := h.cfg.OnBackChannelLogout(ctx, lt); err != nil {
			return err
		}
	}
	h.cfg.Logger.DebugContext(ctx, "oidc: back-channel logout", "sid", lt.SessionID != "", "sub", lt.Subject != "", "sessions", n)
	return nil
}
