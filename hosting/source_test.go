package hosting

import (
	"context"
	"errors"
	"github.com/sesame-go/sesame/internal/redistest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// countingFetcher hands out tok, counting calls, after gate (if any) opens.
type countingFetcher struct {
	tok   Tokens
	err   error
	gate  chan struct{}
	calls atomic.Int64
}

func (f *countingFetcher) Fetch(ctx context.Context, _ string) (*Tokens, error) {
	f.calls.Add(1)
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	t := f.tok
	return &t, nil
}

func newSource(t *testing.T, c *Cache, f Fetcher) *CachedSource {
	t.Helper()
	s, err := NewTokenSource(c, f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A miss fetches once and stores; the next call is a cache hit.
func TestSourceFillsCache(t *testing.T) {
	e := newEnv(t)
	f := &countingFetcher{tok: tokens(t, time.Hour, time.Hour)}
	s := newSource(t, e.cache(t, Config{}), f)
	ctx := context.Background()
	for range 3 {
		got, err := s.Tokens(ctx, instance)
		if err != nil || *got != f.tok {
			t.Fatalf("Tokens = %+v, %v", got, err)
		}
	}
	if n := f.calls.Load(); n != 1 || s.Fetches() != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
	if e.raw.Exists(ctx, Key(instance)).Val() != 1 {
		t.Fatal("not stored")
	}
}

// Concurrent misses of one instance share one fetch.
func TestSourceSingleFlight(t *testing.T) {
	e := newEnv(t)
	f := &countingFetcher{tok: tokens(t, time.Hour, time.Hour), gate: make(chan struct{})}
	s := newSource(t, e.cache(t, Config{}), f)
	const n = 100
	var wg sync.WaitGroup
	var failed atomic.Int64
	var started sync.WaitGroup
	started.Add(n)
	for range n {
		wg.Go(func() {
			started.Done()
			if _, err := s.Tokens(context.Background(), instance); err != nil {
				failed.Add(1)
			}
		})
	}
	started.Wait()
	for f.calls.Load() == 0 { // the first fetch is under way; let the others pile up
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(f.gate)
	wg.Wait()
	if failed.Load() != 0 || f.calls.Load() != 1 {
		t.Fatalf("%d failures, %d fetches; want 0 and 1", failed.Load(), f.calls.Load())
	}
	// A caller that missed the cache just before the tokens were stored starts a
	// new flight once the first has ended: that flight finds them in the cache.
	if _, err := s.fill(context.Background(), instance); err != nil || f.calls.Load() != 1 {
		t.Fatalf("late flight: %v, %d fetches", err, f.calls.Load())
	}
}

// A refused record is replaced by a fetch; fetched tokens that cannot be cached
// are not handed out; a Fetcher error is ErrFetch; Redis down is ErrUnavailable
// without a fetch.
func TestSourceFailures(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.set(t, Key(instance), EncodeRecord(&Tokens{ReadOnly: expiring(t, -time.Hour), ReadWrite: expiring(t, time.Hour), URL: consURL}))
	fresh := &countingFetcher{tok: tokens(t, time.Hour, time.Hour)}
	if got, err := newSource(t, e.cache(t, Config{}), fresh).Tokens(ctx, instance); err != nil || *got != fresh.tok {
		t.Fatalf("expired record not replaced: %v, %v", got, err)
	}
	tests := []struct {
		name string
		f    *countingFetcher
		want error
	}{
		{"fetcher fails", &countingFetcher{err: errors.New("boom")}, ErrFetch},
		{"fetched tokens expired", &countingFetcher{tok: tokens(t, time.Hour, time.Second)}, ErrExpired},
		{"fetched token without exp", &countingFetcher{tok: Tokens{ReadOnly: unsigned(t, map[string]any{}), ReadWrite: expiring(t, time.Hour), URL: consURL}}, ErrNoExpiry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := newSource(t, e.cache(t, Config{}), tt.f).Tokens(ctx, "other-"+tt.name[:7]); !errors.Is(err, tt.want) || got != nil {
				t.Fatalf("Tokens = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	none := FetcherFunc(func(context.Context, string) (*Tokens, error) { return nil, nil })
	if got, err := newSource(t, e.cache(t, Config{}), none).Tokens(ctx, "other-nil"); !errors.Is(err, ErrFetch) || got != nil {
		t.Fatalf("Fetcher answering nil, nil: %v, %v; want ErrFetch", got, err)
	}
	client := redis.NewClient(&redis.Options{Addr: redistest.DeadAddr(t), MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	down, _ := NewCache(client, Config{})
	f := &countingFetcher{tok: tokens(t, time.Hour, time.Hour)}
	if _, err := newSource(t, down, f).Tokens(ctx, instance); !errors.Is(err, ErrUnavailable) || f.calls.Load() != 0 {
		t.Fatalf("Redis down: %v after %d fetches, want ErrUnavailable and none", err, f.calls.Load())
	}
}

// A caller whose context ends stops waiting; the fetch goes on for the others.
func TestSourceContextEnds(t *testing.T) {
	e := newEnv(t)
	f := &countingFetcher{tok: tokens(t, time.Hour, time.Hour), gate: make(chan struct{})}
	s := newSource(t, e.cache(t, Config{}), f)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := s.Tokens(ctx, instance); done <- err }()
	for f.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Tokens = %v, want context.Canceled", err)
	}
	close(f.gate)
	if _, err := s.Tokens(context.Background(), instance); err != nil || f.calls.Load() != 1 {
		t.Fatalf("after the fetch: %v, %d fetches", err, f.calls.Load())
	}
}
