package session

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
)

// RedisStore through a FailoverClient across a failover: while there is no
// master the middleware answers 503; once the sentinel promoted the replica it
// recovers without a restart, and a session whose write was acknowledged with
// WAIT (one replica) is still there.
func TestSentinelFailover(t *testing.T) {
	s := redistest.StartSentinel(t)
	ctx := context.Background()
	// One connection: WAIT covers the writes the Manager sent before it.
	client := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: redistest.SentinelMaster,
		SentinelAddrs: []string{s.Addr}, MaxRetries: -1, PoolSize: 1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = client.Close() })
	m := newTestManager(t, NewRedisStore(client), Config{CookieName: "auth.aiohttp"})
	id, _ := cookieOf(do(t, m, "", put("userId", "alice", "cart", 3)), "auth.aiohttp")
	if n, err := client.Do(ctx, "WAIT", 1, 5000).Int(); err != nil || n != 1 {
		t.Fatalf("WAIT = %d, %v", n, err)
	}

	s.Master.Stop()
	res, err := doErr(m, id, put("cart", 4))
	if res.StatusCode != http.StatusServiceUnavailable || !errorsIs(err, ErrUnavailable) {
		t.Fatalf("no master: status %d, %v", res.StatusCode, err)
	}

	deadline := time.Now().Add(60 * time.Second) // a bound on the wait, not a threshold
	var cart int64
	for {
		res, err = doErr(m, id, func(s *Session) (err error) { cart, err = s.GetInt64("cart"); return })
		if res.StatusCode == http.StatusOK && err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after the failover: %d %v", res.StatusCode, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if cart != 3 {
		t.Errorf("after the failover cart = %d, want the acknowledged 3", cart)
	}
	if res := do(t, m, id, put("cart", 5)); res.StatusCode != http.StatusOK {
		t.Errorf("write after the failover: %d", res.StatusCode)
	}
	if role := s.Replica.Client.Do(ctx, "ROLE").String(); !strings.Contains(role, "master") {
		t.Errorf("the replica was not promoted: %s", role)
	}
}
