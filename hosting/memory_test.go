package hosting

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestMemoryCache: the memory cache keeps the Redis cache's rules: stored until
// 30 s before the earliest exp, gone after, and the same refusals.
func TestMemoryCache(t *testing.T) {
	now := testNow
	c, err := NewMemoryCache(Config{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tok := tokens(t, time.Hour, 10*time.Minute)
	if _, err := c.Get(ctx, instance); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty: %v", err)
	}
	if err := c.Put(ctx, instance, tok); err != nil {
		t.Fatal(err)
	}
	if d, err := c.TTL(ctx, instance); err != nil || d != 10*time.Minute-ExpiryMargin {
		t.Fatalf("TTL = %v, %v; want %v", d, err, 10*time.Minute-ExpiryMargin)
	}
	if got, err := c.Get(ctx, instance); err != nil || *got != tok {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	now = now.Add(10*time.Minute - ExpiryMargin)
	if _, err := c.Get(ctx, instance); !errors.Is(err, ErrNotFound) {
		t.Fatalf("past its TTL: %v", err)
	}
	if err := c.Put(ctx, instance, tokens(t, time.Hour, -time.Minute)); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired tokens: %v", err)
	}
}
