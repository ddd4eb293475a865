package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestForeignRecords covers records another service wrote, as aiohttp_session
// reads them or stricter: a zero "created" is corrupt; with a Lifetime
// set, a record without its start stamp counts from its created, and one past
// the lifetime is ended, read without a write, and a write takes a fresh id and
// leaves that record alone.
func TestForeignRecords(t *testing.T) {
	clk := newClock()
	now := clk.Now().Unix()
	const id = "7921068508b74c788097805da46c95d7"
	tests := []struct {
		name    string
		cfg     Config
		record  string
		corrupt bool
	}{
		{"zero created", Config{}, `{"created": 0, "session": {"a": 1}}`, true},
		{"no lifetime stamp, created past the lifetime", Config{Lifetime: 10 * time.Minute}, fmt.Sprintf(`{"created": %d, "session": {"a": 1}}`, now-11*60), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := NewMemoryStore(clk.Now)
			key := DefaultCookieName + "_" + id
			if err := mem.Save(context.Background(), key, []byte(tt.record), time.Hour); err != nil {
				t.Fatal(err)
			}
			tt.cfg.Now = clk.Now
			m := newTestManager(t, mem, tt.cfg)
			var has bool
			var rejected error
			res := do(t, m, id, func(s *Session) (err error) {
				has, err = s.Has("a")
				rejected = s.Rejected()
				return err
			})
			if has || res.Header.Get("Set-Cookie") != "" {
				t.Errorf("read: has %v, Set-Cookie %q", has, res.Header.Get("Set-Cookie"))
			}
			if tt.corrupt != errors.Is(rejected, ErrCorrupt) {
				t.Errorf("Rejected() = %v, corrupt %v", rejected, tt.corrupt)
			}
			got, _ := cookieOf(do(t, m, id, put("b", 2)), DefaultCookieName)
			if got == "" || got == id {
				t.Errorf("a write continued the foreign record's id: %q", got)
			}
			if raw, ok, _ := mem.Load(context.Background(), key); !ok || string(raw) != tt.record {
				t.Errorf("the foreign record changed: %s", raw)
			}
		})
	}
}

// A session Python started has no start stamp: with a Lifetime it counts from
// its created, so it is live, and Go's first write stamps that start.
func TestPythonStartedLifetime(t *testing.T) {
	clk := newClock()
	created := clk.Now().Unix() - 5*60
	const id = "7921068508b74c788097805da46c95d7"
	mem := NewMemoryStore(clk.Now)
	key := DefaultCookieName + "_" + id
	if err := mem.Save(context.Background(), key, []byte(fmt.Sprintf(`{"created": %d, "session": {"a": 1}}`, created)), time.Hour); err != nil {
		t.Fatal(err)
	}
	m := newTestManager(t, mem, Config{Now: clk.Now, Lifetime: 10 * time.Minute})
	var a int64
	res := do(t, m, id, func(s *Session) (err error) {
		if a, err = s.GetInt64("a"); err == nil {
			err = s.Put("b", 2)
		}
		return err
	})
	if got, _ := cookieOf(res, DefaultCookieName); a != 1 || got != id {
		t.Fatalf("a = %d, cookie %q: the Python session was dropped", a, got)
	}
	raw, _, _ := mem.Load(context.Background(), key)
	want := fmt.Sprintf(`{"created": %d, "session": {"a": 1, "b": 2, "_sesame_started": %d}}`, clk.Now().Unix(), created)
	if string(raw) != want {
		t.Errorf("stored %s\nwant   %s", raw, want)
	}
	if !strings.Contains(res.Header.Get("Set-Cookie"), "Max-Age=300;") {
		t.Errorf("TTL not cut by the lifetime counted from created: %s", res.Header.Get("Set-Cookie"))
	}
}

// A float created, which Python reads, is read too: rounded down, it dates the
// session as Python does.
func TestFloatCreated(t *testing.T) {
	clk := newClock()
	const id = "7921068508b74c788097805da46c95d7"
	for _, tt := range []struct {
		age  float64
		live bool
	}{{1799.5, true}, {1800.5, false}} {
		mem := NewMemoryStore(clk.Now)
		rec := fmt.Sprintf(`{"created": %.1f, "session": {"a": 1}}`, float64(clk.Now().Unix())-tt.age)
		if err := mem.Save(context.Background(), DefaultCookieName+"_"+id, []byte(rec), time.Hour); err != nil {
			t.Fatal(err)
		}
		m := newTestManager(t, mem, Config{Now: clk.Now})
		var has bool
		do(t, m, id, func(s *Session) (err error) { has, err = s.Has("a"); return })
		if has != tt.live {
			t.Errorf("%s: live %v, want %v", rec, has, tt.live)
		}
	}
}
