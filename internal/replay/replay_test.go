package replay

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"testing"
)

func stateKey(i int) Key {
	sum := sha256.Sum256([]byte(fmt.Sprint("state-", i)))
	var k Key
	copy(k[:], sum[:])
	return k
}

// TestUsedStatesFailClosed: 200,000 used states against a bound of 100,000:
// every replay of a remembered state is refused (ErrUsed), new states past the
// bound are refused (ErrFull) rather than a used one forgotten, and expired
// states make room again. Before the fix, past the bound new states were
// accepted without being recorded, so their replays were accepted too.
func TestUsedStatesFailClosed(t *testing.T) {
	u := New(100_000)
	const now, exp = 1000, 1600
	for i := range 200_000 {
		err := u.Mark(stateKey(i), exp, now)
		switch {
		case i < 100_000 && err != nil:
			t.Fatalf("state %d: %v", i, err)
		case i >= 100_000 && !errors.Is(err, ErrFull):
			t.Fatalf("state %d past the bound: err = %v, want ErrFull", i, err)
		}
	}
	for i := range 200_000 {
		err := u.Mark(stateKey(i), exp, now+1)
		if i < 100_000 && !errors.Is(err, ErrUsed) {
			t.Fatalf("replay %d: err = %v, want ErrUsed", i, err)
		}
		if i >= 100_000 && err == nil {
			t.Fatalf("state %d accepted while the memory is full", i)
		}
	}
	// Once the flows have expired, the memory empties and logins go on.
	if err := u.Mark(stateKey(-1), exp+600, exp); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if u.Len() != 1 || len(u.expiry) != 1 {
		t.Fatalf("%d states, %d heap entries after expiry, want 1", u.Len(), len(u.expiry))
	}
}

// BenchmarkUsedStates measures a callback's replay check with 100,000 live
// states (O(log n): it stays flat as the map grows) and the memory per state.
func BenchmarkUsedStates(b *testing.B) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	u := New(1 << 30)
	for i := range 100_000 {
		_ = u.Mark(stateKey(i), int64(1e9+i), 0)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perState := float64(after.HeapAlloc-before.HeapAlloc) / 100_000
	keys := make([]Key, 1024)
	for i := range keys {
		keys[i] = stateKey(1_000_000 + i)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_ = u.Mark(keys[i%len(keys)], int64(2e9), int64(i))
	}
	runtime.KeepAlive(u)
	b.ReportMetric(perState, "B/state")
}

// TestForget: a forgotten key can be marked again, and the first mark's
// expiry does not forget the second one early.
func TestForget(t *testing.T) {
	u := New(10)
	k := stateKey(1)
	if err := u.Mark(k, 100, 0); err != nil {
		t.Fatal(err)
	}
	u.Forget(k)
	if err := u.Mark(k, 200, 10); err != nil {
		t.Fatalf("after Forget: %v", err)
	}
	if err := u.Mark(k, 300, 150); !errors.Is(err, ErrUsed) {
		t.Fatalf("after the first mark's expiry: %v, want ErrUsed", err)
	}
}
