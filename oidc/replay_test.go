package oidc

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"
)

func stateKey(i int) [16]byte {
	sum := sha256.Sum256([]byte(fmt.Sprint("state-", i)))
	var k [16]byte
	copy(k[:], sum[:])
	return k
}

// TestUsedStatesFailClosed: 200,000 used states against a bound of 100,000:
// every replay of a remembered state is refused (ErrState), new states past the
// bound are refused (ErrBusy) rather than a used one forgotten, and expired
// states make room again. Before the fix, past the bound new states were
// accepted without being recorded, so their replays were accepted too.
func TestUsedStatesFailClosed(t *testing.T) {
	u := newUsedStates(100_000)
	const now, exp = 1000, 1600
	for i := range 200_000 {
		err := u.mark(stateKey(i), exp, now)
		switch {
		case i < 100_000 && err != nil:
			t.Fatalf("state %d: %v", i, err)
		case i >= 100_000 && !errors.Is(err, ErrBusy):
			t.Fatalf("state %d past the bound: err = %v, want ErrBusy", i, err)
		}
	}
	for i := range 200_000 {
		err := u.mark(stateKey(i), exp, now+1)
		if i < 100_000 && !errors.Is(err, ErrState) {
			t.Fatalf("replay %d: err = %v, want ErrState", i, err)
		}
		if i >= 100_000 && err == nil {
			t.Fatalf("state %d accepted while the memory is full", i)
		}
	}
	// Once the flows have expired, the memory empties and logins go on.
	if err := u.mark(stateKey(-1), exp+600, exp); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if len(u.byKey) != 1 || len(u.expiry) != 1 {
		t.Fatalf("%d states, %d heap entries after expiry, want 1", len(u.byKey), len(u.expiry))
	}
}

// TestCookieFlowStoreReplayBound: through the store, a replayed flow cookie is
// refused and a full replay memory refuses new callbacks with ErrBusy.
func TestCookieFlowStoreReplayBound(t *testing.T) {
	now := time.Unix(1e9, 0)
	s, err := NewCookieFlowStore(CookieFlowStoreConfig{Key: make([]byte, 32), MaxUsedStates: 3, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	take := func(state string) error {
		w := httptest.NewRecorder()
		if err := s.Save(w, httptest.NewRequest(http.MethodGet, "/", nil), Flow{State: state, Created: now.Unix()}); err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodGet, "/cb", nil)
		for _, c := range w.Result().Cookies() {
			r.AddCookie(c)
		}
		if _, err := s.Take(httptest.NewRecorder(), r, state); err != nil {
			return err
		}
		_, err := s.Take(httptest.NewRecorder(), r, state) // the same cookie replayed
		if !errors.Is(err, ErrState) {
			t.Fatalf("replay of %s: err = %v, want ErrState", state, err)
		}
		return nil
	}
	for i := range 3 {
		if err := take(fmt.Sprint("state-", i)); err != nil {
			t.Fatal(err)
		}
	}
	// Full: a new login is refused at once, before anyone goes to ProConnect.
	if err := s.Save(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil), Flow{State: "state-3", Created: now.Unix()}); !errors.Is(err, ErrBusy) {
		t.Fatalf("Save past MaxUsedStates: err = %v, want ErrBusy", err)
	}
	now = now.Add(11 * time.Minute)
	if err := take("state-4"); err != nil {
		t.Fatalf("after the flows expired: %v", err)
	}
}

// BenchmarkUsedStates measures a callback's replay check with 100,000 live
// states (O(log n): it stays flat as the map grows) and the memory per state.
func BenchmarkUsedStates(b *testing.B) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	u := newUsedStates(1 << 30)
	for i := range 100_000 {
		_ = u.mark(stateKey(i), int64(1e9+i), 0)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perState := float64(after.HeapAlloc-before.HeapAlloc) / 100_000
	keys := make([][16]byte, 1024)
	for i := range keys {
		keys[i] = stateKey(1_000_000 + i)
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_ = u.mark(keys[i%len(keys)], int64(2e9), int64(i))
	}
	runtime.KeepAlive(u)
	b.ReportMetric(perState, "B/state")
}
