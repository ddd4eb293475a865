package bench

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
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

// logoutRig is an app whose sessions live in a real Redis and whose
// back-channel logout ends them (HandlerConfig.Sessions, the logout token ids
// in a RedisIDStore), logged in to through the generic fake.
type logoutRig struct {
	fake     *oidctest.Server
	app      *httptest.Server
	rdb      *redis.Client // the app's client: every command it sends goes through cmds
	cmds     *commandLog
	sessions *session.Manager
	sub      string // the user's sub, as the logins saw it
}

const rigCookie = "app.aiohttp"

func newLogoutRig(tb testing.TB) *logoutRig {
	tb.Helper()
	srv := redistest.Start(tb)
	rig := &logoutRig{cmds: &commandLog{}, fake: startGeneric(tb)}
	rig.rdb = redis.NewClient(&redis.Options{Addr: srv.Addr, DB: 2})
	tb.Cleanup(func() { _ = rig.rdb.Close() })
	rig.rdb.AddHook(rig.cmds)
	var err error
	rig.sessions, err = session.NewManager(session.NewRedisStore(rig.rdb), session.Config{CookieName: rigCookie, InsecureCookie: true})
	if err != nil {
		tb.Fatal(err)
	}
	ids, err := oidc.NewRedisIDStore(rig.rdb, oidc.RedisIDStoreConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	rig.app = httptest.NewUnstartedServer(nil)
	client, err := oidc.New(oidc.Config{Issuer: rig.fake.Issuer, ClientID: rig.fake.ClientID(), ClientSecret: rig.fake.ClientSecret(),
		RedirectURL: "http://" + rig.app.Listener.Addr().String() + "/callback", InsecureAllowHTTP: true, LogoutIDs: ids})
	if err != nil {
		tb.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	h, err := oidc.NewHandlers(client, oidc.HandlerConfig{FlowKey: key, InsecureCookie: true, Sessions: rig.sessions,
		OnLogin: func(_ http.ResponseWriter, r *http.Request, l *oidc.Login) error {
			s := session.FromContext(r.Context())
			if err := s.Renew(); err != nil {
				return err
			}
			rig.sub = l.IDToken.Subject
			return s.Put("sub", l.IDToken.Subject)
		}})
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /login", h.Login())
	mux.Handle("GET /callback", h.Callback())
	mux.Handle("POST /backchannel-logout", h.BackChannelLogout())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if sub, _ := session.FromContext(r.Context()).GetString("sub"); sub == "" {
			http.Error(w, "logged out", http.StatusUnauthorized)
		}
	})
	rig.app.Config.Handler = rig.sessions.Middleware(mux)
	rig.app.Start()
	tb.Cleanup(rig.app.Close)
	return rig
}

// login logs one new browser in (a new session at the app and a new sid at
// the fake, same user) and returns it.
func (rig *logoutRig) login(tb testing.TB) *http.Client {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	if status := rig.status(tb, browser, "/login"); status != http.StatusOK { // the fake, the callback, then "/"
		tb.Fatalf("login: %d", status)
	}
	return browser
}

// get asks the app's home page: 200 with a session, 401 without.
func (rig *logoutRig) get(tb testing.TB, browser *http.Client) int {
	tb.Helper()
	return rig.status(tb, browser, "/")
}

func (rig *logoutRig) status(tb testing.TB, browser *http.Client, path string) int {
	tb.Helper()
	resp, err := browser.Get(rig.app.URL + path)
	if err != nil {
		tb.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// logout sends the fake's logout token for the user sub (no sid: every
// session of the user) to the app, as the provider does.
func (rig *logoutRig) logout(ctx context.Context, sub string) error {
	tok, err := rig.fake.LogoutToken(oidctest.LogoutToken{Subject: sub})
	if err != nil {
		return err
	}
	return rig.send(ctx, tok)
}

// send posts a logout token to the app's back-channel endpoint; anything but
// 200 is an error.
func (rig *logoutRig) send(ctx context.Context, tok string) error {
	status, body, err := rig.fake.SendLogoutToken(ctx, nil, rig.app.URL+"/backchannel-logout", tok)
	if err == nil && status != http.StatusOK {
		err = fmt.Errorf("back-channel logout: %d %s", status, body)
	}
	return err
}

// TestBackChannelLogoutRedisCommands: a back-channel logout naming a user
// ends every session of theirs, and the Redis commands it sends are a fixed
// count: 2 + 2 per session (SET NX of the token's jti, one EVALSHA reading and
// marking the user's tag index, then per session a GET and a compare-and-set
// EVALSHA), so 22 for 10 sessions, whatever else is in Redis (no KEYS, no
// SCAN).
func TestBackChannelLogoutRedisCommands(t *testing.T) {
	for _, n := range []int{1, 10} {
		t.Run(fmt.Sprintf("sessions=%d", n), func(t *testing.T) {
			rig := newLogoutRig(t)
			browsers := make([]*http.Client, n)
			for i := range browsers {
				browsers[i] = rig.login(t)
			}
			// A logout of a user without sessions loads the tag script: the
			// first logout Redis sees sends one EVAL more.
			if err := rig.logout(context.Background(), "nobody"); err != nil {
				t.Fatal(err)
			}
			rig.cmds.reset()
			if err := rig.logout(context.Background(), rig.sub); err != nil {
				t.Fatal(err)
			}
			got := rig.cmds.names()
			want := []string{"set"}
			want = append(want, "evalsha")
			for range n {
				want = append(want, "get", "evalsha")
			}
			if !slices.Equal(got, want) {
				t.Errorf("a logout ending %d sessions sent %d commands %v, want %d %v", n, len(got), got, len(want), want)
			}
			for i, b := range browsers {
				if status := rig.get(t, b); status != http.StatusUnauthorized {
					t.Errorf("session %d: %d after the logout, want 401", i, status)
				}
			}
		})
	}
}

// BenchmarkBackChannelLogout times a back-channel logout naming a user with
// 10 live sessions, on a real Redis: the provider's POST to the app over
// loopback HTTP, the token's verification, its jti claimed in Redis, the
// user's tag index read and marked, the 10 sessions ended. Each round starts
// from the same 10 sessions (the Redis keys of 10 real logins, restored, and
// the token minted, with the timer stopped); redis-cmd/op counts the commands
// the app sent.
func BenchmarkBackChannelLogout(b *testing.B) {
	const n = 10
	rig := newLogoutRig(b)
	ctx := context.Background()
	for range n {
		rig.login(b)
	}
	snap := snapshot(b, rig.rdb)
	rig.cmds.reset()
	var sent int
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		restore(b, rig.rdb, snap)
		tok, err := rig.fake.LogoutToken(oidctest.LogoutToken{Subject: rig.sub})
		if err != nil {
			b.Fatal(err)
		}
		rig.cmds.reset()
		b.StartTimer()
		if err := rig.send(ctx, tok); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		sent += len(rig.cmds.names())
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(sent)/float64(b.N), "redis-cmd/op")
}

// snapshot DUMPs every key of the client's database with its TTL.
func snapshot(tb testing.TB, rdb *redis.Client) map[string][2]string {
	tb.Helper()
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, "*").Result()
	if err != nil {
		tb.Fatal(err)
	}
	snap := make(map[string][2]string, len(keys))
	for _, k := range keys {
		v, err := rdb.Dump(ctx, k).Result()
		if err != nil {
			tb.Fatal(err)
		}
		ttl, err := rdb.PTTL(ctx, k).Result()
		if err != nil {
			tb.Fatal(err)
		}
		snap[k] = [2]string{v, ttl.String()}
	}
	return snap
}

// restore puts back the keys of a snapshot, replacing what is there.
func restore(tb testing.TB, rdb *redis.Client, snap map[string][2]string) {
	tb.Helper()
	ctx := context.Background()
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for k, v := range snap {
			ttl, _ := time.ParseDuration(v[1])
			p.RestoreReplace(ctx, k, max(ttl, 0), v[0])
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// commandLog is a go-redis hook recording the names of the commands a
// client sends.
type commandLog struct {
	mu  sync.Mutex
	cmd []string
}

func (c *commandLog) add(cmds ...redis.Cmder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cmd := range cmds {
		c.cmd = append(c.cmd, strings.ToLower(cmd.Name()))
	}
}

func (c *commandLog) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cmd = nil
}

func (c *commandLog) names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.cmd)
}

func (c *commandLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *commandLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.add(cmd)
		return next(ctx, cmd)
	}
}

func (c *commandLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.add(cmds...)
		return next(ctx, cmds)
	}
}
