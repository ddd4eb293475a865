package session

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
)

// raceRounds is how many times each race below is run.
const raceRounds = 200

// raceFixture is a Manager indexing its users' sessions in MGSessions, on a real
// Redis; EvictUser trusts the index alone, so the index protocol is what is
// tested.
type raceFixture struct {
	client *redis.Client
	m      *Manager
	other  *Manager // m, or a second Manager standing for another process
	g      *MGSessions
}

func newRaceFixture(t *testing.T, processes int) *raceFixture {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr, PoolSize: 16})
	t.Cleanup(func() { _ = client.Close() })
	g := newMG(t, client, MGConfig{IndexOnly: true})
	m := newTestManager(t, NewRedisStore(client), Config{CookieName: "auth.aiohttp", Index: g})
	other := m
	if processes == 2 {
		other = newTestManager(t, NewRedisStore(client), Config{CookieName: "auth.aiohttp", Index: g})
	}
	return &raceFixture{client: client, m: m, other: other, g: g}
}

// eachProcessSetup runs test with both requests in one process (whose commits
// to one session are serialised), then in two.
func eachProcessSetup(t *testing.T, test func(t *testing.T, f *raceFixture)) {
	for _, n := range []int{1, 2} {
		t.Run(fmt.Sprintf("processes=%d", n), func(t *testing.T) { test(t, newRaceFixture(t, n)) })
	}
}

// live returns the keys holding a live session of user, whatever their id.
func (f *raceFixture) live(t *testing.T, user string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	iter := f.client.Scan(ctx, 0, "auth.aiohttp_*", 0).Iterator()
	for iter.Next(ctx) {
		raw, err := f.client.Get(ctx, iter.Val()).Bytes()
		if err != nil {
			continue
		}
		if rec := f.m.continues(raw, true); rec != nil && f.m.userID(rec) == user {
			out = append(out, iter.Val())
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// race runs a and b at once and returns their responses and handler errors.
func race(a, b func() (*http.Response, error)) (ra, rb *http.Response, ea, eb error) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Add(2)
	go func() { defer wg.Done(); <-start; ra, ea = a() }()
	go func() { defer wg.Done(); <-start; rb, eb = b() }()
	close(start)
	wg.Wait()
	return
}

// renewal is a login's renewal: a new id and a changed entry.
func renewal(round int) func(*Session) error {
	return func(s *Session) error {
		if err := s.Renew(); err != nil {
			return err
		}
		return s.Put("loginAt", round)
	}
}

// login starts a session of user and returns its id.
func (f *raceFixture) login(t *testing.T, user string) string {
	t.Helper()
	id, _ := cookieOf(do(t, f.m, "", put("userId", user, "role", "admin")), "auth.aiohttp")
	if id == "" {
		t.Fatal("no session")
	}
	return id
}

// Logout wins: a Destroy racing a renewal leaves no live session of the user,
// under the old id or the new one, whichever committed first.
func TestRenewRacingDestroy(t *testing.T) {
	eachProcessSetup(t, func(t *testing.T, f *raceFixture) {
		renewedFirst := 0
		for round := range raceRounds {
			user := fmt.Sprintf("u%03d", round)
			id := f.login(t, user)
			ra, rb, _, _ := race(
				func() (*http.Response, error) { return doErr(f.m, id, renewal(round)) },
				func() (*http.Response, error) {
					return doErr(f.other, id, func(s *Session) error { return s.Destroy() })
				},
			)
			if rb.StatusCode != http.StatusOK {
				t.Fatalf("round %d: logout answered %d", round, rb.StatusCode)
			}
			if ra.StatusCode == http.StatusOK {
				renewedFirst++
			}
			if live := f.live(t, user); len(live) != 0 {
				t.Fatalf("round %d: logout returned, renewal answered %d, and %s still live", round, ra.StatusCode, live)
			}
		}
		t.Logf("%d of %d renewals committed before the logout", renewedFirst, raceRounds)
	})
}

// An eviction racing a renewal leaves no live session of the user.
func TestRenewRacingEvictUser(t *testing.T) {
	eachProcessSetup(t, func(t *testing.T, f *raceFixture) {
		renewedFirst := 0
		for round := range raceRounds {
			user := fmt.Sprintf("u%03d", round)
			id := f.login(t, user)
			var evictErr error
			ra, _, _, _ := race(
				func() (*http.Response, error) { return doErr(f.m, id, renewal(round)) },
				func() (*http.Response, error) {
					_, evictErr = f.g.EvictUser(context.Background(), user)
					return nil, nil
				},
			)
			if evictErr != nil {
				t.Fatalf("round %d: EvictUser: %v", round, evictErr)
			}
			if ra.StatusCode == http.StatusOK {
				renewedFirst++
			} else if ra.StatusCode != http.StatusConflict {
				t.Fatalf("round %d: renewal answered %d", round, ra.StatusCode)
			}
			if live := f.live(t, user); len(live) != 0 {
				t.Fatalf("round %d: EvictUser returned, renewal answered %d, and %s still live", round, ra.StatusCode, live)
			}
		}
		t.Logf("%d of %d renewals committed before the eviction", renewedFirst, raceRounds)
	})
}

// A privilege change racing a renewal is kept, or answered as not made: the
// user's one live session has the new role whenever the change answered 200.
func TestRenewRacingRoleChange(t *testing.T) {
	eachProcessSetup(t, func(t *testing.T, f *raceFixture) {
		changed := 0
		for round := range raceRounds {
			user := fmt.Sprintf("u%03d", round)
			id := f.login(t, user)
			ra, rb, _, eb := race(
				func() (*http.Response, error) { return doErr(f.m, id, renewal(round)) },
				func() (*http.Response, error) {
					return doErr(f.other, id, func(s *Session) error {
						if uid, err := s.GetString("userId"); err != nil || uid != user {
							return fmt.Errorf("not logged in (%v)", err) // the renewal came first
						}
						return s.Put("role", "user")
					})
				},
			)
			if ra.StatusCode != http.StatusOK || (rb.StatusCode != http.StatusOK && rb.StatusCode != http.StatusConflict) {
				t.Fatalf("round %d: renewal %d, role change %d", round, ra.StatusCode, rb.StatusCode)
			}
			live := f.live(t, user)
			newID, _ := cookieOf(ra, "auth.aiohttp")
			if len(live) != 1 || live[0] != "auth.aiohttp_"+newID {
				t.Fatalf("round %d: live sessions %v, want the renewed %s only", round, live, newID)
			}
			raw, _ := f.client.Get(context.Background(), live[0]).Bytes()
			role := "admin"
			if rb.StatusCode == http.StatusOK && eb == nil {
				role = "user"
				changed++
			}
			if !strings.Contains(string(raw), `"role": "`+role+`"`) {
				t.Fatalf("round %d: role change answered %d, record %s", round, rb.StatusCode, raw)
			}
		}
		t.Logf("%d of %d role changes committed before the renewal", changed, raceRounds)
	})
}

// The logout tombstone is final: an update racing a Revoke never brings the
// record back, and an update after it is ErrRevoked.
func TestMGSaveNeverRevives(t *testing.T) {
	f := newMGFixture(t)
	for round := range raceRounds {
		rec, _ := f.login(t, "u1")
		update := *rec
		update.NomUsager = "renamed"
		var saveErr, revokeErr error
		race(
			func() (*http.Response, error) { saveErr = f.g.Save(f.ctx, &update); return nil, nil },
			func() (*http.Response, error) { revokeErr = f.g.Revoke(f.ctx, rec.Challenge); return nil, nil },
		)
		if revokeErr != nil {
			t.Fatal(revokeErr)
		}
		if saveErr != nil && !errorsIs(saveErr, ErrRevoked) {
			t.Fatalf("round %d: Save: %v", round, saveErr)
		}
		if _, err := f.g.Get(f.ctx, rec.Challenge); !errorsIs(err, ErrRevoked) {
			t.Fatalf("round %d: after Revoke returned, Get = %v", round, err)
		}
	}
	rec, _ := f.login(t, "u2")
	if err := f.g.Revoke(f.ctx, rec.Challenge); err != nil {
		t.Fatal(err)
	}
	if err := f.g.Save(f.ctx, rec); !errorsIs(err, ErrRevoked) {
		t.Errorf("Save after Revoke: %v, want ErrRevoked", err)
	}
	f.srv.Client.Del(f.ctx, "mgsession."+rec.Challenge) // evicted
	if err := f.g.Save(f.ctx, rec); !errorsIs(err, ErrNotFound) {
		t.Errorf("Save after eviction: %v, want ErrNotFound", err)
	}
	_ = time.Second
}
