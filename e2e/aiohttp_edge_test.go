package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAiohttpEdgeInterop checks the record rules both sides apply on load: a
// record idle longer than max_age loses its values but keeps its id, one just
// inside max_age is live, and a request that only reads leaves the record and
// its running TTL alone.
func TestAiohttpEdgeInterop(t *testing.T) {
	x := newInterop(t)
	ctx := context.Background()

	plant := func(id string, age int64, ttl time.Duration) string {
		t.Helper()
		rec := fmt.Sprintf(`{"created": %d, "session": {"userId": "alice"}}`, time.Now().Unix()-age)
		if err := x.redis.Set(ctx, "auth.aiohttp_"+id, rec, ttl).Err(); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	ttlOf := func(id string) time.Duration {
		t.Helper()
		return x.redis.TTL(ctx, "auth.aiohttp_"+id).Val()
	}

	for _, side := range []struct{ name, url, tag string }{{"python", x.py, "1"}, {"go", x.goURL, "2"}} {
		t.Run(side.name, func(t *testing.T) {
			x.t = t
			// Idle too long: no values, nothing written, TTL still running.
			stale := strings.Repeat("a", 31) + side.tag
			rec := plant(stale, 1830, 100*time.Second)
			setCookie, got := x.call(side.url, "GET", "/dump", stale, "")
			if setCookie != "" || string(got["session"]) != "{}" {
				t.Errorf("idle record read: Set-Cookie %q, session %s", setCookie, got["session"])
			}
			if x.stored(stale) != rec || ttlOf(stale) > 100*time.Second {
				t.Errorf("a read of an idle record wrote: %s, TTL %v", x.stored(stale), ttlOf(stale))
			}
			// A write to it keeps the id, resets created and the full TTL.
			setCookie, _ = x.call(side.url, "POST", "/put", stale, `{"k": 1}`)
			if m := aiohttpCookie.FindStringSubmatch(setCookie); m == nil || m[1] != stale {
				t.Errorf("write to an idle record: Set-Cookie %q, want id %s", setCookie, stale)
			}
			if s := x.stored(stale); strings.Contains(s, "alice") || !strings.Contains(s, `"k": 1`) || ttlOf(stale) < 1790*time.Second {
				t.Errorf("idle record rewritten as %s, TTL %v", s, ttlOf(stale))
			}

			// Just inside max_age: live, and a read touches neither record nor TTL.
			live := strings.Repeat("b", 31) + side.tag
			rec = plant(live, 1790, 500*time.Second)
			setCookie, got = x.call(side.url, "GET", "/dump", live, "")
			if setCookie != "" || !strings.Contains(string(got["session"]), "alice") {
				t.Errorf("live record read: Set-Cookie %q, session %s", setCookie, got["session"])
			}
			if x.stored(live) != rec || ttlOf(live) > 500*time.Second {
				t.Errorf("a read of a live record wrote: %s, TTL %v", x.stored(live), ttlOf(live))
			}
		})
	}
}
