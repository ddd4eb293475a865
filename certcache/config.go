package certcache

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"time"
)

// Defaults applied to a zero Config.
const (
	// DefaultTTL is the sliding lifetime of a Redis record, as MilleGrilles'
	// Python services set it (GETEX … EX 172800).
	DefaultTTL = 48 * time.Hour
	// DefaultMemorySize is the number of chains kept in memory.
	DefaultMemorySize = 4096
	// DefaultTimeout bounds one Redis command.
	DefaultTimeout = 5 * time.Second
)

// Cache holds certificate chains by fingerprint. RedisCache and MemoryCache
// implement it; tests may fake it.
type Cache interface {
	// Get returns the chain of fingerprint fp (64 hex characters; upper and
	// lower case name the same chain), verified when the cache has roots;
	// ErrNotFound when there is none, ErrInvalidFingerprint when fp is not a
	// fingerprint.
	Get(ctx context.Context, fp string) (*Chain, error)
	// Put stores chain under its fingerprint, after verifying it when the cache
	// has roots.
	Put(ctx context.Context, chain *Chain) error
}

// Config tunes a RedisCache or a MemoryCache. Its zero value is not usable on
// purpose: chains are only accepted against Roots, unless InsecureSkipVerify
// says otherwise. Every other zero field is the default stated beside it.
type Config struct {
	// Roots are the trusted MilleGrille root certificates. Every chain read or
	// written is verified against them (Chain.Verify). Required unless
	// InsecureSkipVerify is set.
	Roots *x509.CertPool
	// InsecureSkipVerify accepts chains without verifying their signatures or the
	// IDMG rule (only their validity dates are checked). For relays and tools
	// that pass chains on to a verifying service; never for authentication.
	InsecureSkipVerify bool
	// TTL is the sliding lifetime of a Redis record: every Get reads with
	// GETEX … EX TTL and every Put writes with SET … EX TTL (default 48 h, as
	// MilleGrilles' services; whole seconds, at least one).
	TTL time.Duration
	// MemorySize bounds the chains kept in memory (default 4096). A chain leaves
	// memory when it expires or, the memory being full, when it is the least
	// recently used. For a RedisCache a negative value turns the memory tier off
	// (every Get reads Redis).
	MemorySize int
	// Timeout bounds one Redis command (default 5 s). Callers coalesced on one
	// read share it; each stops waiting when its own context ends.
	Timeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives refused records (default: discard).
	Logger *slog.Logger
}

// withDefaults checks cfg and fills in its defaults.
func (cfg Config) withDefaults() (Config, error) {
	switch {
	case cfg.Roots == nil && !cfg.InsecureSkipVerify:
		return cfg, fmt.Errorf("%w: Roots is required (or InsecureSkipVerify)", ErrConfig)
	case cfg.TTL < 0 || (cfg.TTL > 0 && cfg.TTL%time.Second != 0):
		return cfg, fmt.Errorf("%w: TTL %v is not a positive number of seconds", ErrConfig, cfg.TTL)
	case cfg.Timeout < 0:
		return cfg, fmt.Errorf("%w: negative Timeout", ErrConfig)
	}
	if cfg.TTL == 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.MemorySize == 0 {
		cfg.MemorySize = DefaultMemorySize
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg, nil
}

// check accepts chain at now and returns when it stops being acceptable: it is
// verified against cfg.Roots, or with InsecureSkipVerify only its dates are
// checked.
func (cfg *Config) check(c *Chain, now time.Time) (time.Time, error) {
	if cfg.InsecureSkipVerify {
		return c.NotAfter(), c.checkDates(now)
	}
	root, err := c.verify(cfg.Roots, now)
	if err != nil {
		return time.Time{}, err
	}
	if root.NotAfter.Before(c.NotAfter()) {
		return root.NotAfter, nil
	}
	return c.NotAfter(), nil
}
