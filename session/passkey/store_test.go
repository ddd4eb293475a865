package passkey

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
)

func seedCred(t testing.TB) Credential {
	b, _ := json.Marshal(seedCredential(t))
	c, err := DecodeCredential(b)
	if err != nil {
		t.Fatal(err)
	}
	return *c
}

type addUserer interface {
	UserStore
	AddUser(ctx context.Context, u User) error
}

// testStore runs the shared UserStore tests against s.
func testStore(t *testing.T, s addUserer) {
	ctx := context.Background()
	c := seedCred(t)
	isErr(t, s.AddUser(ctx, User{ID: "", Name: "x"}), ErrFormat)
	if err := s.AddUser(ctx, User{ID: "z2i3Xjx", Name: "proprietaire"}); err != nil {
		t.Fatal(err)
	}
	isErr(t, s.AddUser(ctx, User{ID: "other", Name: "proprietaire"}), ErrDuplicate)
	_, err := s.UserByID(ctx, "nobody")
	isErr(t, err, ErrUnknownUser)
	_, err = s.UserByName(ctx, "nobody")
	isErr(t, err, ErrUnknownUser)
	isErr(t, s.AddCredential(ctx, "nobody", c), ErrUnknownUser)
	if err := s.AddCredential(ctx, "z2i3Xjx", c); err != nil {
		t.Fatal(err)
	}
	isErr(t, s.AddCredential(ctx, "z2i3Xjx", c), ErrDuplicate)
	u, err := s.UserByName(ctx, "proprietaire")
	if err != nil || u.ID != "z2i3Xjx" || len(u.Credentials) != 1 {
		t.Fatalf("%+v %v", u, err)
	}
	got, _ := json.Marshal(u.Credentials[0])
	want, _ := json.Marshal(c)
	if string(got) != string(want) {
		t.Errorf("stored\n%s\nwant\n%s", got, want)
	}
	isErr(t, s.BumpCounter(ctx, "z2i3Xjx", c.ID, 3, 4), ErrCounter)
	isErr(t, s.BumpCounter(ctx, "z2i3Xjx", []byte("x"), 0, 4), ErrUnknownCredential)
	// Concurrent bumps from the same counter: exactly one wins.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Go(func() {
			if s.BumpCounter(ctx, "z2i3Xjx", c.ID, 0, 9) == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d concurrent bumps won, want 1", wins)
	}
	c.Flags.BackupEligible = true
	c.Authenticator.SignCount = 9
	if err := s.UpdateCredential(ctx, "z2i3Xjx", c); err != nil {
		t.Fatal(err)
	}
	creds, err := s.Credentials(ctx, "z2i3Xjx")
	if err != nil || len(creds) != 1 || !creds[0].Flags.BackupEligible || creds[0].Authenticator.SignCount != 9 {
		t.Fatalf("%+v %v", creds, err)
	}
}

func TestMemoryStore(t *testing.T) { testStore(t, NewMemoryStore()) }

func TestRedisStore(t *testing.T) {
	srv := redistest.Start(t)
	s := NewRedisStore(srv.Client, "")
	testStore(t, s)
	ctx := context.Background()
	// A stored record is untrusted: malformed or oversized is ErrFormat.
	for _, bad := range []string{`{"id":"bad","name":"bad","displayName":"","credentials":[{}]}`, `[`, `{"id":"bad"}`} {
		srv.Client.Set(ctx, DefaultRedisPrefix+"user.bad", bad, 0)
		_, err := s.UserByID(ctx, "bad")
		isErr(t, err, ErrFormat)
	}
	srv.Client.Set(ctx, DefaultRedisPrefix+"user.big", make([]byte, MaxRecordSize+1), 0)
	_, err := s.UserByID(ctx, "big")
	isErr(t, err, ErrFormat)
	// Redis down is ErrUnavailable.
	srv.Client.Close()
	_, err = s.UserByID(ctx, "z2i3Xjx")
	isErr(t, err, ErrUnavailable)
}

// TestRedisCeremony: the whole login on a RedisStore.
func TestRedisCeremony(t *testing.T) {
	srv := redistest.Start(t)
	s := NewRedisStore(srv.Client, "test.")
	if err := s.AddUser(context.Background(), User{ID: "id-alice", Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, s, nil)
	a := newSoft(t)
	h.register(a, "id-alice")
	a.counter = 1
	c := h.client()
	if st, b := h.loginWith(c, a, "alice"); st != 200 || h.whoami(c) != "id-alice" {
		t.Fatalf("%d %s", st, b)
	}
	a.counter = 1 // a clone replaying the counter
	if st, _ := h.loginWith(h.client(), a, ""); st != 401 {
		t.Fatalf("clone: %d", st)
	}
}

// On a cluster client, the store's connection errors get the client to
// reload its slot map (a failover's promoted replica is then reached within
// seconds).
func TestRedisStoreClusterReload(t *testing.T) {
	ctx := context.Background()
	build := func(c redis.UniversalClient) (*RedisStore, error) { return NewRedisStore(c, ""), nil }
	redistest.CheckReloads(t, ErrUnavailable, build, map[string]func(*RedisStore) error{
		"UserByID":   func(s *RedisStore) error { _, err := s.UserByID(ctx, "z2i3Xjx"); return err },
		"UserByName": func(s *RedisStore) error { _, err := s.UserByName(ctx, "alice"); return err },
		"AddUser":    func(s *RedisStore) error { return s.AddUser(ctx, User{ID: "z2i3Xjx", Name: "alice"}) },
	})
}
