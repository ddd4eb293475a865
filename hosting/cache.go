package hosting

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redisx"
)

// Defaults applied to a zero Config.
const (
	// DefaultTimeout bounds one Redis command.
	DefaultTimeout = 5 * time.Second
	// DefaultFetchTimeout bounds one Fetcher call of a CachedSource.
	DefaultFetchTimeout = 30 * time.Second
)

// Config tunes a Cache. Its zero value works, with the default stated beside
// each field.
type Config struct {
	// Verifier, when set, verifies both tokens of every record read and written,
	// and their exp is taken from the verified token. When nil (the default) exp
	// is decoded from the tokens WITHOUT verifying their signatures: the cache
	// then only guarantees that what it returns is well formed and not expired,
	// and the consignation service that receives the tokens is the one that
	// verifies them.
	Verifier Verifier
	// Timeout bounds one Redis command (default 5 s).
	Timeout time.Duration
	// FetchTimeout bounds one Fetcher call of a CachedSource (default 30 s).
	FetchTimeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives refused records and failed writes (default: discard).
	Logger *slog.Logger
}

// Cache keeps hosting tokens in MilleGrilles' Redis records
// hebergement:<instance_id>, each living until 30 s before the earliest exp of
// its two tokens. Get is one GET, Put one SET … EX. It is safe for concurrent
// use; the caller picks the database in the client's options (MilleGrilles'
// "Tokens locaux" are in DB 3).
type Cache struct {
	kv  store
	cfg Config
}

// NewCache returns a cache on client.
func NewCache(client redis.UniversalClient, cfg Config) (*Cache, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: nil client", ErrConfig)
	}
	return newCache(redisStore{client, redisx.NewReloader(client, cfg.Logger)}, cfg)
}

// NewMemoryCache returns a cache in process memory, with the same record
// format, TTL rule and checks, for a service without Redis, demos and tests.
func NewMemoryCache(cfg Config) (*Cache, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return newCache(newMemoryStore(cfg.Now), cfg)
}

func newCache(kv store, cfg Config) (*Cache, error) {
	switch {
	case cfg.Timeout < 0 || cfg.FetchTimeout < 0:
		return nil, fmt.Errorf("%w: negative timeout", ErrConfig)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.FetchTimeout == 0 {
		cfg.FetchTimeout = DefaultFetchTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Cache{kv: kv, cfg: cfg}, nil
}

// Get returns instanceID's tokens. Errors: ErrNotFound; ErrInstanceID;
// ErrMalformed, ErrTooLarge, ErrNoExpiry, ErrToken for a record refused;
// ErrExpired when the earliest exp is less than 30 s away (the record outlived
// its TTL, or was written by someone careless); ErrUnavailable.
func (c *Cache) Get(ctx context.Context, instanceID string) (*Tokens, error) {
	if err := checkInstanceID(instanceID); err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	raw, found, err := c.kv.get(rctx, Key(instanceID))
	cancel()
	switch {
	case err != nil && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrMalformed):
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	case err == nil && !found:
		return nil, fmt.Errorf("%w: %s", ErrNotFound, instanceID)
	}
	var t *Tokens
	if err == nil {
		t, err = c.accept(ctx, raw)
	}
	if err != nil {
		c.cfg.Logger.WarnContext(ctx, "hosting: record refused", "key", Key(instanceID), "err", err)
		return nil, err
	}
	return t, nil
}

func (c *Cache) accept(ctx context.Context, raw []byte) (*Tokens, error) {
	t, err := DecodeRecord(raw)
	if err != nil {
		return nil, err
	}
	exp, err := c.expiry(ctx, t)
	if err != nil {
		return nil, err
	}
	if _, err := ttl(exp, c.cfg.Now()); err != nil {
		return nil, err
	}
	return t, nil
}

// Put stores t as instanceID's record until 30 s before the earliest exp of its
// tokens, with one SET … EX, in the exact shape Python's json.dumps gives it.
// Tokens that are malformed, lack exp, are refused by Config.Verifier or expire
// within 30 s are not stored (ErrMalformed, ErrTooLarge, ErrNoExpiry, ErrToken,
// ErrExpired).
func (c *Cache) Put(ctx context.Context, instanceID string, t Tokens) error {
	if err := checkInstanceID(instanceID); err != nil {
		return err
	}
	if err := t.check(); err != nil {
		return err
	}
	exp, err := c.expiry(ctx, &t)
	if err != nil {
		return err
	}
	d, err := ttl(exp, c.cfg.Now())
	if err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	if err := c.kv.set(rctx, Key(instanceID), EncodeRecord(&t), d); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// checkInstanceID accepts 1 to 255 bytes of ASCII letters, digits and ._:-
// (MilleGrilles' instance ids are UUIDs).
func checkInstanceID(id string) error {
	if id == "" || len(id) > 255 {
		return fmt.Errorf("%w: %d bytes", ErrInstanceID, len(id))
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return fmt.Errorf("%w: %q", ErrInstanceID, id)
		}
	}
	return nil
}
