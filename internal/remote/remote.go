// Package remote is Sesame's one engine for documents fetched over HTTP and
// cached: JWKS, OpenID discovery documents, BeSwarm public keys, Google CSE
// configurations. It fetches on first use, keeps the document for its
// Cache-Control max-age (clamped), refreshes it in the background when that runs
// out, serves the last good document while the endpoint fails (up to MaxStale),
// coalesces concurrent fetches (single-flight), backs off after failures, and
// lets a caller force a refetch (an unknown kid) at most once per cooldown.
//
// Only fetches forced by Refresh count against the cooldown: the first load and
// the scheduled refreshes do not, so an issuer that rotates its key right after a
// scheduled fetch is still picked up. A failed fetch, whatever started it, backs
// every further fetch off for the cooldown; meanwhile Get serves the last good
// document and Refresh fails with the fetch's error, so that an outage is never
// mistaken for a verdict on a token.
package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Errors maps the engine's failures to the calling package's sentinels.
type Errors struct {
	// Unavailable wraps every fetch failure (transport, status, decode, size).
	Unavailable error
	// TooLarge wraps a body over MaxBodySize (beside Unavailable).
	TooLarge error
	// Redirect wraps a refused redirect (beside Unavailable).
	Redirect error
	// Down, when set, also wraps transport failures and 5xx answers: the
	// server is down, as opposed to answering something wrong.
	Down error
}

// Config tunes a Cache. Zero durations take the defaults given beside them.
type Config struct {
	// HTTPClient makes the requests (default: a client with Timeout). It is
	// wrapped by SameOrigin.
	HTTPClient *http.Client
	// InsecureAllowHTTP permits an http URL.
	InsecureAllowHTTP bool
	// Accept is the request's Accept header.
	Accept string
	// What names the document in logs and errors ("JWKS", "discovery").
	What string
	// MaxBodySize bounds the document (default 1 MiB).
	MaxBodySize int64
	// Timeout bounds one fetch (default 10 s).
	Timeout time.Duration
	// DefaultRefresh is how long a document without max-age is kept (default 5 min).
	DefaultRefresh time.Duration
	// MinRefresh and MaxRefresh clamp max-age (defaults 1 min and 24 h).
	MinRefresh, MaxRefresh time.Duration
	// MaxStale is how long past its refresh time the last good document is served
	// while the endpoint fails (default 1 h).
	MaxStale time.Duration
	// Cooldown is the least time between two forced refetches, and the back-off
	// after a failed fetch (default 30 s).
	Cooldown time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives failures (once per outage) and recoveries.
	Logger *slog.Logger
	// Errors are the sentinels errors wrap.
	Errors Errors
}

// Decoder turns a fetched body into a document. It must not keep body.
type Decoder[T any] func(body []byte) (T, error)

// Cache is one remote document. It is safe for concurrent use.
type Cache[T any] struct {
	url    string
	logURL string // without password
	dec    Decoder[T]
	cfg    Config
	hc     *http.Client

	mu         sync.Mutex
	doc        T
	have       bool
	refreshAt  time.Time // due for a background refresh
	staleUntil time.Time // no longer served past this
	forcedAt   time.Time // last fetch forced by Refresh
	failedAt   time.Time // last failed fetch
	lastErr    error     // non-nil while the last fetch failed
	inflight   *call[T]

	fetches atomic.Int64
}

type call[T any] struct {
	done chan struct{}
	doc  T
	err  error
}

// ErrInsecure is wrapped by New for a non-https URL.
var ErrInsecure = errors.New("not an https URL")

// New returns a Cache for rawURL; nothing is fetched yet.
func New[T any](rawURL string, dec Decoder[T], cfg Config) (*Cache[T], error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%s URL %q is not an absolute URL", cfg.What, rawURL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && cfg.InsecureAllowHTTP) {
		return nil, fmt.Errorf("%w: %s URL %q (set InsecureAllowHTTP for http)", ErrInsecure, cfg.What, u.Redacted())
	}
	def(&cfg.MaxBodySize, 1<<20)
	def(&cfg.Timeout, 10*time.Second)
	def(&cfg.DefaultRefresh, 5*time.Minute)
	def(&cfg.MinRefresh, time.Minute)
	def(&cfg.MaxRefresh, 24*time.Hour)
	def(&cfg.MaxStale, time.Hour)
	def(&cfg.Cooldown, 30*time.Second)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	}
	return &Cache[T]{url: u.String(), logURL: u.Redacted(), dec: dec, cfg: cfg, hc: SameOrigin(hc, cfg.Errors.Redirect)}, nil
}

func def[V int64 | time.Duration](p *V, d V) {
	if *p <= 0 {
		*p = d
	}
}

// URL returns the document's URL.
func (c *Cache[T]) URL() string { return c.url }

// Fetches returns how many fetches were started.
func (c *Cache[T]) Fetches() int64 { return c.fetches.Load() }

// Get returns the current document, fetching it on first use or once it is past
// MaxStale. A document past its refresh time is returned while a background
// fetch replaces it.
func (c *Cache[T]) Get(ctx context.Context) (T, error) {
	c.mu.Lock()
	now := c.cfg.Now()
	if c.have && now.Before(c.refreshAt) {
		doc := c.doc
		c.mu.Unlock()
		return doc, nil
	}
	if c.have && now.Before(c.staleUntil) {
		if c.inflight == nil && !c.backingOff(now) {
			c.startLocked(ctx, false)
		}
		doc := c.doc
		c.mu.Unlock()
		return doc, nil
	}
	cl := c.inflight
	if cl == nil {
		if c.backingOff(now) {
			err := c.lastErr
			c.mu.Unlock()
			var zero T
			return zero, err
		}
		cl = c.startLocked(ctx, false)
	}
	c.mu.Unlock()
	return c.wait(ctx, cl)
}

// Refresh refetches the document because it lacks something a caller needs (an
// unknown kid). Within Cooldown of the last forced fetch it returns the current
// document without fetching; while the last fetch failed it returns that
// failure (after the back-off it tries again); a fetch in flight is shared.
func (c *Cache[T]) Refresh(ctx context.Context) (T, error) {
	c.mu.Lock()
	now := c.cfg.Now()
	cl := c.inflight
	if cl == nil {
		switch {
		case c.lastErr != nil && c.backingOff(now):
			err := c.lastErr
			c.mu.Unlock()
			var zero T
			return zero, err
		case c.lastErr == nil && c.have && now.Sub(c.forcedAt) < c.cfg.Cooldown && !c.forcedAt.IsZero():
			doc := c.doc
			c.mu.Unlock()
			return doc, nil
		}
		cl = c.startLocked(ctx, true)
	}
	c.mu.Unlock()
	return c.wait(ctx, cl)
}

// backingOff reports whether the last fetch failed less than Cooldown ago.
func (c *Cache[T]) backingOff(now time.Time) bool {
	return c.lastErr != nil && now.Sub(c.failedAt) < c.cfg.Cooldown
}

func (c *Cache[T]) wait(ctx context.Context, cl *call[T]) (T, error) {
	select {
	case <-cl.done:
		return cl.doc, cl.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("%w: waiting for %s: %w", c.cfg.Errors.Unavailable, c.cfg.What, ctx.Err())
	}
}

// startLocked starts one fetch; c.mu is held. The fetch keeps the caller's
// context values but not its cancellation: others may be waiting on it.
func (c *Cache[T]) startLocked(ctx context.Context, forced bool) *call[T] {
	cl := &call[T]{done: make(chan struct{})}
	c.inflight = cl
	if forced {
		c.forcedAt = c.cfg.Now()
	}
	c.fetches.Add(1)
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.Timeout)
	go func() {
		defer cancel()
		doc, ttl, err := c.fetch(fctx)
		c.finish(cl, doc, ttl, err)
	}()
	return cl
}

func (c *Cache[T]) finish(cl *call[T], doc T, ttl time.Duration, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer close(cl.done)
	c.inflight = nil
	now := c.cfg.Now()
	if err != nil {
		err = fmt.Errorf("%w: %s %s: %w", c.cfg.Errors.Unavailable, c.cfg.What, c.logURL, err)
		if c.lastErr == nil {
			c.cfg.Logger.Warn("sesame: fetch failed; serving the last good document while it lasts",
				"what", c.cfg.What, "url", c.logURL, "err", err, "stale_until", c.staleUntil)
		}
		c.lastErr, c.failedAt, cl.err = err, now, err
		return
	}
	if c.lastErr != nil {
		c.cfg.Logger.Info("sesame: fetch recovered", "what", c.cfg.What, "url", c.logURL)
	}
	c.doc, c.have, c.lastErr = doc, true, nil
	c.refreshAt = now.Add(ttl)
	c.staleUntil = c.refreshAt.Add(c.cfg.MaxStale)
	cl.doc = doc
}

// fetch GETs and decodes the document, returning how long to keep it.
func (c *Cache[T]) fetch(ctx context.Context) (T, time.Duration, error) {
	var zero T
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return zero, 0, err
	}
	if c.cfg.Accept != "" {
		req.Header.Set("Accept", c.cfg.Accept)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return zero, 0, c.down(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		err := fmt.Errorf("HTTP status %d", resp.StatusCode)
		if resp.StatusCode >= 500 {
			err = c.down(err)
		}
		return zero, 0, err
	}
	body, err := ReadLimited(resp.Body, resp.ContentLength, c.cfg.MaxBodySize, c.cfg.Errors.TooLarge)
	if err != nil {
		return zero, 0, err
	}
	doc, err := c.dec(body)
	if err != nil {
		return zero, 0, err
	}
	return doc, c.ttl(resp.Header.Get("Cache-Control")), nil
}

// down marks err with Errors.Down, when set.
func (c *Cache[T]) down(err error) error {
	if c.cfg.Errors.Down == nil {
		return err
	}
	return fmt.Errorf("%w: %w", c.cfg.Errors.Down, err)
}

// ReadLimited reads a body of at most max bytes; beyond, it fails wrapping tooLarge.
func ReadLimited(body io.Reader, declared, max int64, tooLarge error) ([]byte, error) {
	if tooLarge == nil {
		tooLarge = errors.New("too large")
	}
	if declared > max {
		return nil, fmt.Errorf("%w: body of %d bytes, limit %d", tooLarge, declared, max)
	}
	b, err := io.ReadAll(io.LimitReader(body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: body over %d bytes", tooLarge, max)
	}
	return b, nil
}

// ttl reads max-age from Cache-Control, clamped to [MinRefresh, MaxRefresh].
func (c *Cache[T]) ttl(cc string) time.Duration {
	d := c.cfg.DefaultRefresh
	for _, dir := range strings.Split(cc, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(dir), "=")
		switch strings.ToLower(name) {
		case "max-age":
			if n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64); err == nil && n >= 0 && n < 1<<31 {
				d = time.Duration(n) * time.Second
			}
		case "no-store", "no-cache":
			d = 0
		}
	}
	return min(max(d, c.cfg.MinRefresh), c.cfg.MaxRefresh)
}

// Idle waits until no fetch is in flight (tests use it to let a background
// refresh land before they look).
func (c *Cache[T]) Idle() {
	c.mu.Lock()
	cl := c.inflight
	c.mu.Unlock()
	if cl != nil {
		<-cl.done
	}
}
