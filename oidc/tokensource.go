package oidc

import (
	"context"
	"fmt"
	"time"
)

// TokenSource hands out a valid access token, refreshing it (single-flight) when
// it is about to expire and passing every new set of tokens to a persistence hook.
type TokenSource struct {
	c    *Client
	save func(context.Context, *Tokens) error
	sem  chan struct{} // guards cur; one refresh at a time
	cur  *Tokens
}

// refreshMargin is how long before expiry a token is refreshed.
const refreshMargin = 30 * time.Second

// TokenSource returns a TokenSource starting from t (nil: no tokens, so Token
// fails with ErrNoRefreshToken). t.IDToken should be the login's verified ID
// token: a refreshed ID token is verified and compared with it (Refresh). save, when not nil, is called with each
// refreshed Tokens (e.g. to store them in the session) before they are used; an
// error from it fails the call.
func (c *Client) TokenSource(t *Tokens, save func(context.Context, *Tokens) error) *TokenSource {
	var cp Tokens
	if t != nil {
		cp = *t
	}
	return &TokenSource{c: c, save: save, sem: make(chan struct{}, 1), cur: &cp}
}

// Token returns the current tokens, refreshed first when the access token is
// missing or expires within 30 seconds.
func (s *TokenSource) Token(ctx context.Context) (*Tokens, error) {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.sem }()
	if s.cur.AccessToken != "" && (s.cur.Expiry.IsZero() || s.c.cfg.Now().Add(refreshMargin).Before(s.cur.Expiry)) {
		cp := *s.cur
		return &cp, nil
	}
	if s.cur.RefreshToken == "" {
		return nil, fmt.Errorf("%w: access token missing or expired", ErrNoRefreshToken)
	}
	t, err := s.c.Refresh(ctx, s.cur.RefreshToken, s.cur.IDToken)
	if err != nil {
		return nil, err
	}
	if s.save != nil {
		if err := s.save(ctx, t); err != nil {
			return nil, fmt.Errorf("oidc: saving refreshed tokens: %w", err)
		}
	}
	s.cur = t
	cp := *t
	return &cp, nil
}
