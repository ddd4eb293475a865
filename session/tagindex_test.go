package session

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
)

// tagFixture is two Managers (two instances of an app) sharing one store:
// Redis, a Redis Cluster, or a MemoryStore.
type tagFixture struct {
	store    AtomicStore
	m, other *Manager
	records  func(t *testing.T) map[string][]byte // every record, by key
	commands *commandLog                          // Redis commands sent (nil in memory)
}

func newTagFixture(t *testing.T, kind string) *tagFixture {
	t.Helper()
	f := &tagFixture{}
	switch kind {
	case "memory":
		store := NewMemoryStore(nil)
		f.store = store
		f.records = func(*testing.T) map[string][]byte {
			store.mu.Lock()
			defer store.mu.Unlock()
			out := map[string][]byte{}
			for k, it := range store.items {
				out[k] = it.value
			}
			return out
		}
	case "redis":
		srv := redistest.Start(t)
		client := redis.NewClient(&redis.Options{Addr: srv.Addr, PoolSize: 16})
		t.Cleanup(func() { _ = client.Close() })
		f.store, f.records, f.commands = NewRedisStore(client), scanRecords(srv.Client), logCommands(client)
	case "cluster":
		c := redistest.StartCluster(t)
		client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
		t.Cleanup(func() { _ = client.Close() })
		f.store, f.records, f.commands = NewRedisStore(client), scanRecords(c.Client), logCommands(client)
	default:
		t.Fatalf("kind %q", kind)
	}
	f.m = newTestManager(t, f.store, Config{CookieName: "auth.aiohttp"})
	f.other = newTestManager(t, f.store, Config{CookieName: "auth.aiohttp"})
	return f
}

// scanRecords lists the session records with SCAN (the test may; the code
// never does).
func scanRecords(c redis.UniversalClient) func(t *testing.T) map[string][]byte {
	return func(t *testing.T) map[string][]byte {
		t.Helper()
		ctx := context.Background()
		out := map[string][]byte{}
		scan := func(ctx context.Context, c redis.Cmdable) error {
			iter := c.Scan(ctx, 0, "auth.aiohttp_*", 0).Iterator()
			for iter.Next(ctx) {
				if raw, err := c.Get(ctx, iter.Val()).Bytes(); err == nil {
					out[iter.Val()] = raw
				}
			}
			return iter.Err()
		}
		var err error
		var mu sync.Mutex
		if cc, ok := c.(*redis.ClusterClient); ok {
			err = cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
				mu.Lock()
				defer mu.Unlock()
				return scan(ctx, n)
			})
		} else {
			err = scan(ctx, c)
		}
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}

// liveTagged returns the keys of live sessions carrying tag.
func (f *tagFixture) liveTagged(t *testing.T, tag string) []string {
	t.Helper()
	var out []string
	for k, raw := range f.records(t) {
		rec := f.m.continues(raw, true)
		if tags, _ := tagsOf(rec); rec != nil && visible(rec) > 0 && tags[tag] != 0 {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// commandLog records the names of the Redis commands a client sends.
type commandLog struct {
	mu    sync.Mutex
	names []string
}

func logCommands(c redis.UniversalClient) *commandLog {
	l := &commandLog{}
	c.AddHook(l)
	return l
}

func (l *commandLog) add(cmds ...redis.Cmder) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range cmds {
		l.names = append(l.names, c.Name())
	}
}

func (l *commandLog) seen() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.names)
}

func (l *commandLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (l *commandLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { l.add(cmd); return next(ctx, cmd) }
}

func (l *commandLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { l.add(cmds...); return next(ctx, cmds) }
}

// TestTagIndex checks the index's rules on each store: an ended tag refuses
// the sessions established at or before the end and returns them again to a
// retried logout, never the later ones.
func TestTagIndex(t *testing.T) {
	for _, kind := range []string{"memory", "redis"} {
		t.Run(kind, func(t *testing.T) {
			ti := newTagFixture(t, kind).store.(TagIndex)
			ctx := context.Background()
			const idx = "sesame.session_tags.test"
			tagged := func(key string, want bool) {
				t.Helper()
				if in, err := ti.Tagged(ctx, idx, key); err != nil || in != want {
					t.Errorf("Tagged(%s) = %v, %v; want %v", key, in, err, want)
				}
			}
			take := func(at int64, want ...string) {
				t.Helper()
				keys, err := ti.TakeTagged(ctx, idx, at, EndedTagTTL)
				slices.Sort(keys)
				if err != nil || !slices.Equal(keys, want) {
					t.Errorf("TakeTagged(%d) = %v, %v; want %v", at, keys, err, want)
				}
			}
			if err := ti.AddTag(ctx, idx, "k1", 100, time.Hour); err != nil {
				t.Fatal(err)
			}
			tagged("k1", true)
			tagged("k2", false)
			take(150, "k1")
			tagged("k1", false)
			if err := ti.AddTag(ctx, idx, "k2", 150, time.Hour); !errorsIs(err, ErrEnded) {
				t.Errorf("AddTag at the end's time = %v, want ErrEnded", err)
			}
			if err := ti.AddTag(ctx, idx, "k3", 151, time.Hour); err != nil {
				t.Errorf("AddTag after the end: %v", err)
			}
			tagged("k3", true)
			take(150, "k1") // a retried logout finds its sessions again, not the later one
			take(200, "k1", "k3")
			if err := ti.AddTag(ctx, idx, "k3", 151, time.Hour); !errorsIs(err, ErrEnded) {
				t.Errorf("AddTag of an ended session = %v, want ErrEnded", err)
			}
			take(10) // an older end changes nothing
			if err := ti.AddTag(ctx, idx, "k4", 150, time.Hour); !errorsIs(err, ErrEnded) {
				t.Errorf("after an older end: %v, want ErrEnded", err)
			}
		})
	}
}

// TestTagIndexBounded: past MaxTagSessions live sessions a tag refuses a new
// one (an existing one is still kept current); expired entries make room.
func TestTagIndexBounded(t *testing.T) {
	for _, kind := range []string{"memory", "redis"} {
		t.Run(kind, func(t *testing.T) {
			c := newClock()
			var ti TagIndex
			if kind == "memory" {
				ti = NewMemoryStore(c.Now)
			} else {
				ti = newTagFixture(t, kind).store.(TagIndex)
			}
			ctx := context.Background()
			const idx = "sesame.session_tags.full"
			for i := range MaxTagSessions {
				if err := ti.AddTag(ctx, idx, fmt.Sprintf("k%04d", i), 100, time.Hour); err != nil {
					t.Fatal(i, err)
				}
			}
			if err := ti.AddTag(ctx, idx, "one-more", 100, time.Hour); !errorsIs(err, ErrTagFull) {
				t.Errorf("AddTag past the bound = %v, want ErrTagFull", err)
			}
			if err := ti.AddTag(ctx, idx, "k0000", 100, 2*time.Hour); err != nil {
				t.Errorf("AddTag of a present session past the bound = %v", err)
			}
			if kind == "memory" {
				c.Add(90 * time.Minute) // every entry but k0000 expired
				if err := ti.AddTag(ctx, idx, "one-more", 100, time.Hour); err != nil {
					t.Errorf("AddTag once entries expired = %v", err)
				}
			}
		})
	}
}

// TestEndTagged: a logout ends the sessions of its tag established at or
// before it, on both instances, and no other; a login of that tag is then
// refused; the index keeps its mark for EndedTagTTL.
func TestEndTagged(t *testing.T) {
	for _, kind := range []string{"memory", "redis", "cluster"} {
		t.Run(kind, func(t *testing.T) {
			f := newTagFixture(t, kind)
			ctx := context.Background()
			login := func(m *Manager, at time.Time, tags ...string) string {
				t.Helper()
				id, _ := cookieOf(do(t, m, "", loginTagged("alice", at, tags...)), "auth.aiohttp")
				return "auth.aiohttp_" + id
			}
			a1 := login(f.m, tagTime, "sid.A", "sub.alice")
			a2 := login(f.other, tagTime, "sid.A", "sub.alice") // a second app instance
			b := login(f.other, tagTime, "sid.B", "sub.alice")
			c := login(f.m, tagTime.Add(10*time.Second), "sid.C", "sub.alice") // after the logouts below
			if n, err := f.other.EndTagged(ctx, "sid.A", tagTime); err != nil || n != 2 {
				t.Fatalf("EndTagged(sid.A) = %d, %v; want 2", n, err)
			}
			if live := f.liveTagged(t, "sid.A"); len(live) != 0 {
				t.Errorf("sessions of sid.A still live: %v (were %s %s)", live, a1, a2)
			}
			if n, err := f.m.EndTagged(ctx, "sid.A", tagTime); err != nil || n != 0 {
				t.Errorf("EndTagged(sid.A) again = %d, %v; want 0", n, err)
			}
			// A writer of c that lost its race to c's login left an older index
			// entry: the record's own time decides.
			if err := f.store.(TagIndex).AddTag(ctx, f.m.tagKey("sub.alice"), c, tagTime.Unix(), time.Hour); err != nil {
				t.Fatal(err)
			}
			if n, err := f.m.EndTagged(ctx, "sub.alice", tagTime.Add(5*time.Second)); err != nil || n != 1 {
				t.Fatalf("EndTagged(sub.alice) = %d, %v; want 1 (%s)", n, err, b)
			}
			if live := f.liveTagged(t, "sub.alice"); !slices.Equal(live, []string{c}) {
				t.Errorf("live after the user's logout: %v, want the later login %s only", live, c)
			}
			res, _ := doErr(f.m, "", loginTagged("alice", tagTime, "sid.A"))
			if res.StatusCode != http.StatusConflict || len(f.liveTagged(t, "sid.A")) != 0 {
				t.Errorf("a login of the ended sid.A answered %d", res.StatusCode)
			}
			if f.commands != nil {
				for _, name := range f.commands.seen() {
					if name == "keys" || name == "scan" {
						t.Errorf("the code sent %s", strings.ToUpper(name))
					}
				}
			}
		})
	}
}

// TestEndTaggedRefused: bad arguments and a store without a tag index.
func TestEndTaggedRefused(t *testing.T) {
	m := newTestManager(t, NewMemoryStore(nil), Config{})
	for _, tc := range []struct {
		name string
		at   time.Time
	}{{"", tagTime}, {"a b", tagTime}, {"a", time.Unix(0, 0)}} {
		if _, err := m.EndTagged(context.Background(), tc.name, tc.at); !errorsIs(err, ErrValue) {
			t.Errorf("EndTagged(%q, %v) = %v, want ErrValue", tc.name, tc.at, err)
		}
	}
	plain := newTestManager(t, &spyStore{AtomicStore: NewMemoryStore(nil)}, Config{})
	if _, err := plain.EndTagged(context.Background(), "a", tagTime); !errorsIs(err, ErrConfig) {
		t.Errorf("without a tag index: %v, want ErrConfig", err)
	}
}

// TestTagIndexKeptCurrent: every write of a tagged session extends its index
// entries with the record, so a session active long after its login is still
// found by its logout.
func TestTagIndexKeptCurrent(t *testing.T) {
	c := newClock()
	store := NewMemoryStore(c.Now)
	m := newTestManager(t, store, Config{CookieName: "auth.aiohttp", IdleTimeout: 10 * time.Minute, Now: c.Now})
	id, _ := cookieOf(do(t, m, "", loginTagged("alice", tagTime, "sid.A")), "auth.aiohttp")
	for i := range 6 { // an hour of activity
		c.Add(9 * time.Minute)
		do(t, m, id, put("clicks", i))
	}
	c.Add(9 * time.Minute) // idle, but not for IdleTimeout: still live
	if n, err := m.EndTagged(context.Background(), "sid.A", tagTime); err != nil || n != 1 {
		t.Fatalf("EndTagged after an hour of activity = %d, %v; want 1", n, err)
	}
}
