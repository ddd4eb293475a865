package certcache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/sesame-go/sesame/internal/redisread"
	"github.com/sesame-go/sesame/internal/redisx"
)

// RedisCache is a Cache over MilleGrilles' Redis records certificat_v1:<fp>, in
// front of which sits a bounded memory tier.
//
// Get answers from memory when it can (no lock, no allocation). Otherwise it
// reads the record with one bounded GET (a record over MaxRecordSize is not
// transferred), checks that the chain's fingerprint is the key's (a record
// that does not match is deleted, as MilleGrilles' Node services do), verifies
// the chain once, renews the record's TTL (the sliding TTL of MilleGrilles'
// Python services; a record refused is not kept alive) and keeps the chain in
// memory until it expires. Concurrent misses of
// one fingerprint share one read and one verification.
//
// It is safe for concurrent use. The caller picks the database in the client's
// options (MilleGrilles keeps certificates in DB 0).
type RedisCache struct {
	client redis.UniversalClient
	cfg    Config
	mem    *store // nil when Config.MemorySize < 0
	group  singleflight.Group

	deleteScript *redis.Script // deleteIfSame
	reload       *redisx.Reloader

	reads, checks, deleted atomic.Int64
}

// NewRedisCache returns a cache on client.
func NewRedisCache(client redis.UniversalClient, cfg Config) (*RedisCache, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: nil client", ErrConfig)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &RedisCache{client: client, cfg: cfg, deleteScript: redis.NewScript(deleteIfSame), reload: redisx.NewReloader(client, cfg.Logger)}
	if cfg.MemorySize > 0 {
		c.mem = newStore(cfg.MemorySize)
	}
	return c, nil
}

// Get returns the verified chain of fingerprint fp (64 hex characters, in
// either case: a fingerprint names the same certificate in upper and lower
// case). Errors: ErrInvalidFingerprint for a fingerprint that is not 64 hex
// characters (the caller's argument, nothing was read); ErrMalformed for a
// record that does not parse, ErrTooLarge, ErrKeyType, ErrFingerprint,
// ErrChain, ErrExpired, ErrIDMG for a record refused; ErrNotFound;
// ErrUnavailable (which also wraps the context's error when ctx ends first).
func (c *RedisCache) Get(ctx context.Context, fp string) (*Chain, error) {
	fp, err := normalizeFingerprint(fp)
	if err != nil {
		return nil, err
	}
	if c.mem != nil {
		if chain, ok := c.mem.get(fp, c.cfg.Now()); ok {
			return chain, nil
		}
	}
	ch := c.group.DoChan(fp, func() (any, error) {
		return c.load(context.WithoutCancel(ctx), fp)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*Chain), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	}
}

// load reads, checks and remembers the record of fp, for all coalesced
// callers; only a record accepted has its TTL renewed.
func (c *RedisCache) load(ctx context.Context, fp string) (*Chain, error) {
	now := c.cfg.Now()
	if c.mem != nil {
		if chain, ok := c.mem.get(fp, now); ok { // stored by a flight just ended
			return chain, nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	raw, err := c.read(ctx, fp)
	if err == nil {
		var chain *Chain
		if chain, err = c.accept(ctx, fp, raw, now); err == nil {
			c.renew(ctx, fp)
			return chain, nil
		}
	}
	if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrUnavailable) {
		c.cfg.Logger.WarnContext(ctx, "certcache: record refused", "key", Key(fp), "err", err)
	}
	return nil, err
}

// read is one bounded GET: a record over MaxRecordSize is refused without
// being transferred, and no read renews a TTL (renew does, once the record
// is accepted).
func (c *RedisCache) read(ctx context.Context, fp string) ([]byte, error) {
	c.reads.Add(1)
	raw, err := redisread.Get(ctx, c.client, Key(fp), MaxRecordSize)
	switch {
	case errors.Is(err, redisread.ErrNotFound):
		return nil, fmt.Errorf("%w: %s", ErrNotFound, fp)
	case errors.Is(err, redisread.ErrTooLarge):
		return nil, fmt.Errorf("%w: %w", ErrTooLarge, err)
	case errors.Is(err, redisread.ErrWrongType):
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, c.reload.Check(ctx, err))
	}
	return raw, nil
}

// renew slides the TTL of an accepted record, as MilleGrilles' Python services
// do on every read (their GETEX … EX). A failure is logged: the chain is good
// and the caller gets it.
func (c *RedisCache) renew(ctx context.Context, fp string) {
	if err := c.client.Expire(ctx, Key(fp), c.cfg.TTL).Err(); err != nil {
		err = c.reload.Check(ctx, err)
		c.cfg.Logger.WarnContext(ctx, "certcache: cannot renew the record's TTL", "key", Key(fp), "err", err)
	}
}

// accept decodes raw, deletes it if its chain is not fp's, verifies it and keeps
// it in memory.
func (c *RedisCache) accept(ctx context.Context, fp string, raw []byte, now time.Time) (*Chain, error) {
	chain, err := DecodeRecord(raw)
	if err != nil {
		return nil, err
	}
	if chain.Fingerprint() != fp {
		c.deleteMismatch(ctx, fp, raw)
		return nil, fmt.Errorf("%w: key %s holds the chain of %s", ErrFingerprint, fp, chain.Fingerprint())
	}
	c.checks.Add(1)
	expires, err := c.cfg.check(chain, now)
	if err != nil {
		return nil, err
	}
	if c.mem != nil {
		c.mem.put(chain, expires, now)
	}
	return chain, nil
}

// deleteIfSame deletes KEYS[1] only if it still holds ARGV[1], so a correct
// record written since the read survives.
const deleteIfSame = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`

// deleteMismatch removes a record whose chain is not its key's, as MilleGrilles'
// Node services do. A failure is logged: the caller's answer is the same.
func (c *RedisCache) deleteMismatch(ctx context.Context, fp string, raw []byte) {
	n, err := c.deleteScript.Run(ctx, c.client, []string{Key(fp)}, raw).Int()
	if err != nil {
		err = c.reload.Check(ctx, err)
		c.cfg.Logger.WarnContext(ctx, "certcache: cannot delete mismatching record", "key", Key(fp), "err", err)
		return
	}
	c.deleted.Add(int64(n))
}

// Put verifies chain and writes its record with one SET … EX TTL, in the exact
// shape Python's json.dumps gives it, then keeps it in memory.
func (c *RedisCache) Put(ctx context.Context, chain *Chain) error {
	if chain == nil {
		return fmt.Errorf("%w: nil chain", ErrMalformed)
	}
	now := c.cfg.Now()
	c.checks.Add(1)
	expires, err := c.cfg.check(chain, now)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	if err := c.client.Set(ctx, Key(chain.Fingerprint()), EncodeRecord(chain), c.cfg.TTL).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, c.reload.Check(ctx, err))
	}
	if c.mem != nil {
		c.mem.put(chain, expires, now)
	}
	return nil
}

// Stats returns the cache's counters.
func (c *RedisCache) Stats() Stats {
	s := Stats{Reads: c.reads.Load(), Verifications: c.checks.Load(), Deleted: c.deleted.Load()}
	if c.mem != nil {
		s.Memory = c.mem.len()
	}
	return s
}

// normalizeFingerprint accepts 64 hex characters in either case and returns
// them in lowercase, the form of the record's key; anything else is
// ErrInvalidFingerprint.
func normalizeFingerprint(fp string) (string, error) {
	if len(fp) != 64 {
		return "", fmt.Errorf("%w: %d characters, want 64", ErrInvalidFingerprint, len(fp))
	}
	for i := 0; i < len(fp); i++ {
		if c := fp[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return "", fmt.Errorf("%w: %s is not hex", ErrInvalidFingerprint, quote(fp))
		}
	}
	return strings.ToLower(fp), nil
}
