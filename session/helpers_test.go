package session

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Unix(1717497930, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// spyStore counts the calls reaching an AtomicStore.
type spyStore struct {
	AtomicStore
	mu                        sync.Mutex
	loads, touches, cas, dels int
}

func (s *spyStore) Load(ctx context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	s.loads++
	s.mu.Unlock()
	return s.AtomicStore.Load(ctx, key)
}

func (s *spyStore) LoadTouch(ctx context.Context, key string, ttl time.Duration) ([]byte, bool, error) {
	s.mu.Lock()
	s.touches++
	s.mu.Unlock()
	return s.AtomicStore.LoadTouch(ctx, key, ttl)
}

func (s *spyStore) CompareAndSave(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, []byte, bool, error) {
	s.mu.Lock()
	s.cas++
	s.mu.Unlock()
	return s.AtomicStore.CompareAndSave(ctx, key, old, value, ttl)
}

func (s *spyStore) Delete(ctx context.Context, key string) error {
	s.mu.Lock()
	s.dels++
	s.mu.Unlock()
	return s.AtomicStore.Delete(ctx, key)
}

func (s *spyStore) writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cas + s.dels
}

// do runs one request through m's middleware around h, with an optional cookie
// value, and returns the response. An error from h fails the test: use doErr
// where the handler is meant to fail.
func do(t *testing.T, m *Manager, cookie string, h func(*Session) error) *http.Response {
	t.Helper()
	res, herr := doErr(m, cookie, h)
	if herr != nil {
		t.Errorf("handler error: %v", herr)
	}
	return res
}

// doErr is do returning the handler's error instead of failing the test.
func doErr(m *Manager, cookie string, h func(*Session) error) (*http.Response, error) {
	r := httptest.NewRequest("GET", "https://app.example/", nil)
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: m.cfg.CookieName, Value: cookie})
	}
	w := httptest.NewRecorder()
	var herr error
	m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		herr = h(FromContext(r.Context()))
		_, _ = w.Write([]byte("ok"))
	})).ServeHTTP(w, r)
	return w.Result(), herr
}

// cookieOf returns the value the response sets for the session cookie, and
// whether it sets one.
func cookieOf(res *http.Response, name string) (string, bool) {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return strings.Trim(c.Value, `"`), true
		}
	}
	return "", false
}

func newTestManager(t *testing.T, store AtomicStore, cfg Config) *Manager {
	t.Helper()
	m, err := NewManager(store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func put(kv ...any) func(*Session) error {
	return func(s *Session) error {
		for i := 0; i < len(kv); i += 2 {
			if err := s.Put(kv[i].(string), kv[i+1]); err != nil {
				return err
			}
		}
		return nil
	}
}

// newCookieRequest builds a request carrying one raw cookie header, or nil when
// the value cannot be sent in a header.
func newCookieRequest(name, value string) (*http.Request, error) {
	for i := 0; i < len(value); i++ {
		if value[i] < 0x20 || value[i] == 0x7f {
			return nil, nil
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", name+"="+value)
	return r, nil
}
