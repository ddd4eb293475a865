package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/session"
)

// aiohttpCookie is the Set-Cookie aiohttp_session writes for MilleGrilles.
var aiohttpCookie = regexp.MustCompile(`^auth\.aiohttp=([0-9a-f]{32}); expires=[A-Z][a-z]{2}, \d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d GMT; HttpOnly; Max-Age=1800; Path=/;( SameSite=Lax;)? Secure$`)

// interop drives the Python app and the Go app as one browser would.
type interop struct {
	t         *testing.T
	py, goURL string
	redis     *redis.Client
}

// newInterop starts Redis, the Python aiohttp app and the Go app on it, both
// using DB 2 as MilleGrilles does.
func newInterop(t *testing.T) *interop {
	t.Helper()
	redisPort := aiohttpStartRedis(t)
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(redisPort), DB: 2})
	t.Cleanup(func() { _ = client.Close() })
	py := aiohttpStartApp(t, redisPort)
	goSrv := httptest.NewServer(goApp(t, client))
	t.Cleanup(goSrv.Close)
	return &interop{t: t, py: py, goURL: goSrv.URL, redis: client}
}

// call sends a request with the session cookie id (if any) and returns the
// response's Set-Cookie header and decoded JSON body.
func (x *interop) call(base, method, path, id, body string) (string, map[string]json.RawMessage) {
	x.t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	if id != "" {
		req.Header.Set("Cookie", "auth.aiohttp="+id)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		x.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		x.t.Fatalf("%s %s%s: %d %s", method, base, path, res.StatusCode, raw)
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		x.t.Fatalf("%s %s: %v in %s", method, path, err, raw)
	}
	return res.Header.Get("Set-Cookie"), out
}

func (x *interop) stored(id string) string {
	x.t.Helper()
	v, err := x.redis.Get(context.Background(), "auth.aiohttp_"+id).Result()
	if err != nil {
		x.t.Fatalf("record %s: %v", id, err)
	}
	return v
}

// goApp is the Go service: the same endpoints as testdata/aiohttp_app.py.
func goApp(t *testing.T, client *redis.Client) http.Handler {
	m, err := session.NewManager(session.NewRedisStore(client), session.Config{CookieName: "auth.aiohttp"})
	if err != nil {
		t.Fatal(err)
	}
	reply := func(w http.ResponseWriter, v any, err error) {
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_ = json.NewEncoder(w).Encode(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /dump", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		keys, err := s.Keys()
		values := map[string]json.RawMessage{}
		for _, k := range keys {
			var v json.RawMessage
			if _, err = s.Get(k, &v); err != nil {
				break
			}
			values[k] = v
		}
		reply(w, map[string]any{"session": values}, err)
	})
	mux.HandleFunc("POST /put", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		var in map[string]json.RawMessage
		err := json.NewDecoder(r.Body).Decode(&in)
		for k, v := range in {
			if err == nil {
				err = s.Put(k, v)
			}
		}
		reply(w, map[string]bool{"ok": true}, err)
	})
	mux.HandleFunc("POST /clear", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]bool{"ok": true}, session.FromContext(r.Context()).Destroy())
	})
	return m.Middleware(mux)
}

func TestAiohttpInterop(t *testing.T) {
	x := newInterop(t)

	// Python starts the session; Go reads every value exactly and writes nothing.
	setCookie, _ := x.call(x.py, "POST", "/put", "", `{"userId": "alice", "n": 12345678901234567890, "nested": {"\u00e9t\u00e9": [1, 2.5, null, true]}, "emoji": "\ud83d\ude00"}`)
	m := aiohttpCookie.FindStringSubmatch(setCookie)
	if m == nil {
		t.Fatalf("Python's Set-Cookie %q", setCookie)
	}
	id := m[1]
	before := x.stored(id)
	setCookie, got := x.call(x.goURL, "GET", "/dump", id, "")
	if setCookie != "" || x.stored(id) != before {
		t.Errorf("a Go read wrote: Set-Cookie %q", setCookie)
	}
	values := map[string]json.RawMessage{}
	_ = json.Unmarshal(got["session"], &values)
	want := map[string]string{"userId": `"alice"`, "n": `12345678901234567890`, "nested": `{"été":[1,2.5,null,true]}`, "emoji": `"😀"`}
	for k, v := range want {
		if compact(values[k]) != v {
			t.Errorf("Go read %s = %s, want %s", k, values[k], v)
		}
	}

	// Go writes into the same session; Redis then holds exactly what Python
	// would have written, and Python reads Go's values.
	setCookie, _ = x.call(x.goURL, "POST", "/put", id, `{"fromGo": {"ü": [3, 18446744073709551615]}, "userId": "bob"}`)
	if m := aiohttpCookie.FindStringSubmatch(setCookie); m == nil || m[1] != id {
		t.Errorf("Go's Set-Cookie %q (want id %s)", setCookie, id)
	}
	_, pyView := x.call(x.py, "GET", "/dump", id, "")
	var record string
	_ = json.Unmarshal(pyView["record"], &record)
	if stored := x.stored(id); stored != record {
		t.Errorf("Go stored\n %s\nPython would store\n %s", stored, record)
	}
	var pySession map[string]json.RawMessage
	_ = json.Unmarshal(pyView["session"], &pySession)
	if compact(pySession["fromGo"]) != `{"ü":[3,18446744073709551615]}` || compact(pySession["userId"]) != `"bob"` || compact(pySession["n"]) != "12345678901234567890" {
		t.Errorf("Python read %s", pyView["session"])
	}

	// A session Go starts, Python continues.
	setCookie, _ = x.call(x.goURL, "POST", "/put", "", `{"cart": [1, 2]}`)
	m = aiohttpCookie.FindStringSubmatch(setCookie)
	if m == nil {
		t.Fatalf("Go's Set-Cookie %q", setCookie)
	}
	goID := m[1]
	_, pyView = x.call(x.py, "GET", "/dump", goID, "")
	if string(pyView["new"]) != "false" || !strings.Contains(string(pyView["session"]), `"cart": [1, 2]`) {
		t.Errorf("Python's view of Go's session: %s", pyView["session"])
	}
	x.call(x.py, "POST", "/put", goID, `{"fromPython": 1}`)
	_, got = x.call(x.goURL, "GET", "/dump", goID, "")
	if !strings.Contains(string(got["session"]), `"fromPython":1`) || !strings.Contains(string(got["session"]), `"cart":[1,2]`) {
		t.Errorf("Go's view after Python's write: %s", got["session"])
	}

	// Go clears: {} with the full TTL, cookie expired; Python sees a new session.
	setCookie, _ = x.call(x.goURL, "POST", "/clear", id, "")
	if !strings.Contains(setCookie, "Max-Age=0") || x.stored(id) != "{}" {
		t.Errorf("Go clear: Set-Cookie %q, record %s", setCookie, x.stored(id))
	}
	if ttl := x.redis.TTL(context.Background(), "auth.aiohttp_"+id).Val().Seconds(); ttl < 1790 {
		t.Errorf("cleared record TTL %v s, want 1800", ttl)
	}
	_, pyView = x.call(x.py, "GET", "/dump", id, "")
	if string(pyView["new"]) != "true" || string(pyView["session"]) != "{}" {
		t.Errorf("Python after Go's clear: %s", pyView)
	}

	// Python clears; Go sees no session.
	x.call(x.py, "POST", "/clear", goID, "")
	_, got = x.call(x.goURL, "GET", "/dump", goID, "")
	if string(got["session"]) != "{}" {
		t.Errorf("Go after Python's clear: %s", got["session"])
	}
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	// Python escapes non-ASCII; compare decoded text.
	var v any
	dec := json.NewDecoder(&b)
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return b.String()
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSpace(out.String())
}
