package jwtverify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/sesame-go/sesame/internal/remote"
)

// RemoteKeysConfig tunes a RemoteKeys. Every zero value is a safe default.
type RemoteKeysConfig struct {
	// HTTPClient makes the requests (default: a client with Timeout). Whatever
	// client is given, a redirect is followed only to the URL's own origin
	// (scheme, host and port), at most 10 times: a redirect on the key host never
	// makes the Verifier trust another host's keys. The client's own
	// CheckRedirect, if any, runs first and keeps what it refuses.
	HTTPClient *http.Client
	// InsecureAllowHTTP permits an http:// URL (tests, loopback). Off by default.
	InsecureAllowHTTP bool
	// MaxBodySize bounds the key document (default 1 MiB).
	MaxBodySize int64
	// Timeout bounds one fetch (default 10 s). A caller whose context ends sooner
	// stops waiting; the fetch goes on for the others.
	Timeout time.Duration
	// MinRefresh and MaxRefresh clamp the response's Cache-Control max-age
	// (defaults 1 min and 24 h). Without max-age the set is kept 5 min, clamped.
	MinRefresh, MaxRefresh time.Duration
	// MaxStale is how long past its refresh time the last good set keeps being
	// served while the endpoint fails (default 1 h). After that Keys fails with
	// ErrUnavailable.
	MaxStale time.Duration
	// RefreshCooldown (default 30 s) is the least time between two fetches forced
	// by unknown kids, and the back-off after a failed fetch. The first load and
	// the scheduled max-age refreshes do not count against it, so a key rotated
	// right after them is still picked up.
	RefreshCooldown time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives fetch failures (once per outage) and recoveries (default:
	// discard).
	Logger *slog.Logger
}

// Defaults of RemoteKeysConfig.
const (
	DefaultJWKSMaxBody         = 1 << 20
	DefaultJWKSTimeout         = 10 * time.Second
	DefaultJWKSMinRefresh      = time.Minute
	DefaultJWKSMaxRefresh      = 24 * time.Hour
	DefaultJWKSRefresh         = 5 * time.Minute
	DefaultJWKSMaxStale        = time.Hour
	DefaultJWKSRefreshCooldown = 30 * time.Second
)

// KeyDecoder turns a fetched key document into a key set: DecodeJWKS for a
// JWKS, or a profile's own format (BeSwarm's publickey JSON, say). It must fail
// with ErrKeyDocument (or ErrWeakKey when no key is usable) rather than return an
// empty set.
type KeyDecoder func(body []byte) (jwk.Set, error)

// RemoteKeys is a KeySource and Refresher over a key URL. It fetches on first
// use, refreshes in the background when the Cache-Control max-age runs out, and
// serves the last good set while the endpoint fails (up to MaxStale). A token
// with an unknown kid makes it refetch, single-flight (a thousand such requests
// cause one fetch) and at most once per RefreshCooldown; within that cooldown the
// kid is unknown (401). While the last fetch failed, an unknown kid is a
// key-source failure (ErrUnavailable, 503 with Retry-After), never a verdict on the
// token; the endpoint is retried once per RefreshCooldown.
type RemoteKeys struct {
	c *remote.Cache[jwk.Set]
}

// NewRemoteJWKS returns a source for the JWKS at rawURL. Nothing is fetched yet.
//
//	jwks, err := jwtverify.NewRemoteJWKS("https://idp.example/jwks", jwtverify.RemoteKeysConfig{})
func NewRemoteJWKS(rawURL string, cfg RemoteKeysConfig) (*RemoteKeys, error) {
	return NewRemoteKeys(rawURL, DecodeJWKS, "application/jwk-set+json, application/json", cfg)
}

// NewRemoteKeys returns a source for a key document of another format at rawURL,
// decoded by dec, with exactly RemoteJWKS's refresh, stale, back-off, redirect
// and unknown-kid rules. accept is the request's Accept header. Profiles build
// their sources on it:
//
//	src, err := jwtverify.NewRemoteKeys(u, decodePublicKeys, "application/json", cfg)
func NewRemoteKeys(rawURL string, dec KeyDecoder, accept string, cfg RemoteKeysConfig) (*RemoteKeys, error) {
	if dec == nil {
		return nil, fmt.Errorf("%w: nil KeyDecoder", ErrConfig)
	}
	c, err := remote.New(rawURL, remote.Decoder[jwk.Set](dec), remote.Config{
		HTTPClient:        cfg.HTTPClient,
		InsecureAllowHTTP: cfg.InsecureAllowHTTP,
		Accept:            accept,
		What:              "keys",
		MaxBodySize:       orDefault(cfg.MaxBodySize, DefaultJWKSMaxBody),
		Timeout:           orDefault(cfg.Timeout, DefaultJWKSTimeout),
		DefaultRefresh:    DefaultJWKSRefresh,
		MinRefresh:        orDefault(cfg.MinRefresh, DefaultJWKSMinRefresh),
		MaxRefresh:        orDefault(cfg.MaxRefresh, DefaultJWKSMaxRefresh),
		MaxStale:          orDefault(cfg.MaxStale, DefaultJWKSMaxStale),
		Cooldown:          orDefault(cfg.RefreshCooldown, DefaultJWKSRefreshCooldown),
		Now:               cfg.Now,
		Logger:            cfg.Logger,
		Errors:            remote.Errors{Unavailable: ErrUnavailable, TooLarge: ErrTooLarge, Redirect: ErrInsecureURL},
	})
	if errors.Is(err, remote.ErrInsecure) {
		return nil, fmt.Errorf("%w: %w", ErrInsecureURL, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &RemoteKeys{c: c}, nil
}

func orDefault[T int64 | time.Duration](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}

// URL returns the key URL.
func (r *RemoteKeys) URL() string { return r.c.URL() }

// Fetches returns how many fetches were started, for tests and metrics.
func (r *RemoteKeys) Fetches() int64 { return r.c.Fetches() }

// Keys returns the current set, fetching it on first use. A set past its refresh
// time is still returned while a background fetch replaces it.
func (r *RemoteKeys) Keys(ctx context.Context) (jwk.Set, error) { return r.c.Get(ctx) }

// Refresh refetches the set for an unknown kid. Within RefreshCooldown of the
// last such refetch it returns the current set at once; while the last fetch
// failed (and for RefreshCooldown after it) it returns that failure
// (ErrUnavailable). Callers already waiting on a fetch share it.
func (r *RemoteKeys) Refresh(ctx context.Context) (jwk.Set, error) { return r.c.Refresh(ctx) }

// DecodeJWKS parses a JWKS document. Per RFC 7517 §5, keys it cannot use stay in
// the set and are ignored: the Verifier logs each once and refuses a token
// naming one by its kid with ErrWeakKey. It fails (ErrKeyDocument) only on a
// document that is not a JWKS or holds no signature key, and (ErrWeakKey) when
// no usable signature key is left.
func DecodeJWKS(body []byte) (jwk.Set, error) {
	set, err := jwk.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("%w: JWKS: %w", ErrKeyDocument, err)
	}
	if err := usable(set); err != nil {
		return nil, err
	}
	return set, nil
}

// usable fails unless set holds at least one key the Verifier can use.
func usable(set jwk.Set) error {
	var firstErr error
	for i := 0; i < set.Len(); i++ {
		jk, _ := set.Key(i)
		_, err := prepareJWK(jk)
		if err == nil {
			return nil
		}
		if firstErr == nil && !errors.Is(err, errNotForSignatures) {
			firstErr = err
		}
	}
	if firstErr != nil {
		return fmt.Errorf("no usable signature key: %w", firstErr)
	}
	return fmt.Errorf("%w: no signature keys", ErrKeyDocument)
}
