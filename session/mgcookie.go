package session

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/nacl/secretbox"
)

const (
	nonceLen = 24
	// maxMGCookie bounds the cookie value read from a request.
	maxMGCookie = 4096
	// secretReload is how long a cached secret is trusted before a cookie that
	// fails to open makes it reload (the secret may have rotated).
	secretReload = 10 * time.Second
)

// Seal returns rec sealed for the mgsession cookie: standard base64 of a NaCl
// secretbox (24-byte random nonce ‖ box) of the record's JSON without nomUsager,
// as MilleGrilles seals it (the name lives in the Redis record only).
func (g *MGSessions) Seal(ctx context.Context, rec *MGRecord) (string, error) {
	key, err := g.secretKey(ctx, false)
	if err != nil {
		return "", err
	}
	var nonce [nonceLen]byte
	_, _ = rand.Read(nonce[:])
	box := secretbox.Seal(nonce[:], encodeMGCookie(rec), &nonce, key)
	return base64.StdEncoding.EncodeToString(box), nil
}

// Open reverses Seal. A value that is not base64, is truncated or was sealed with
// another key is ErrCookie; a cookie that opens to a bad record is ErrCorrupt.
// The record's NomUsager is empty unless the cookie carried one.
func (g *MGSessions) Open(ctx context.Context, value string) (*MGRecord, error) {
	if len(value) > maxMGCookie {
		return nil, fmt.Errorf("%w: %s of %d bytes", ErrCookie, g.cfg.CookieName, len(value))
	}
	box, err := base64.StdEncoding.Strict().DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not base64", ErrCookie, g.cfg.CookieName)
	}
	if len(box) < nonceLen+secretbox.Overhead {
		return nil, fmt.Errorf("%w: %s is truncated (%d bytes)", ErrCookie, g.cfg.CookieName, len(box))
	}
	var nonce [nonceLen]byte
	copy(nonce[:], box)
	for reload := false; ; reload = true {
		key, err := g.secretKey(ctx, reload)
		if err != nil {
			return nil, err
		}
		if msg, ok := secretbox.Open(nil, box[nonceLen:], &nonce, key); ok {
			rec, err := decodeMGFields(msg, true)
			if err == nil && !validChallenge(rec.Challenge) {
				err = fmt.Errorf("%w: sealed challenge %.50q", ErrCorrupt, rec.Challenge)
			}
			return rec, err
		}
		if reload || !g.secretStale() {
			return nil, fmt.Errorf("%w: %s does not open", ErrCookie, g.cfg.CookieName)
		}
	}
}

func (g *MGSessions) secretStale() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.cfg.Now().Sub(g.secretRead) >= secretReload
}

// secretKey returns the cached secret, reading it from Redis the first time or
// when reload is set.
func (g *MGSessions) secretKey(ctx context.Context, reload bool) (*[32]byte, error) {
	g.mu.Lock()
	key := g.secret
	g.mu.Unlock()
	if key != nil && !reload {
		return key, nil
	}
	s, err := g.client.Get(ctx, g.cfg.SecretKey).Result()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w: %s is not set", ErrSecret, g.cfg.SecretKey)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("%w: %s is not 32 bytes of base64", ErrSecret, g.cfg.SecretKey)
	}
	key = new([32]byte)
	copy(key[:], b)
	g.mu.Lock()
	g.secret, g.secretRead = key, g.cfg.Now()
	g.mu.Unlock()
	return key, nil
}

// Login creates a record for rec's user lasting ttl and sets its sealed cookie
// on w (HttpOnly, Secure, Path=/, Max-Age=ttl).
func (g *MGSessions) Login(ctx context.Context, w http.ResponseWriter, rec MGRecord, ttl time.Duration) (*MGRecord, error) {
	created, err := g.Create(ctx, rec, ttl)
	if err != nil {
		return nil, err
	}
	value, err := g.Seal(ctx, created)
	if err != nil {
		return nil, err
	}
	g.setCookie(w, value, int(ttl/time.Second))
	return created, nil
}

// Authenticate opens r's cookie and loads the live record it names, checking it
// belongs to the cookie's user. Errors: ErrNotFound without a cookie or record,
// ErrCookie, ErrCorrupt, ErrRevoked, ErrExpired, ErrSecret, ErrUnavailable.
func (g *MGSessions) Authenticate(r *http.Request) (*MGRecord, error) {
	c, err := r.Cookie(g.cfg.CookieName)
	if err != nil {
		return nil, fmt.Errorf("%w: no %s cookie", ErrNotFound, g.cfg.CookieName)
	}
	sealed, err := g.Open(r.Context(), c.Value)
	if err != nil {
		return nil, err
	}
	rec, err := g.Get(r.Context(), sealed.Challenge)
	if err != nil {
		return nil, err
	}
	if rec.UserID != sealed.UserID {
		return nil, fmt.Errorf("%w: the record's user is not the cookie's", ErrCorrupt)
	}
	return rec, nil
}

// Logout tombstones the record of r's cookie, if it opens, and expires the
// cookie on w. When Redis or the secret is unavailable it returns the error
// (ErrUnavailable, ErrSecret) and leaves the cookie alone, so the session is not
// dropped by the browser while it lives on in Redis: answer 503 and let the user
// retry.
func (g *MGSessions) Logout(w http.ResponseWriter, r *http.Request) error {
	c, err := r.Cookie(g.cfg.CookieName)
	if err != nil {
		g.setCookie(w, "", -1)
		return nil
	}
	sealed, err := g.Open(r.Context(), c.Value)
	if err == nil {
		err = g.Revoke(r.Context(), sealed.Challenge)
	} else if !errors.Is(err, ErrUnavailable) && !errors.Is(err, ErrSecret) {
		err = nil // nothing we issued: nothing to revoke
	}
	if err != nil {
		return err
	}
	g.setCookie(w, "", -1)
	return nil
}
