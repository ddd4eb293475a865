package session

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestCookieAttributes(t *testing.T) {
	clk := newClock()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"defaults", Config{}, "AIOHTTP_SESSION=%s; expires=Tue, 04-Jun-2024 11:15:30 GMT; HttpOnly; Max-Age=1800; Path=/; SameSite=Lax; Secure"},
		{"configured", Config{CookieName: "auth.aiohttp", Domain: "example.org", Path: "/app", SameSite: http.SameSiteStrictMode, IdleTimeout: time.Hour, InsecureCookie: true},
			"auth.aiohttp=%s; Domain=example.org; expires=Tue, 04-Jun-2024 11:45:30 GMT; HttpOnly; Max-Age=3600; Path=/app; SameSite=Strict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Now = clk.Now
			m := newTestManager(t, NewMemoryStore(nil), tt.cfg)
			res := do(t, m, "", put("a", 1))
			id, _ := cookieOf(res, m.cfg.CookieName)
			if got, want := res.Header.Get("Set-Cookie"), strings.Replace(tt.want, "%s", id, 1); got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			if cc, v := res.Header.Get("Cache-Control"), res.Header.Get("Vary"); cc != `no-cache="Set-Cookie"` || v != "Cookie" {
				t.Errorf("a response setting the session cookie is cacheable: Cache-Control %q, Vary %q", cc, v)
			}
		})
	}
}

func TestLoadSaveOutsideMiddleware(t *testing.T) {
	mem := NewMemoryStore(nil)
	m := newTestManager(t, mem, Config{})
	s := m.Load(httptest.NewRequest("GET", "/", nil))
	if err := s.Put("k", "v"); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := m.Save(w, s); err != nil {
		t.Fatal(err)
	}
	id, ok := cookieOf(w.Result(), DefaultCookieName)
	if !ok || mem.Len() != 1 {
		t.Fatalf("cookie %v, %d records", ok, mem.Len())
	}
	if err := s.Put("late", 1); err != ErrCommitted {
		t.Errorf("Put after Save: %v", err)
	}
	var v string
	do(t, m, id, func(s *Session) (err error) { v, err = s.GetString("k"); return })
	if v != "v" {
		t.Errorf("k = %q", v)
	}
}

func TestFirstCookieWins(t *testing.T) {
	m := newTestManager(t, NewMemoryStore(nil), Config{})
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "AIOHTTP_SESSION=bad; AIOHTTP_SESSION="+strings.Repeat("a", 32))
	if _, err := m.cookieID(r); err == nil {
		t.Error("a malformed first cookie was skipped for a later one")
	}
}
