package passkey

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sesame-go/sesame/session"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type harness struct {
	t     *testing.T
	srv   *httptest.Server
	users UserStore
	clock *clock
	p     *Passkeys
}

// newHarness serves Passkeys over a memory session store, with /test/login
// (logs the user of ?id in, as a password form would) and /test/whoami.
func newHarness(t *testing.T, users UserStore, edit func(*Config)) *harness {
	t.Helper()
	clk := &clock{t: time.Unix(1717497930, 0)}
	sessions, err := session.NewManager(session.NewMemoryStore(clk.Now), session.Config{InsecureCookie: true, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{RPID: "example.test", RPOrigins: []string{"https://example.test"}, Users: users, Sessions: sessions, Now: clk.Now}
	if edit != nil {
		edit(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/passkey/", p.Handler())
	mux.HandleFunc("POST /test/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		_ = s.Renew()
		_ = s.Put(KeyUserID, r.URL.Query().Get("id"))
		_ = s.Put(KeyAuthenticated, true)
	})
	mux.HandleFunc("GET /test/whoami", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		ok, _ := s.GetBool(KeyAuthenticated)
		id, _ := s.GetString(KeyUserID)
		if !ok {
			id = ""
		}
		_, _ = io.WriteString(w, id)
	})
	srv := httptest.NewServer(cfg.Sessions.Middleware(mux)) // edit may have set another Manager
	t.Cleanup(srv.Close)
	return &harness{t: t, srv: srv, users: users, clock: clk, p: p}
}

func (h *harness) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// post sends body and returns the status and the answer.
func (h *harness) post(c *http.Client, path string, body []byte) (int, []byte) {
	h.t.Helper()
	resp, err := c.Post(h.srv.URL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (h *harness) ok(c *http.Client, path string, body []byte) []byte {
	h.t.Helper()
	st, b := h.post(c, path, body)
	if st != http.StatusOK {
		h.t.Fatalf("%s: %d %s", path, st, b)
	}
	return b
}

// refused asserts the answer's status and reason.
func (h *harness) refused(c *http.Client, path string, body []byte, reason string) {
	h.t.Helper()
	st, b := h.post(c, path, body)
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	if st == http.StatusOK || e.Error != reason {
		h.t.Fatalf("%s: %d %s, want refusal %q", path, st, b, reason)
	}
}

func (h *harness) whoami(c *http.Client) string {
	h.t.Helper()
	resp, err := c.Get(h.srv.URL + "/test/whoami")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func (h *harness) login(c *http.Client, id string) {
	h.t.Helper()
	h.ok(c, "/test/login?id="+id, nil)
}

// register logs id in on a fresh client and registers a's passkey for it.
func (h *harness) register(a *soft, id string) {
	h.t.Helper()
	c := h.client()
	h.login(c, id)
	opts := h.ok(c, PathRegisterBegin, nil)
	h.ok(c, PathRegisterFinish, a.create(h.t, opts))
}

// loginWith runs a login on c with a; username "" is discoverable.
func (h *harness) loginWith(c *http.Client, a *soft, username string) (int, []byte) {
	h.t.Helper()
	body := []byte(`{}`)
	if username != "" {
		body, _ = json.Marshal(map[string]string{"username": username})
	}
	opts := h.ok(c, PathLoginBegin, body)
	return h.post(c, PathLoginFinish, a.get(h.t, opts))
}

func newUsers(t testing.TB, names ...string) *MemoryStore {
	m := NewMemoryStore()
	for _, n := range names {
		if err := m.AddUser(context.Background(), User{ID: "id-" + n, Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func isErr(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}
