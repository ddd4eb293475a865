package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sesame-go/sesame/internal/redistest"
	"github.com/sesame-go/sesame/session"
)

// The cost of durability (session.RedisConfig.WaitReplicas): a writing request
// through the middleware (GET, then the compare-and-set script) on a master
// with one replica in sync, through a Sentinel FailoverClient; plain is
// WaitReplicas 0, wait1 is WaitReplicas 1, where a WAIT follows the script in
// the same pipeline and the request waits for the replica's acknowledgement.
// Read the ratio of the two within one run.
func BenchmarkSessionDurability(b *testing.B) {
	s := redistest.StartSentinel(b)
	for _, impl := range []struct {
		name     string
		replicas int
	}{{"plain", 0}, {"wait1", 1}} {
		b.Run("impl="+impl.name, func(b *testing.B) {
			store, err := session.NewRedisStoreWith(s.Client, session.RedisConfig{WaitReplicas: impl.replicas})
			if err != nil {
				b.Fatal(err)
			}
			m, err := session.NewManager(store, session.Config{CookieName: "auth.aiohttp"})
			if err != nil {
				b.Fatal(err)
			}
			login := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = session.FromContext(r.Context()).Put("userId", benchUser)
			}))
			cookie := loginCookie(b, login, "auth.aiohttp")
			i := 0
			h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i++
				_ = session.FromContext(r.Context()).Put("visits", i)
			}))
			r := httptest.NewRequest("GET", "https://app.example/", nil)
			r.AddCookie(cookie)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
