package ratelog

import (
	"testing"
	"time"
)

// TestLimiter: a burst goes through, the rest is counted and reported by the
// next line allowed once the bucket refills.
func TestLimiter(t *testing.T) {
	l := New(2, 3)
	now := time.Unix(1000, 0)
	for i := range 3 {
		if ok, n := l.Allow(now); !ok || n != 0 {
			t.Fatalf("line %d of the burst: %v %d", i, ok, n)
		}
	}
	for range 5 {
		if ok, _ := l.Allow(now); ok {
			t.Fatal("past the burst, a line went through")
		}
	}
	if ok, n := l.Allow(now.Add(500 * time.Millisecond)); !ok || n != 5 {
		t.Fatalf("after refill: ok %v, suppressed %d, want true 5", ok, n)
	}
	if ok, _ := l.Allow(now.Add(500 * time.Millisecond)); ok {
		t.Fatal("one token per half second at 2/s")
	}
}
