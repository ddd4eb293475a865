package googlecse

import "testing"

// The memory answers only the exact token it holds: a token landing in the
// same slot (a collision, planted here by reusing another token's hash) and
// the empty string are misses.
func TestIssuerMemo(t *testing.T) {
	m := newIssuerMemo()
	h := m.hash("token-a")
	if _, ok := m.get("token-a", h); ok {
		t.Fatal("an empty memory answered")
	}
	m.put("token-a", h, "https://idp.example")
	if iss, ok := m.get("token-a", h); !ok || iss != "https://idp.example" {
		t.Fatalf("get = %q %v", iss, ok)
	}
	if _, ok := m.get("token-b", h); ok {
		t.Fatal("a colliding token got another token's issuer")
	}
	if _, ok := m.get("", m.hash("")); ok {
		t.Fatal("the empty string hit an empty slot")
	}
	m.put("token-b", h, "https://evil.example") // takes the slot
	if _, ok := m.get("token-a", h); ok {
		t.Fatal("a pushed-out token still answered")
	}
}

func TestIsUUIDv4(t *testing.T) {
	const good = "025f02fe-bee2-444b-bf76-b5ead30327c0"
	if !isUUIDv4(good) || !isUUIDv4("025F02FE-BEE2-444B-BF76-B5EAD30327C0") {
		t.Fatal("a uuid v4 refused")
	}
	for i := range len(good) {
		for _, c := range []byte{'g', '-', 'z', ' ', 0, '0'} {
			b := []byte(good)
			if b[i] == c {
				continue
			}
			b[i] = c
			want := false
			switch {
			case c == '0' && i != 8 && i != 13 && i != 14 && i != 18 && i != 19 && i != 23:
				want = true // another hex digit where any is allowed
			}
			if got := isUUIDv4(string(b)); got != want {
				t.Errorf("isUUIDv4(%q) = %v, want %v", b, got, want)
			}
		}
	}
	for _, s := range []string{"", good[:35], good + "0", "025f02fe-bee2-344b-bf76-b5ead30327c0", "025f02fe-bee2-444b-7f76-b5ead30327c0"} {
		if isUUIDv4(s) {
			t.Errorf("isUUIDv4(%q) = true", s)
		}
	}
}
