package session

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
)

// A session written to long after login must stay in its user's index for as
// long as the record lives, or EvictUser with IndexOnly misses it.
func TestIndexKeptCurrent(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	g := newMG(t, srv.Client, MGConfig{IndexOnly: true})
	m := newTestManager(t, NewRedisStore(srv.Client), Config{CookieName: "auth.aiohttp", Index: g})
	id, _ := cookieOf(do(t, m, "", put("userId", "alice")), "auth.aiohttp")
	idx := "sesame.user_sessions.alice"

	srv.Client.PExpire(ctx, idx, 2*time.Second) // as if the login was long ago
	do(t, m, id, put("cart", 1))                // activity extends the record
	if rec, ix := srv.Client.PTTL(ctx, "auth.aiohttp_"+id).Val(), srv.Client.PTTL(ctx, idx).Val(); ix < rec-time.Minute {
		t.Fatalf("index TTL %v, record TTL %v: the index dies first", ix, rec)
	}
	srv.Client.Del(ctx, idx) // even if it was lost, the next write restores it
	do(t, m, id, put("cart", 2))
	if n, err := g.EvictUser(ctx, "alice"); err != nil || n != 1 {
		t.Errorf("EvictUser = %d, %v; want 1", n, err)
	}
}

// indexRacer runs f once, right after EvictUser read the index, as a login on
// another server would.
type indexRacer struct {
	f func(ctx context.Context)
}

func (h *indexRacer) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *indexRacer) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if cmd.Name() == "smembers" && h.f != nil {
			f := h.f
			h.f = nil
			f(ctx)
		}
		return err
	}
}

func (h *indexRacer) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// A session of the user written and indexed after EvictUser read the index is
// evicted too: EvictUser reads the index again until it is empty.
func TestEvictCatchesConcurrentLogin(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = client.Close() })
	g := newMG(t, client, MGConfig{IndexOnly: true})
	old, err := g.Create(ctx, MGRecord{UserID: "alice"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var late *MGRecord
	client.AddHook(&indexRacer{f: func(ctx context.Context) {
		var err error
		if late, err = newMG(t, srv.Client, MGConfig{}).Create(ctx, MGRecord{UserID: "alice"}, time.Hour); err != nil {
			t.Error(err)
		}
	}})
	if n, err := g.EvictUser(ctx, "alice"); err != nil || n != 2 {
		t.Errorf("EvictUser = %d, %v; want 2", n, err)
	}
	for _, c := range []string{old.Challenge, late.Challenge} {
		if srv.Client.Exists(ctx, "mgsession."+c).Val() != 0 {
			t.Errorf("mgsession.%s survived the eviction", c)
		}
	}
	if members := srv.Client.SMembers(ctx, "sesame.user_sessions.alice").Val(); len(members) != 0 {
		t.Errorf("index after eviction %v", members)
	}
}
