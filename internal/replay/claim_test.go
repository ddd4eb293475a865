package replay

import (
	"errors"
	"testing"
	"time"
)

// Claim: an id is new once, used until ttl (rounded up to the second) has
// passed, new again after Release or expiry; a full set is an error, never
// a forgotten id.
func TestClaim(t *testing.T) {
	s := New(2)
	t0 := time.Unix(1_000, 0)
	step := func(what, id string, now time.Time, want bool, wantErr error) {
		t.Helper()
		got, err := s.Claim(id, 1500*time.Millisecond, now)
		if got != want || !errors.Is(err, wantErr) {
			t.Fatalf("%s: Claim(%q) = %v, %v; want %v, %v", what, id, got, err, want, wantErr)
		}
	}
	step("first", "a", t0, true, nil)
	step("again", "a", t0.Add(time.Second), false, nil)
	step("at 1.5 s, rounded up to 2 s", "a", t0.Add(1500*time.Millisecond), false, nil)
	step("another", "b", t0, true, nil)
	step("full", "c", t0, false, ErrFull)
	s.Release("b")
	step("released", "b", t0, true, nil)
	step("expired", "a", t0.Add(2*time.Second), true, nil)
	if a, again := KeyOf("a"), KeyOf(string([]byte("a"))); a == KeyOf("b") || a != again {
		t.Fatal("KeyOf is not a digest of the id")
	}
}
