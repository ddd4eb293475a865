package jwtverify

import (
	"math/rand/v2"
	"testing"
)

// special is the byte loop's view: a byte that may end or escape a string,
// or a control character.
func special(c byte) bool { return c == '"' || c == '\\' || c < 0x20 }

// checkPlainRun holds plainRun to its contract on b: every byte it skips is
// plain, and it stops within eight bytes of the first special one.
func checkPlainRun(t *testing.T, b []byte) {
	t.Helper()
	r := plainRun(b, 0)
	first := len(b)
	for i, c := range b {
		if special(c) {
			first = i
			break
		}
	}
	if r > first {
		t.Fatalf("plainRun(%q) = %d skipped the special byte at %d", b, r, first)
	}
	if first-r >= 8 && r+8 <= len(b) {
		t.Fatalf("plainRun(%q) = %d stopped a word early (first special at %d)", b, r, first)
	}
}

// Every byte value at every offset of two words, among plain ASCII and
// among high bytes (whose borrows the bit tricks must not mistake).
func TestPlainRun(t *testing.T) {
	for _, fill := range []byte{'a', 0x80, 0xa0, 0xff, 0x21, 0x5d} {
		for c := range 256 {
			for p := range 16 {
				b := make([]byte, 16)
				for i := range b {
					b[i] = fill
				}
				b[p] = byte(c)
				checkPlainRun(t, b)
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		b := make([]byte, 1+rng.IntN(40))
		for i := range b {
			b[i] = byte(rng.IntN(256))
			if rng.IntN(4) > 0 {
				b[i] = byte(0x20 + rng.IntN(0x60)) // mostly printable, as claims are
			}
		}
		checkPlainRun(t, b)
	}
}
