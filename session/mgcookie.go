package session

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/nacl/secretbox"
)

const (
	nonceLen = 24
	// maxMGCookie bounds the cookie value read from a request.
	maxMGCookie = 4096
	// DefaultSecretRefresh is how long a secret read from Redis is used before
	// it is read again.
	DefaultSecretRefresh = 5 * time.Second
	// DefaultSecretGrace is how long the previous secret still opens cookies
	// after a rotation was seen.
	DefaultSecretGrace = time.Minute
	// secretRetry is how soon a cookie that opens with no known secret makes the
	// secret be read again (a rotation not seen yet), at most.
	secretRetry = time.Second
)

// secretState is the cookie secret as last read from Redis.
type secretState struct {
	cur       *[32]byte // nil when err is set
	prev      *[32]byte // the secret before the last rotation, nil if none
	prevUntil time.Time // prev opens cookies until then
	read      time.Time // when Redis was last read
	err       error     // ErrSecret: the stored secret is missing or malformed
}

// Seal returns rec sealed for the mgsession cookie: standard base64 of a NaCl
// secretbox (24-byte random nonce ‖ box) of the record's JSON without nomUsager,
// as MilleGrilles seals it (the name lives in the Redis record only), with the
// current secret.
func (g *MGSessions) Seal(ctx context.Context, rec *MGRecord) (string, error) {
	st, err := g.secretKeys(ctx, false)
	if err != nil {
		return "", err
	}
	var nonce [nonceLen]byte
	_, _ = rand.Read(nonce[:])
	box := secretbox.Seal(nonce[:], encodeMGCookie(rec), &nonce, st.cur)
	return base64.StdEncoding.EncodeToString(box), nil
}

// Open reverses Seal, with the current secret or, for MGConfig.SecretGrace
// after a rotation, the previous one. A value that is not base64, is truncated
// or was sealed with another key is ErrCookie; a cookie that opens to a bad
// record is ErrCorrupt. The record's NomUsager is empty unless the cookie
// carried one.
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
	for retry := false; ; retry = true {
		st, err := g.secretKeys(ctx, retry)
		if err != nil {
			return nil, err
		}
		for _, key := range []*[32]byte{st.cur, st.prevAt(g.cfg.Now())} {
			if key == nil {
				continue
			}
			if msg, ok := secretbox.Open(nil, box[nonceLen:], &nonce, key); ok {
				rec, err := decodeMGFields(msg, true)
				if err == nil && !validChallenge(rec.Challenge) {
					err = fmt.Errorf("%w: sealed challenge %.50q", ErrCorrupt, rec.Challenge)
				}
				return rec, err
			}
		}
		if retry || g.cfg.Now().Sub(st.read) < secretRetry {
			return nil, fmt.Errorf("%w: %s does not open", ErrCookie, g.cfg.CookieName)
		}
	}
}

// prevAt returns the previous secret while its grace lasts.
func (st *secretState) prevAt(now time.Time) *[32]byte {
	if st.prev != nil && now.Before(st.prevUntil) {
		return st.prev
	}
	return nil
}

// secretKeys returns the secret state, reading Redis when the state is older
// than SecretRefresh (or secretRetry, with retry set). One request reads at a
// time; the others wait for its answer.
func (g *MGSessions) secretKeys(ctx context.Context, retry bool) (*secretState, error) {
	for {
		g.mu.Lock()
		st, loading := g.secrets, g.loading
		fresh := st != nil && g.cfg.Now().Sub(st.read) < g.cfg.SecretRefresh
		if retry {
			fresh = st != nil && g.cfg.Now().Sub(st.read) < secretRetry
		}
		if fresh {
			g.mu.Unlock()
			if st.err != nil {
				return nil, st.err
			}
			return st, nil
		}
		if loading == nil {
			done := make(chan struct{})
			g.loading = done
			g.mu.Unlock()
			st, err := g.readSecret(ctx, st)
			g.mu.Lock()
			if err == nil {
				g.secrets = st
			}
			g.loading = nil
			g.mu.Unlock()
			close(done)
			if err != nil {
				return nil, err
			}
			if st.err != nil {
				return nil, st.err
			}
			return st, nil
		}
		g.mu.Unlock()
		select {
		case <-loading:
			retry = false // the read that just ended is fresh enough
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
		}
	}
}

// readSecret reads the secret with one GET and returns the state that follows
// old. Redis failing is an error (nothing cached); a missing or malformed secret
// is a state carrying ErrSecret, cached like a good one, so cookies fail closed.
func (g *MGSessions) readSecret(ctx context.Context, old *secretState) (*secretState, error) {
	now := g.cfg.Now()
	st := &secretState{read: now}
	if old != nil {
		st.prev, st.prevUntil = old.prev, old.prevUntil
	}
	s, err := g.client.Get(ctx, g.cfg.SecretKey).Result()
	switch {
	case errors.Is(err, redis.Nil):
		st.err = fmt.Errorf("%w: %s is not set", ErrSecret, g.cfg.SecretKey)
		return st, nil
	case err != nil:
		return nil, g.unavailable(ctx, err)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != 32 {
		st.err = fmt.Errorf("%w: %s is not 32 bytes of base64", ErrSecret, g.cfg.SecretKey)
		return st, nil
	}
	st.cur = new([32]byte)
	copy(st.cur[:], b)
	if old != nil && old.cur != nil {
		if subtle.ConstantTimeCompare(old.cur[:], st.cur[:]) == 1 {
			st.cur = old.cur
		} else {
			st.prev, st.prevUntil = old.cur, now.Add(g.cfg.SecretGrace)
			g.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "mgsession cookie secret rotated", slog.String("key", g.cfg.SecretKey))
		}
	}
	return st, nil
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
