package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
)

// recoveryBound is how long a failover may keep sessions unavailable, from the
// kill: a behaviour bound, not a benchmark. A promotion takes a few seconds;
// a cluster client that waited for its periodic slot-map reload would need a
// minute (go-redis's default ClusterStateReloadInterval).
const recoveryBound = 20 * time.Second

// errSlot is the request context key under which failoverManager's
// ErrorHandler stores the error it answered.
type errSlot struct{}

// The durable stores below wait up to 3 s for a replica: a WAIT answers as
// soon as the replica did, and a loaded machine must not turn a slow
// acknowledgement into a failed logout.

// failoverManager is a Manager on store whose ErrorHandler keeps the error.
func failoverManager(t *testing.T, store AtomicStore, cookie string) *Manager {
	return newTestManager(t, store, Config{CookieName: cookie, ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		if p, ok := r.Context().Value(errSlot{}).(*error); ok {
			*p = err
		}
		defaultErrorHandler(w, r, err)
	}})
}

// worker is one user's session, written in a loop by a traffic run.
type worker struct {
	group string
	m     *Manager
	id    string

	mu        sync.Mutex
	sent      int64         // the last value of "n" sent
	acked     int64         // the last value of "n" answered 200
	failures  []error       // what each failed request got
	recovered time.Duration // first success after the kill, of a request sent after it; 0 while none
}

// request runs one request on w's session through h and returns the status
// and the error the ErrorHandler got.
func (w *worker) request(h func(*Session) error) (int, error) {
	var got error
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), errSlot{}, &got), 5*time.Second)
	defer cancel()
	r := httptest.NewRequestWithContext(ctx, "GET", "https://app.example/", nil)
	r.AddCookie(&http.Cookie{Name: w.m.cfg.CookieName, Value: w.id})
	rec := httptest.NewRecorder()
	var herr error
	w.m.Middleware(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		herr = h(FromContext(r.Context()))
	})).ServeHTTP(rec, r)
	if got == nil {
		got = herr
	}
	return rec.Code, got
}

// traffic runs workers concurrently, each writing its session's "n" again and
// again, while the test breaks Redis.
type traffic struct {
	workers []*worker
	killed  time.Time // set by kill before the workers can read it
	kill    atomic.Bool
	stop    atomic.Bool
	wg      sync.WaitGroup
}

// login starts a session for a new worker of group on m.
func (tr *traffic) login(t *testing.T, group string, m *Manager) *worker {
	t.Helper()
	w := &worker{group: group, m: m}
	id, ok := cookieOf(do(t, m, "", put("userId", fmt.Sprintf("%s-%d", group, len(tr.workers)), "n", 0)), m.cfg.CookieName)
	if !ok {
		t.Fatal("login failed before the failover")
	}
	w.id = id
	tr.workers = append(tr.workers, w)
	return w
}

func (tr *traffic) start() {
	for _, w := range tr.workers {
		tr.wg.Add(1)
		go func() {
			defer tr.wg.Done()
			for !tr.stop.Load() {
				w.mu.Lock()
				w.sent++
				n := w.sent
				w.mu.Unlock()
				after := tr.kill.Load()
				code, err := w.request(put("n", n))
				w.mu.Lock()
				switch {
				case code == http.StatusOK:
					w.acked = n
					if after && w.recovered == 0 {
						w.recovered = time.Since(tr.killed)
					}
				default:
					w.failures = append(w.failures, fmt.Errorf("status %d: %w", code, err))
				}
				w.mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
}

// killNow runs stop (a master's Stop) and marks the time.
func (tr *traffic) killNow(stop func()) {
	stop()
	tr.killed = time.Now()
	tr.kill.Store(true)
}

// waitRecovered waits until every worker of group had a request sent after
// the kill answered 200, and returns the longest time that took, from the
// kill. It fails the test after recoveryBound.
func (tr *traffic) waitRecovered(t *testing.T, group string) time.Duration {
	t.Helper()
	for {
		var worst time.Duration
		done := true
		for _, w := range tr.workers {
			if w.group != group {
				continue
			}
			w.mu.Lock()
			r := w.recovered
			w.mu.Unlock()
			done = done && r > 0
			worst = max(worst, r)
		}
		if done {
			return worst
		}
		if time.Since(tr.killed) > recoveryBound {
			t.Fatalf("%s sessions still unavailable %v after the kill", group, recoveryBound)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (tr *traffic) halt() {
	tr.stop.Store(true)
	tr.wg.Wait()
}

// check asserts what a failover must leave: every failed request was a 503
// carrying ErrUnavailable; with durable set, every acknowledged "n" is still
// there (a later, unacknowledged one may be); and a logout now holds. It
// returns how many requests failed.
func (tr *traffic) check(t *testing.T, durable map[string]bool) int {
	t.Helper()
	failed := 0
	for _, w := range tr.workers {
		for _, err := range w.failures {
			failed++
			if !strings.HasPrefix(err.Error(), "status 503:") || !errors.Is(err, ErrUnavailable) {
				t.Errorf("%s: a failed request got %v, want a 503 with ErrUnavailable", w.group, err)
			}
		}
		var n int64
		code, err := w.request(func(s *Session) (err error) { n, err = s.GetInt64("n"); return })
		switch {
		case code != http.StatusOK || err != nil:
			t.Errorf("%s: reading after the failover: %d %v", w.group, code, err)
		case n < w.acked && durable[w.group]:
			t.Errorf("%s: n = %d after the failover, but %d was acknowledged", w.group, n, w.acked)
		case n < w.acked:
			t.Logf("%s: n = %d after the failover, %d was acknowledged (no WaitReplicas: a write may be lost)", w.group, n, w.acked)
		}
		if code, err := w.request(func(s *Session) error { return s.Destroy() }); code != http.StatusOK {
			t.Errorf("%s: logout after the failover: %d %v", w.group, code, err)
		}
	}
	return failed
}

// checkLoggedOut asserts that every worker's session is gone.
func (tr *traffic) checkLoggedOut(t *testing.T) {
	t.Helper()
	for _, w := range tr.workers {
		var user string
		code, err := w.request(func(s *Session) (err error) { user, err = s.GetString("userId"); return })
		if code != http.StatusOK || err != nil || user != "" {
			t.Errorf("%s: after the logout: %d, user %q, %v; want an anonymous session", w.group, code, user, err)
		}
	}
}

// A Redis Cluster master killed under concurrent session traffic, on a
// ClusterClient with go-redis's default options: every failure is a 503, the
// sessions of the dead master's slots come back once a replica is promoted
// (seconds, where go-redis alone would wait for its next periodic slot-map
// reload, a minute later), without restarting anything. With WaitReplicas no
// acknowledged write is lost. A logout recorded after the failover holds once
// the old master rejoined.
func TestClusterFailover(t *testing.T) {
	c := redistest.StartClusterConfig(t, redistest.ClusterConfig{Replicas: 2, NodeTimeout: time.Second})
	ctx := context.Background()
	client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	t.Cleanup(func() { _ = client.Close() })
	durable, err := NewRedisStoreWith(client, RedisConfig{WaitReplicas: 1, WaitTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	managers := map[string]*Manager{
		"plain":   failoverManager(t, NewRedisStore(client), "plain"),
		"durable": failoverManager(t, durable, "durable"),
	}
	victim := c.Nodes[0]
	tr := &traffic{}
	for group, m := range managers {
		// Sessions on the master that will die; others would not notice.
		for placed := 0; placed < 3; {
			w := tr.login(t, group, m)
			if c.MasterOf(ctx, m.key(w.id)) == victim {
				placed++
			} else {
				tr.workers = tr.workers[:len(tr.workers)-1]
			}
		}
	}
	tr.start()
	time.Sleep(300 * time.Millisecond)
	tr.killNow(victim.Stop)
	promoted := c.WaitServed(t, managers["plain"].key(tr.workers[0].id), victim, recoveryBound)
	promotion := time.Since(tr.killed)
	plain := tr.waitRecovered(t, "plain")
	dur := tr.waitRecovered(t, "durable")
	time.Sleep(200 * time.Millisecond)
	tr.halt()
	t.Logf("cluster failover: sessions back %.1f s after the kill (%.1f s with WaitReplicas 1); every node reported %s as the slot's master after %.1f s",
		plain.Seconds(), dur.Seconds(), promoted.Addr, promotion.Seconds())

	victim.Restart() // rejoins as a replica of the promoted master
	deadline := time.Now().Add(recoveryBound)
	for !strings.Contains(victim.Client.Info(ctx, "replication").Val(), "master_link_status:up") {
		if time.Now().After(deadline) {
			t.Fatal("the old master did not rejoin as a replica")
		}
		time.Sleep(50 * time.Millisecond)
	}
	failed := tr.check(t, map[string]bool{"durable": true})
	tr.checkLoggedOut(t)
	t.Logf("cluster failover: %d requests failed, every one a 503", failed)
}

// A Sentinel master killed under concurrent session traffic, on a
// FailoverClient with go-redis's default options: every failure is a 503, the
// sessions come back once the sentinel promoted a replica, without restarting
// anything; with WaitReplicas no acknowledged write is lost; a logout recorded
// after the failover holds.
func TestSentinelFailover(t *testing.T) {
	s := redistest.StartSentinelReplicas(t, 2)
	client := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: redistest.SentinelMaster, SentinelAddrs: []string{s.Addr}})
	t.Cleanup(func() { _ = client.Close() })
	durable, err := NewRedisStoreWith(client, RedisConfig{WaitReplicas: 1, WaitTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tr := &traffic{}
	for range 3 {
		tr.login(t, "plain", failoverManager(t, NewRedisStore(client), "plain"))
		tr.login(t, "durable", failoverManager(t, durable, "durable"))
	}
	tr.start()
	time.Sleep(300 * time.Millisecond)
	tr.killNow(s.Master.Stop)
	plain := tr.waitRecovered(t, "plain")
	dur := tr.waitRecovered(t, "durable")
	time.Sleep(200 * time.Millisecond)
	tr.halt()
	t.Logf("sentinel failover: sessions back %.1f s after the kill (%.1f s with WaitReplicas 1)", plain.Seconds(), dur.Seconds())
	failed := tr.check(t, map[string]bool{"durable": true})
	tr.checkLoggedOut(t)
	t.Logf("sentinel failover: %d requests failed, every one a 503", failed)
}
