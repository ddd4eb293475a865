package tokencache

import (
	"hash/maphash"
	"strings"
	"testing"
)

// A hash is admitted on its second offer; a hash taking its slot delays it;
// the zero hash does not match an empty slot.
func TestDoorkeeper(t *testing.T) {
	d := NewDoorkeeper(3)
	if len(d.seen) != 4 {
		t.Fatalf("%d slots for 3, want 4", len(d.seen))
	}
	if d.Admit(0) {
		t.Fatal("hash 0 admitted on its first offer (an empty slot matched)")
	}
	if !d.Admit(0) {
		t.Fatal("hash 0 not admitted on its second offer")
	}
	if d.Admit(5) || !d.Admit(5) {
		t.Fatal("hash 5 not admitted on exactly its second offer")
	}
	if d.Admit(1) { // same slot as 5: pushes it out
		t.Fatal("hash 1 admitted on its first offer")
	}
	if d.Admit(5) {
		t.Fatal("a pushed-out hash was admitted")
	}
}

// The index hash reads the tail only.
func TestHash(t *testing.T) {
	seed := maphash.MakeSeed()
	tail := strings.Repeat("s", TailSize)
	if Hash(seed, "a."+tail) != Hash(seed, "b."+tail) {
		t.Fatal("tokens sharing a tail hashed apart")
	}
	if Hash(seed, "x"+tail) == Hash(seed, tail+"x") {
		t.Fatal("tokens with different tails hashed alike")
	}
	if Hash(seed, "short") != maphash.String(seed, "short") {
		t.Fatal("a short token is not hashed whole")
	}
}
