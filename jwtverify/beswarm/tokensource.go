package beswarm

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// DefaultRefreshBefore is how long before the earlier expiry of its two
// tokens a TokenSource refreshes them.
const DefaultRefreshBefore = time.Minute

// TokenSourceConfig tunes a TokenSource.
type TokenSourceConfig struct {
	// RefreshBefore is how long before the earlier exp of the user and the
	// application token both are refreshed (default one minute).
	RefreshBefore time.Duration
	// OnRefresh, when set, is called after each refresh attempt with the new
	// set, or with the error (then set is nil). It runs on the goroutine that
	// refreshed; keep it short (store the set in the user's session, say).
	OnRefresh func(set *TokenSet, err error)
}

// TokenSource hands out a current TokenSet, renewing both its tokens before
// either expires (the code challenge travels in the set). Concurrent callers
// share one refresh (single-flight). It is safe for concurrent use.
type TokenSource struct {
	c      *Client
	before time.Duration
	hook   func(*TokenSet, error)

	mu       sync.Mutex
	set      *TokenSet
	inflight *refreshCall
}

type refreshCall struct {
	done chan struct{}
	set  *TokenSet
	err  error
}

// TokenSource returns a source that starts from set (as Callback returned it,
// or loaded from the app's store) and refreshes it with Client.Refresh.
//
//	ts := client.TokenSource(set, beswarm.TokenSourceConfig{OnRefresh: save})
//	set, err := ts.Token(ctx)
func (c *Client) TokenSource(set *TokenSet, cfg TokenSourceConfig) *TokenSource {
	if cfg.RefreshBefore <= 0 {
		cfg.RefreshBefore = DefaultRefreshBefore
	}
	return &TokenSource{c: c, set: set, before: cfg.RefreshBefore, hook: cfg.OnRefresh}
}

// expiry is the earlier exp of set's two tokens.
func expiry(set *TokenSet) time.Time {
	if set.Application.Expiry.Before(set.User.Expiry) {
		return set.Application.Expiry
	}
	return set.User.Expiry
}

// Token returns the current set, refreshing both tokens first when either
// expires within RefreshBefore. A failed refresh returns its error once a
// token of the current set has expired, and the current set before that.
func (ts *TokenSource) Token(ctx context.Context) (*TokenSet, error) {
	ts.mu.Lock()
	set := ts.set
	if set == nil {
		ts.mu.Unlock()
		return nil, fmt.Errorf("%w: no token set", ErrDenied)
	}
	now := ts.c.cfg.Now()
	if now.Before(expiry(set).Add(-ts.before)) {
		ts.mu.Unlock()
		return set, nil
	}
	cl := ts.inflight
	if cl == nil {
		cl = &refreshCall{done: make(chan struct{})}
		ts.inflight = cl
		go ts.refresh(context.WithoutCancel(ctx), set, cl)
	}
	ts.mu.Unlock()
	select {
	case <-cl.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for a refresh: %w", ErrUnavailable, ctx.Err())
	}
	if cl.err != nil {
		if now.Before(expiry(set)) {
			return set, nil
		}
		return nil, cl.err
	}
	return cl.set, nil
}

// refresh runs one refresh for every waiting caller.
func (ts *TokenSource) refresh(ctx context.Context, old *TokenSet, cl *refreshCall) {
	ctx, cancel := context.WithTimeout(ctx, ts.c.cfg.Timeout)
	defer cancel()
	set, err := ts.c.Refresh(ctx, old)
	ts.mu.Lock()
	if err == nil {
		ts.set = set
	}
	ts.inflight = nil
	ts.mu.Unlock()
	cl.set, cl.err = set, err
	if err != nil {
		ts.c.log.Warn("beswarm: token refresh failed", "err", err)
	}
	if ts.hook != nil {
		ts.hook(set, err)
	}
	close(cl.done)
}
