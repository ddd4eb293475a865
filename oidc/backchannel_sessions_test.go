package oidc_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sesame-go/sesame/internal/redistest"
	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
	"github.com/sesame-go/sesame/session"
)

// *session.Manager is the SessionIndex of HandlerConfig.Sessions.
var _ oidc.SessionIndex = (*session.Manager)(nil)

// instance is one instance of an app: its own session Manager, Client and
// Handlers (wired with HandlerConfig.Sessions) on the store and jti store
// every instance shares.
type instance struct {
	srv *httptest.Server
	c   *oidc.Client
}

// twoInstances is a generic provider and two instances of one app behind it,
// sharing a session store; the provider's back-channel logouts reach b.
type twoInstances struct {
	fake  *oidctest.Server
	a, b  *instance
	clock *clock
}

func newTwoInstances(t *testing.T, store session.AtomicStore, ids oidc.IDStore) *twoInstances {
	t.Helper()
	srvA, srvB := httptest.NewUnstartedServer(nil), httptest.NewUnstartedServer(nil)
	srvA.StartTLS()
	srvB.StartTLS()
	t.Cleanup(srvA.Close)
	t.Cleanup(srvB.Close)
	clk := &clock{t: time.Now()}
	fake := oidctest.StartTLS(t, oidctest.Config{Generic: true, BackChannelLogoutURI: srvB.URL + "/backchannel-logout", Now: clk.Now})
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &twoInstances{fake: fake, clock: clk, a: newInstance(t, fake, srvA, store, ids, key, clk), b: newInstance(t, fake, srvB, store, ids, key, clk)}
}

func newInstance(t *testing.T, fake *oidctest.Server, srv *httptest.Server, store session.AtomicStore, ids oidc.IDStore, key []byte, clk *clock) *instance {
	t.Helper()
	c, err := oidc.New(oidc.Config{Issuer: fake.Issuer, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
		RedirectURL: srv.URL + "/callback", HTTPClient: fake.Client(), LogoutIDs: ids, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := session.NewManager(store, session.Config{CookieName: "app"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := oidc.NewHandlers(c, oidc.HandlerConfig{FlowKey: key, Sessions: sessions,
		OnLogin: func(_ http.ResponseWriter, r *http.Request, l *oidc.Login) error {
			s := session.FromContext(r.Context())
			if err := s.Renew(); err != nil {
				return err
			}
			return errors.Join(s.Put("sub", l.IDToken.Subject), s.Put("sid", l.IDToken.SessionID))
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, err.Error(), http.StatusBadRequest)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /login", h.Login())
	mux.Handle("GET /callback", h.Callback())
	mux.Handle("POST /backchannel-logout", h.BackChannelLogout())
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		if sub, _ := session.FromContext(r.Context()).GetString("sub"); sub != "" {
			fmt.Fprint(w, sub)
			return
		}
		http.Error(w, "anonymous", http.StatusUnauthorized)
	})
	mux.HandleFunc("POST /touch", func(w http.ResponseWriter, r *http.Request) { // a commit: a role change
		_ = session.FromContext(r.Context()).Put("role", r.URL.Query().Get("role"))
	})
	mux.HandleFunc("POST /renew", func(w http.ResponseWriter, r *http.Request) { // a privilege change
		s := session.FromContext(r.Context())
		_ = errors.Join(s.Renew(), s.Put("role", "admin"))
	})
	srv.Config.Handler = sessions.Middleware(mux)
	return &instance{srv: srv, c: c}
}

// login logs browser in through inst, all the way.
func (ti *twoInstances) login(t *testing.T, b *browser, inst *instance) {
	t.Helper()
	if p := b.follow(inst.srv.URL+"/login", ""); p.status != http.StatusNotFound && p.status != http.StatusOK {
		t.Fatalf("login: %d %q", p.status, p.body)
	}
	if p := b.do(http.MethodGet, inst.srv.URL+"/whoami"); p.status != http.StatusOK {
		t.Fatalf("not logged in: %d %q", p.status, p.body)
	}
}

// whoami is the status of browser's /whoami on inst.
func whoami(t *testing.T, b *browser, inst *instance) int {
	t.Helper()
	return b.do(http.MethodGet, inst.srv.URL+"/whoami").status
}

// newSessionBrowser is a browser of its own (its own cookie jar) trusting
// httptest's certificate.
func newSessionBrowser(t *testing.T, inst *instance) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := *inst.srv.Client() // a copy: Client returns one shared *http.Client
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, c: &c}
}

// TestBackChannelLogoutEndsSessions: with HandlerConfig.Sessions, a logout
// token sent to one instance ends the session of its sid on every instance,
// a token without sid every session of its sub; other sessions stay, a
// replayed token is refused by every instance (RedisIDStore), and a login
// after the logout works.
func TestBackChannelLogoutEndsSessions(t *testing.T) {
	for _, kind := range []string{"redis", "memory"} {
		t.Run(kind, func(t *testing.T) {
			var store session.AtomicStore = session.NewMemoryStore(nil)
			var ids oidc.IDStore
			if kind == "redis" {
				srv := redistest.Start(t)
				store = session.NewRedisStore(srv.Client)
				var err error
				if ids, err = oidc.NewRedisIDStore(srv.Client, oidc.RedisIDStoreConfig{}); err != nil {
					t.Fatal(err)
				}
			}
			ti := newTwoInstances(t, store, ids)
			ctx := context.Background()
			b1, b2, b3 := newSessionBrowser(t, ti.a), newSessionBrowser(t, ti.a), newSessionBrowser(t, ti.b)
			ti.login(t, b1, ti.a)
			sid1 := ti.fake.LastSessionID()
			ti.login(t, b2, ti.a)
			ti.login(t, b3, ti.b)
			if st, body, err := ti.fake.LogoutSession(ctx, ti.b.srv.Client(), sid1); err != nil || st != http.StatusOK {
				t.Fatalf("back-channel logout of sid1 at b: %d %q %v", st, body, err)
			}
			for _, tc := range []struct {
				name string
				b    *browser
				inst *instance
				want int
			}{
				{"sid1 at a", b1, ti.a, http.StatusUnauthorized},
				{"sid1 at b", b1, ti.b, http.StatusUnauthorized},
				{"another session of the user at a", b2, ti.a, http.StatusOK},
				{"another session of the user at b", b3, ti.b, http.StatusOK},
			} {
				if got := whoami(t, tc.b, tc.inst); got != tc.want {
					t.Errorf("%s: /whoami %d, want %d", tc.name, got, tc.want)
				}
			}
			// The provider logs the user out everywhere: a token without sid.
			tok, _ := ti.fake.LogoutToken(oidctest.LogoutToken{Subject: oidctest.DocumentedAgent().Sub})
			if st, body, _ := ti.fake.SendLogoutToken(ctx, ti.a.srv.Client(), ti.a.srv.URL+"/backchannel-logout", tok); st != http.StatusOK {
				t.Fatalf("sub logout at a: %d %q", st, body)
			}
			if kind == "redis" { // the jti store is shared: the other instance refuses the replay
				st, body, _ := ti.fake.SendLogoutToken(ctx, ti.b.srv.Client(), ti.b.srv.URL+"/backchannel-logout", tok)
				if st != http.StatusBadRequest || !strings.Contains(body, "invalid_request") {
					t.Errorf("replay at b: %d %q, want 400 invalid_request", st, body)
				}
			}
			if whoami(t, b2, ti.a) != http.StatusUnauthorized || whoami(t, b3, ti.b) != http.StatusUnauthorized {
				t.Error("sessions of the user survived the logout without sid")
			}
			ti.clock.Add(time.Second) // the provider's next second: a new login
			ti.login(t, b1, ti.b)
		})
	}
}

// redisSID returns the keys of the live session records holding sid.
func redisSID(t *testing.T, rdb *redis.Client, sid string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	iter := rdb.Scan(ctx, 0, "app_*", 0).Iterator()
	for iter.Next(ctx) {
		raw, err := rdb.Get(ctx, iter.Val()).Bytes()
		var rec struct {
			Session map[string]any `json:"session"`
		}
		if err == nil && json.Unmarshal(raw, &rec) == nil && rec.Session["sid"] == sid {
			out = append(out, iter.Val())
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBackChannelLogoutRaces: round after round, the provider's back-channel
// logout of a session, received by instance b, races on instance a the login
// of that very provider session (its callback), a commit of the session or
// its renewal. The logout always answers 200, the request 303/200 or an
// error, and once both returned no session of that sid is live anywhere.
func TestBackChannelLogoutRaces(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, PoolSize: 16})
	t.Cleanup(func() { _ = rdb.Close() })
	ids, err := oidc.NewRedisIDStore(rdb, oidc.RedisIDStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ti := newTwoInstances(t, session.NewRedisStore(rdb), ids)
	ctx := context.Background()
	racers := []string{"login", "commit", "renewal"}
	first := map[string]int{}
	for round := range 201 {
		racer := racers[round%len(racers)]
		b := newSessionBrowser(t, ti.a)
		var request func() page
		if racer == "login" {
			cb := b.follow(ti.a.srv.URL+"/login", ti.a.srv.URL+"/callback").location
			request = func() page { return b.do(http.MethodGet, cb) }
		} else {
			ti.login(t, b, ti.a)
			path := map[string]string{"commit": "/touch?role=user", "renewal": "/renew"}[racer]
			request = func() page { return b.do(http.MethodPost, ti.a.srv.URL+path) }
		}
		sid := ti.fake.LastSessionID()
		var p page
		var st int
		var body string
		var lerr error
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Add(2)
		go func() { defer wg.Done(); <-start; p = request() }()
		go func() {
			defer wg.Done()
			<-start
			st, body, lerr = ti.fake.LogoutSession(ctx, ti.b.srv.Client(), sid)
		}()
		close(start)
		wg.Wait()
		if lerr != nil || st != http.StatusOK {
			t.Fatalf("round %d (%s): logout %d %q %v", round, racer, st, body, lerr)
		}
		if p.status < 400 {
			first[racer]++
		}
		if live := redisSID(t, srv.Client, sid); len(live) != 0 {
			t.Fatalf("round %d: the logout answered 200, the %s %d %q, and %v is live", round, racer, p.status, p.body, live)
		}
		if whoami(t, b, ti.a) != http.StatusUnauthorized {
			t.Fatalf("round %d: the browser is still logged in after the %s", round, racer)
		}
	}
	t.Logf("requests that succeeded before the logout: %v", first)
}

// TestBackChannelLogoutStoreDown: when the jti store or the session store
// cannot be reached the logout answers 400 temporarily_unavailable, and the
// provider's retry of the same token is accepted once the store is back.
func TestBackChannelLogoutStoreDown(t *testing.T) {
	srv := redistest.Start(t)
	ids, err := oidc.NewRedisIDStore(srv.Client, oidc.RedisIDStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ti := newTwoInstances(t, session.NewRedisStore(srv.Client), ids)
	ctx := context.Background()
	b := newSessionBrowser(t, ti.a)
	ti.login(t, b, ti.a)
	tok, _ := ti.fake.LogoutToken(oidctest.LogoutToken{SessionID: ti.fake.LastSessionID()})
	send := func() (int, string) {
		st, body, _ := ti.fake.SendLogoutToken(ctx, ti.b.srv.Client(), ti.b.srv.URL+"/backchannel-logout", tok)
		return st, body
	}
	srv.Stop()
	if st, body := send(); st != http.StatusBadRequest || !strings.Contains(body, "temporarily_unavailable") {
		t.Fatalf("Redis down: %d %q, want 400 temporarily_unavailable", st, body)
	}
	srv.Restart()
	if st, body := send(); st != http.StatusOK {
		t.Fatalf("the retry once Redis is back: %d %q", st, body)
	}
	if whoami(t, b, ti.a) != http.StatusUnauthorized {
		t.Error("still logged in")
	}
}

// TestBackChannelLogoutEndFails: when the sessions cannot be ended after the
// token was accepted, its jti is released: the provider's retry is accepted.
func TestBackChannelLogoutEndFails(t *testing.T) {
	fake := oidctest.StartTLS(t, oidctest.Config{Generic: true})
	failing := true
	h, err := oidc.NewHandlers(genericClient(t, fake, nil), oidc.HandlerConfig{FlowKey: make([]byte, 32),
		OnLogin:  func(http.ResponseWriter, *http.Request, *oidc.Login) error { return nil },
		Sessions: endOnly(func() error { return map[bool]error{true: errors.New("store down")}[failing] }),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.BackChannelLogout())
	t.Cleanup(srv.Close)
	tok, _ := fake.LogoutToken(oidctest.LogoutToken{SessionID: "s1"})
	form := url.Values{"logout_token": {tok}}
	for _, want := range []int{http.StatusBadRequest, http.StatusOK} {
		resp, err := http.PostForm(srv.URL, form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("failing=%v: %d, want %d", failing, resp.StatusCode, want)
		}
		failing = false
	}
}

// endOnly is a SessionIndex whose EndTagged returns err().
type endOnly func() error

func (e endOnly) TagSession(*http.Request, time.Time, ...string) error { return nil }
func (e endOnly) EndTagged(context.Context, string, time.Time) (int, error) {
	return 0, e()
}
