package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
)

// faultHook makes the client fail one kind of script: before sending it
// (lost=false) or after Redis ran it, as a dropped connection loses the reply.
type faultHook struct {
	sha  string
	lost bool
	mu   sync.Mutex
	left int
}

var errDropped = errors.New("connection dropped")

func (h *faultHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *faultHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		args := cmd.Args()
		if cmd.Name() != "evalsha" || len(args) < 2 || args[1] != h.sha || !h.take() {
			return next(ctx, cmd)
		}
		if h.lost {
			_ = next(ctx, cmd)
		}
		cmd.SetErr(errDropped)
		return errDropped
	}
}

func (h *faultHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (h *faultHook) take() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.left == 0 {
		return false
	}
	h.left--
	return true
}

// The answer says what Redis holds: an index update that fails leaves the
// record as it was (503), and a write whose reply was lost is read back and
// answered as written (200).
func TestAnswerMatchesRedis(t *testing.T) {
	tests := []struct {
		name     string
		sha      string
		lost     bool
		wantCode int
	}{
		{"index update fails", indexScript.Hash(), false, http.StatusServiceUnavailable},
		{"write reply lost", casScript.Hash(), true, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := redistest.Start(t)
			client := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
			t.Cleanup(func() { _ = client.Close() })
			g := newMG(t, client, MGConfig{})
			m := newTestManager(t, NewRedisStore(client), Config{CookieName: "auth.aiohttp", Index: g})
			id, _ := cookieOf(do(t, m, "", put("userId", "alice", "cart", 1)), "auth.aiohttp")
			key := "auth.aiohttp_" + id
			before := srv.Client.Get(context.Background(), key).Val()

			client.AddHook(&faultHook{sha: tt.sha, lost: tt.lost, left: 1})
			res, err := doErr(m, id, put("cart", 2))
			after := srv.Client.Get(context.Background(), key).Val()
			if res.StatusCode != tt.wantCode {
				t.Fatalf("status %d (handler %v), want %d; record %s", res.StatusCode, err, tt.wantCode, after)
			}
			if changed := after != before; changed != (res.StatusCode == http.StatusOK) {
				t.Errorf("answered %d, but the record went from %s to %s", res.StatusCode, before, after)
			}
		})
	}
}

// Requests of one process writing one session do not race: they are
// serialised per session id, and each compare-and-set starts from the value the
// previous one wrote, so every commit takes exactly one attempt.
func TestSameProcessWritersDoNotRace(t *testing.T) {
	const n = 50
	spy := &spyStore{AtomicStore: NewMemoryStore(nil)}
	m := newTestManager(t, spy, Config{})
	id, _ := cookieOf(do(t, m, "", put("seed", 0)), DefaultCookieName)
	var loaded, wg sync.WaitGroup
	loaded.Add(n)
	codes := make([]int, n)
	spy.mu.Lock()
	spy.cas = 0
	spy.mu.Unlock()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := do(t, m, id, func(s *Session) error {
				err := s.Put(fmt.Sprintf("k%02d", i), i) // loads: all see the same record
				loaded.Done()
				loaded.Wait() // every request loaded before any commits
				return err
			})
			codes[i] = res.StatusCode
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("writer %d: status %d", i, c)
		}
	}
	if spy.cas != n {
		t.Errorf("%d compare-and-set attempts for %d commits", spy.cas, n)
	}
	keys, _ := m.loadID(t, id).Keys()
	if len(keys) != n+1 {
		t.Errorf("%d keys after %d writers, want %d", len(keys), n, n+1)
	}
	if len(m.locks.m) != 0 {
		t.Errorf("%d session locks left after the commits", len(m.locks.m))
	}
}
