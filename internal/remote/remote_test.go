package remote

import (
	"net/url"
	"testing"
	"time"
)

func newTestCache(t testing.TB) *Cache[string] {
	t.Helper()
	c, err := New("https://keys.example/jwks", func(b []byte) (string, error) { return string(b), nil }, Config{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// FuzzTTL: whatever the Cache-Control header says, the kept time stays within
// [MinRefresh, MaxRefresh].
func FuzzTTL(f *testing.F) {
	for _, s := range []string{"max-age=600", "public, max-age=\"60\"", "max-age=-1", "no-store", "max-age=99999999999999999999", "max-age=1, no-cache"} {
		f.Add(s)
	}
	c := newTestCache(f)
	f.Fuzz(func(t *testing.T, s string) {
		d := c.ttl(s)
		if d < c.cfg.MinRefresh || d > c.cfg.MaxRefresh {
			t.Fatalf("ttl %v out of bounds for %q", d, s)
		}
	})
}

// TestTTL: max-age is read and clamped, no-store and no-cache keep the least.
func TestTTL(t *testing.T) {
	c := newTestCache(t)
	for cc, want := range map[string]time.Duration{
		"":                      5 * time.Minute,
		"max-age=600":           10 * time.Minute,
		`public, max-age="120"`: 2 * time.Minute,
		"max-age=1":             time.Minute,
		"max-age=999999999":     24 * time.Hour,
		"no-store":              time.Minute,
		"MAX-AGE=300":           5 * time.Minute,
	} {
		if got := c.ttl(cc); got != want {
			t.Errorf("ttl(%q) = %v, want %v", cc, got, want)
		}
	}
}

// TestOrigin: default ports are made explicit and hosts fold case.
func TestOrigin(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"https://a.example/x", "https://A.example:443/y", true},
		{"http://a.example/x", "http://a.example:80/y", true},
		{"https://a.example/x", "http://a.example/x", false},
		{"https://a.example/x", "https://a.example:8443/x", false},
		{"https://a.example/x", "https://b.example/x", false},
		{"https://a.example/x", "https://a.example.evil/x", false},
		{"https://[::1]/x", "https://[::1]:443/x", true},
	} {
		a, _ := url.Parse(c.a)
		b, _ := url.Parse(c.b)
		if SameOriginURL(a, b) != c.same {
			t.Errorf("SameOriginURL(%s, %s) = %v", c.a, c.b, !c.same)
		}
	}
	if _, err := New("http://keys.example/", func([]byte) (int, error) { return 0, nil }, Config{}); err == nil {
		t.Fatal("http URL accepted without InsecureAllowHTTP")
	}
}
