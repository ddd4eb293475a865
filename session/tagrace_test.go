package session

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// tagRacers are the requests a logout (EndTagged) races in
// TestEndTaggedRaces, each on the other app instance: given the tag of the
// round and the id of the session logged in with it, one request.
func tagRacers() map[string]func(f *tagFixture, tag, id string, round int) (*http.Response, error) {
	return map[string]func(f *tagFixture, tag, id string, round int) (*http.Response, error){
		"commit": func(f *tagFixture, _, id string, round int) (*http.Response, error) {
			return doErr(f.other, id, put("role", "user", "round", round))
		},
		"renewal": func(f *tagFixture, _, id string, round int) (*http.Response, error) {
			return doErr(f.other, id, renewal(round))
		},
		"role change with renewal": func(f *tagFixture, _, id string, round int) (*http.Response, error) {
			return doErr(f.other, id, func(s *Session) error {
				if err := s.Renew(); err != nil {
					return err
				}
				return s.Put("role", "admin")
			})
		},
		"login of the same tag": func(f *tagFixture, tag, _ string, _ int) (*http.Response, error) {
			return doErr(f.other, "", loginTagged("alice", tagTime, tag, "sub.alice"))
		},
	}
}

// TestEndTaggedRaces: a logout is final. For each kind of request, round
// after round, a session is logged in with a tag, then EndTagged of that tag
// on one app instance races the request on the other; once both returned, no
// session carrying the tag is live, whichever went first, and the request
// answered 200 or 409 (ErrEnded), never anything else.
func TestEndTaggedRaces(t *testing.T) {
	for _, kind := range []string{"redis", "memory"} {
		for name, racer := range tagRacers() {
			t.Run(kind+"/"+name, func(t *testing.T) {
				f := newTagFixture(t, kind)
				first := 0
				for round := range raceRounds {
					tag := fmt.Sprintf("sid.r%03d", round)
					id, _ := cookieOf(do(t, f.m, "", loginTagged("alice", tagTime, tag, "sub.alice")), "auth.aiohttp")
					var n int
					var endErr error
					res, _, _, _ := race(
						func() (*http.Response, error) { return racer(f, tag, id, round) },
						func() (*http.Response, error) {
							n, endErr = f.m.EndTagged(context.Background(), tag, tagTime)
							return nil, nil
						},
					)
					if endErr != nil || n > 2 { // 0 when the request, seeing the logout, ended its record itself
						t.Fatalf("round %d: EndTagged = %d, %v", round, n, endErr)
					}
					switch res.StatusCode {
					case http.StatusOK:
						first++
					case http.StatusConflict:
					default:
						t.Fatalf("round %d: the %s answered %d", round, name, res.StatusCode)
					}
					if live := f.liveTagged(t, tag); len(live) != 0 {
						t.Fatalf("round %d: the logout returned, the %s answered %d, and %v is live", round, name, res.StatusCode, live)
					}
				}
				t.Logf("%d of %d requests committed before the logout", first, raceRounds)
			})
		}
	}
}

// TestEndTaggedSlidingIdle: with SlidingIdle a read extends the record, and
// the tag's index entry with it, so a session that is only read keeps being
// found; a read of a session whose tag was ended finds no session.
func TestEndTaggedSlidingIdle(t *testing.T) {
	c := newClock()
	store := NewMemoryStore(c.Now)
	m := newTestManager(t, store, Config{CookieName: "auth.aiohttp", SlidingIdle: true, IdleTimeout: 10 * time.Minute, Now: c.Now})
	id, _ := cookieOf(do(t, m, "", loginTagged("alice", tagTime, "sid.A")), "auth.aiohttp")
	for range 6 { // an hour of reads, no write
		c.Add(9 * time.Minute)
		do(t, m, id, func(s *Session) error {
			if uid, _ := s.GetString("userId"); uid != "alice" {
				t.Fatalf("the session ended while read")
			}
			return nil
		})
	}
	if n, err := m.EndTagged(context.Background(), "sid.A", tagTime); err != nil || n != 1 {
		t.Fatalf("EndTagged after an hour of reads = %d, %v; want 1", n, err)
	}
	do(t, m, id, func(s *Session) error {
		if uid, _ := s.GetString("userId"); uid != "" {
			t.Errorf("read after the logout: %q", uid)
		}
		return nil
	})
}
