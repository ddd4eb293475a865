package session

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLifecycle(t *testing.T) {
	clk := newClock()
	mem := NewMemoryStore(clk.Now)
	spy := &spyStore{AtomicStore: mem}
	m := newTestManager(t, spy, Config{CookieName: "auth.aiohttp", Now: clk.Now})

	res := do(t, m, "", func(s *Session) error { return s.Put("userName", "proprietaire") })
	id, ok := cookieOf(res, "auth.aiohttp")
	if !ok || !validID(id) {
		t.Fatalf("Set-Cookie = %q", res.Header.Values("Set-Cookie"))
	}
	wantCookie := "auth.aiohttp=" + id + "; expires=Tue, 04-Jun-2024 11:15:30 GMT; HttpOnly; Max-Age=1800; Path=/; SameSite=Lax; Secure"
	if got := res.Header.Get("Set-Cookie"); got != wantCookie {
		t.Errorf("Set-Cookie\n got %s\nwant %s", got, wantCookie)
	}
	raw, found, _ := mem.Load(context.Background(), "auth.aiohttp_"+id)
	if want := `{"created": 1717497930, "session": {"userName": "proprietaire"}}`; !found || string(raw) != want {
		t.Fatalf("stored %s, want %s", raw, want)
	}

	// A read-only request: one load, no write, no cookie.
	before := spy.writes()
	clk.Add(time.Minute)
	var name string
	res = do(t, m, id, func(s *Session) (err error) { name, err = s.GetString("userName"); return })
	if name != "proprietaire" {
		t.Errorf("userName = %q", name)
	}
	if _, set := cookieOf(res, "auth.aiohttp"); set || spy.writes() != before {
		t.Errorf("read-only request wrote: cookie %v, writes %d→%d", set, before, spy.writes())
	}

	// Deleting the last key clears the record to {} and expires the cookie.
	res = do(t, m, id, func(s *Session) error { return s.Delete("userName") })
	raw, found, _ = mem.Load(context.Background(), "auth.aiohttp_"+id)
	if !found || string(raw) != "{}" {
		t.Errorf("after clearing, stored %q (found %v), want {}", raw, found)
	}
	if v, set := cookieOf(res, "auth.aiohttp"); !set || v != "" || !strings.Contains(res.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("cookie not expired: %q", res.Header.Get("Set-Cookie"))
	}

	// The cleared record is no session: a write takes a new id.
	res = do(t, m, id, put("a", 1))
	if id2, _ := cookieOf(res, "auth.aiohttp"); id2 == id || !validID(id2) {
		t.Errorf("write after clear reused id %q", id2)
	}
}

func TestNothingLoadedNothingDone(t *testing.T) {
	spy := &spyStore{AtomicStore: NewMemoryStore(nil)}
	m := newTestManager(t, spy, Config{})
	res := do(t, m, strings.Repeat("a", 32), func(*Session) error { return nil })
	if spy.loads+spy.writes() != 0 || len(res.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("untouched session cost %d loads, %d writes", spy.loads, spy.writes())
	}
}

func TestUnknownIDGetsFreshOne(t *testing.T) {
	m := newTestManager(t, NewMemoryStore(nil), Config{})
	planted := strings.Repeat("ab", 16)
	res := do(t, m, planted, put("k", "v"))
	if id, _ := cookieOf(res, DefaultCookieName); id == planted || !validID(id) {
		t.Errorf("planted id %q was adopted: %q", planted, id)
	}
}

func TestIdleExpiryKeepsID(t *testing.T) {
	clk := newClock()
	mem := NewMemoryStore(newClock().Now) // a frozen store clock: the Manager must expire it
	m := newTestManager(t, mem, Config{Now: clk.Now})
	id, _ := cookieOf(do(t, m, "", put("user", "x")), DefaultCookieName)

	clk.Add(1801 * time.Second)
	var keys []string
	res := do(t, m, id, func(s *Session) (err error) {
		keys, err = s.Keys()
		if err == nil {
			err = s.Put("n", 1)
		}
		return err
	})
	if len(keys) != 0 {
		t.Errorf("expired session kept %v", keys)
	}
	if id2, _ := cookieOf(res, DefaultCookieName); id2 != id {
		t.Errorf("expired session changed id %s → %s", id, id2)
	}
	raw, _, _ := mem.Load(context.Background(), DefaultCookieName+"_"+id)
	if want := `{"created": 1717499731, "session": {"n": 1}}`; string(raw) != want {
		t.Errorf("stored %s, want %s", raw, want)
	}
}

func TestRenew(t *testing.T) {
	mem := NewMemoryStore(nil)
	m := newTestManager(t, mem, Config{})
	id, _ := cookieOf(do(t, m, "", put("cart", 3)), DefaultCookieName)
	res := do(t, m, id, func(s *Session) error {
		if err := s.Renew(); err != nil {
			return err
		}
		return s.Put("userId", "u1")
	})
	id2, _ := cookieOf(res, DefaultCookieName)
	if id2 == id || !validID(id2) {
		t.Fatalf("renew kept id %s", id2)
	}
	if raw, _, _ := mem.Load(context.Background(), m.key(id)); string(raw) != `{"_sesame_renewed": "`+id2+`"}` {
		t.Errorf("old record after Renew: %s, want a forward marker to %s", raw, id2)
	}
	var oldKeys []string
	do(t, m, id, func(s *Session) (err error) { oldKeys, err = s.Keys(); return })
	if len(oldKeys) != 0 {
		t.Errorf("the old id still opens the session: %v", oldKeys)
	}
	var cart int
	do(t, m, id2, func(s *Session) error { _, err := s.Get("cart", &cart); return err })
	if cart != 3 {
		t.Errorf("renewed session lost cart: %d", cart)
	}
}

func TestLifetime(t *testing.T) {
	clk := newClock()
	frozen := NewMemoryStore(newClock().Now) // the Manager, not the store, must end it
	m := newTestManager(t, frozen, Config{Now: clk.Now, Lifetime: time.Hour, IdleTimeout: 40 * time.Minute})
	id, _ := cookieOf(do(t, m, "", put("a", 1)), DefaultCookieName)
	for i := 0; i < 2; i++ { // activity keeps it alive past the idle timeout
		clk.Add(30 * time.Minute)
		res := do(t, m, id, put("a", i+2))
		if got, _ := cookieOf(res, DefaultCookieName); got != id {
			t.Fatalf("step %d: id %q", i, got)
		}
		if i == 1 && !strings.Contains(res.Header.Get("Set-Cookie"), "Max-Age=1;") {
			t.Errorf("TTL not cut by the lifetime: %s", res.Header.Get("Set-Cookie"))
		}
	}
	clk.Add(time.Second)
	var keys []string
	do(t, m, id, func(s *Session) (err error) { keys, err = s.Keys(); return })
	if len(keys) != 0 {
		t.Errorf("session outlived its lifetime: %v", keys)
	}
}

func TestSlidingIdle(t *testing.T) {
	clk := newClock()
	spy := &spyStore{AtomicStore: NewMemoryStore(clk.Now)}
	m := newTestManager(t, spy, Config{Now: clk.Now, SlidingIdle: true})
	id, _ := cookieOf(do(t, m, "", put("a", 1)), DefaultCookieName)
	for i := 0; i < 3; i++ {
		clk.Add(20 * time.Minute)
		var a int64
		res := do(t, m, id, func(s *Session) (err error) { a, err = s.GetInt64("a"); return })
		if a != 1 {
			t.Fatalf("after %d×20min: a = %d", i+1, a)
		}
		if c, _ := cookieOf(res, DefaultCookieName); c != id {
			t.Errorf("sliding read did not refresh the cookie")
		}
	}
	if spy.touches != 3 || spy.loads != 0 || spy.cas != 1 {
		t.Errorf("touches %d loads %d cas %d", spy.touches, spy.loads, spy.cas)
	}
}

func TestChangeAfterHeaderFails(t *testing.T) {
	m := newTestManager(t, NewMemoryStore(nil), Config{})
	var err error
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
		err = FromContext(r.Context()).Put("late", true)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !errors.Is(err, ErrCommitted) {
		t.Errorf("err = %v, want ErrCommitted", err)
	}
}

func TestNoMiddleware(t *testing.T) {
	s := FromContext(context.Background())
	if err := s.Put("a", 1); !errors.Is(err, ErrNoSession) {
		t.Errorf("Put on nil session: %v", err)
	}
	if _, err := s.GetString("a"); !errors.Is(err, ErrNoSession) {
		t.Errorf("GetString on nil session: %v", err)
	}
}

func TestTypedGetters(t *testing.T) {
	m := newTestManager(t, NewMemoryStore(nil), Config{})
	id, _ := cookieOf(do(t, m, "", put("s", "x", "n", int64(1)<<60, "b", true, "f", 1.5)), DefaultCookieName)
	do(t, m, id, func(s *Session) error {
		if v, err := s.GetInt64("n"); err != nil || v != 1<<60 {
			t.Errorf("GetInt64 = %d, %v", v, err)
		}
		if v, err := s.GetBool("b"); err != nil || !v {
			t.Errorf("GetBool = %v, %v", v, err)
		}
		if _, err := s.GetInt64("f"); !errors.Is(err, ErrValue) {
			t.Errorf("GetInt64 of 1.5: %v", err)
		}
		if _, err := s.GetString("n"); !errors.Is(err, ErrValue) {
			t.Errorf("GetString of a number: %v", err)
		}
		if v, err := s.GetString("missing"); err != nil || v != "" {
			t.Errorf("missing = %q, %v", v, err)
		}
		if err := s.Put(LifetimeKey, 1); !errors.Is(err, ErrValue) {
			t.Errorf("reserved key: %v", err)
		}
		if err := s.Put("ch", make(chan int)); !errors.Is(err, ErrValue) {
			t.Errorf("unencodable: %v", err)
		}
		return nil
	})
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{{CookieName: "a b"}, {IdleTimeout: time.Millisecond}, {Lifetime: -1}} {
		if _, err := NewManager(NewMemoryStore(nil), cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

func TestTooLarge(t *testing.T) {
	m := newTestManager(t, NewMemoryStore(nil), Config{MaxRecordSize: 100})
	res := do(t, m, "", put("big", strings.Repeat("x", 200)))
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d", res.StatusCode)
	}
}

func TestConfigRejectsInjection(t *testing.T) {
	for _, cfg := range []Config{
		{Domain: "example.org; SameSite=None"},
		{Domain: "exa mple.org"},
		{Path: "/; Domain=evil.example"},
		{Path: "/a\r\nSet-Cookie: x=y"},
		{Path: "relative"},
	} {
		if _, err := NewManager(NewMemoryStore(nil), cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v, want ErrConfig", cfg, err)
		}
	}
	if _, err := NewManager(nil, Config{}); !errors.Is(err, ErrConfig) {
		t.Errorf("nil store: %v, want ErrConfig", err)
	}
}
