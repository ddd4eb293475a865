package session

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// A million expired records are gone after the next write, without waiting
// for a count of writes, and loads never see them.
func TestMemoryStoreExpires(t *testing.T) {
	clk := newClock()
	mem := NewMemoryStore(clk.Now)
	ctx := context.Background()
	const n = 100_000 // many: the sweep must take every expired one, not a few
	for i := range n {
		if err := mem.Save(ctx, fmt.Sprint("k", i), []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := mem.Save(ctx, "live", []byte("v"), time.Hour); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	if _, found, _ := mem.Load(ctx, "k1"); found {
		t.Error("an expired record was returned")
	}
	mem.mu.Lock()
	left, nodes := len(mem.items), len(mem.heap.nodes)
	mem.mu.Unlock()
	if left != 1 || nodes != 1 {
		t.Errorf("after expiry %d entries and %d heap nodes remain, want 1 and 1", left, nodes)
	}
	if v, found, _ := mem.Load(ctx, "live"); !found || string(v) != "v" {
		t.Error("the live record went with the expired ones")
	}
}

// The count is bounded: a write beyond the bound drops the entry closest to
// expiry; a touched entry is not dropped for its old expiry.
func TestMemoryStoreBounded(t *testing.T) {
	clk := newClock()
	mem := NewMemoryStore(clk.Now, MemoryStoreMax(3))
	ctx := context.Background()
	for i, ttl := range []time.Duration{3 * time.Minute, time.Minute, 2 * time.Minute} {
		_ = mem.Save(ctx, fmt.Sprint("k", i), []byte("v"), ttl)
	}
	_, _, _ = mem.LoadTouch(ctx, "k1", 10*time.Minute) // k1 now expires last
	_ = mem.Save(ctx, "k3", []byte("v"), time.Hour)
	if mem.Len() != 3 {
		t.Errorf("%d entries, bound 3", mem.Len())
	}
	for key, want := range map[string]bool{"k0": true, "k1": true, "k2": false, "k3": true} {
		if _, found, _ := mem.Load(ctx, key); found != want {
			t.Errorf("%s present %v, want %v", key, found, want)
		}
	}
	clk.Add(5 * time.Minute)
	if _, found, _ := mem.Load(ctx, "k1"); !found {
		t.Error("a touched entry expired at its old time")
	}
}
