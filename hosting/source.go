package hosting

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"golang.org/x/sync/singleflight"
)

// TokenSource gives an instance's hosting tokens. CachedSource implements it;
// tests may fake it.
type TokenSource interface {
	// Tokens returns instanceID's current tokens.
	Tokens(ctx context.Context, instanceID string) (*Tokens, error)
}

// Fetcher obtains fresh tokens for an instance, typically from MilleGrilles'
// hosting service. CachedSource calls it on a cache miss.
type Fetcher interface {
	// Fetch returns new tokens for instanceID.
	Fetch(ctx context.Context, instanceID string) (*Tokens, error)
}

// FetcherFunc adapts a function to Fetcher.
type FetcherFunc func(ctx context.Context, instanceID string) (*Tokens, error)

// Fetch calls f.
func (f FetcherFunc) Fetch(ctx context.Context, instanceID string) (*Tokens, error) {
	return f(ctx, instanceID)
}

// CachedSource is a TokenSource reading a Cache and filling it through a Fetcher
// on a miss. Concurrent misses of one instance share one fetch (single-flight);
// a record the cache refuses (expired, malformed, ...) is replaced the same way.
// When Redis is down it answers ErrUnavailable rather than fetch for every
// request.
type CachedSource struct {
	cache   *Cache
	fetcher Fetcher
	group   singleflight.Group
	fetches atomic.Int64
}

// NewTokenSource returns a source over cache and fetcher.
func NewTokenSource(cache *Cache, fetcher Fetcher) (*CachedSource, error) {
	if cache == nil || fetcher == nil {
		return nil, fmt.Errorf("%w: nil cache or fetcher", ErrConfig)
	}
	return &CachedSource{cache: cache, fetcher: fetcher}, nil
}

// Tokens returns instanceID's tokens from the cache, fetching and storing them
// when the cache has none it accepts. Errors: those of Cache.Get and Cache.Put,
// and ErrFetch.
func (s *CachedSource) Tokens(ctx context.Context, instanceID string) (*Tokens, error) {
	t, err := s.cache.Get(ctx, instanceID)
	if err == nil || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInstanceID) {
		return t, err
	}
	ch := s.group.DoChan(instanceID, func() (any, error) {
		return s.fill(context.WithoutCancel(ctx), instanceID)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*Tokens), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
}

// fill fetches and stores instanceID's tokens, for all coalesced callers. Tokens
// that fail Put's checks are not returned; tokens that pass but cannot be
// written (Redis down) are, and the failure is logged.
func (s *CachedSource) fill(ctx context.Context, instanceID string) (*Tokens, error) {
	if t, err := s.cache.Get(ctx, instanceID); err == nil { // stored by a flight just ended
		return t, nil
	}
	fctx, cancel := context.WithTimeout(ctx, s.cache.cfg.FetchTimeout)
	defer cancel()
	s.fetches.Add(1)
	t, err := s.fetcher.Fetch(fctx, instanceID)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetch, err)
	}
	if t == nil {
		return nil, fmt.Errorf("%w: no tokens", ErrFetch)
	}
	if err := s.cache.Put(ctx, instanceID, *t); err != nil {
		if !errors.Is(err, ErrUnavailable) {
			return nil, err
		}
		s.cache.cfg.Logger.WarnContext(ctx, "hosting: tokens not cached", "instance", instanceID, "err", err)
	}
	copied := *t
	return &copied, nil
}

// Fetches returns how many times the Fetcher was called, for tests and metrics.
func (s *CachedSource) Fetches() int64 { return s.fetches.Load() }
