package session

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestBadCookies(t *testing.T) {
	tests := []struct{ name, value string }{
		{"non-hex", strings.Repeat("z", 32)},
		{"upper-case hex", strings.Repeat("AB", 16)},
		{"short", "abc123"},
		{"over-long", strings.Repeat("a", 33)},
		{"huge", strings.Repeat("a", 4000)},
		{"path", "../../etc/passwd0000000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spy := &spyStore{AtomicStore: NewMemoryStore(nil)}
			m := newTestManager(t, spy, Config{})
			var rejected error
			var keys []string
			res := do(t, m, tt.value, func(s *Session) (err error) {
				rejected = s.Rejected()
				keys, err = s.Keys()
				return err
			})
			if !errors.Is(rejected, ErrCookie) {
				t.Errorf("Rejected() = %v, want ErrCookie", rejected)
			}
			if len(keys) != 0 || spy.loads != 0 || res.StatusCode != 200 {
				t.Errorf("keys %v, loads %d, status %d", keys, spy.loads, res.StatusCode)
			}
		})
	}
}

func TestBadRecords(t *testing.T) {
	tests := []struct {
		name  string
		value []byte
	}{
		{"not json", []byte("not json")},
		{"wrong shape", []byte(`{"created": 1717497900, "session": ["a"]}`)},
		{"array", []byte(`[1, 2]`)},
		{"10 MB", append(append([]byte(`{"created": 1717497900, "session": {"a": "`), bytes.Repeat([]byte("x"), 10<<20)...), `"}}`...)},
		{"created missing", []byte(`{"session": {"userId": "u"}}`)},
		{"created string", []byte(`{"created": "1717497900", "session": {"userId": "u"}}`)},
		{"created in the future", []byte(`{"created": 1717599999, "session": {"userId": "u"}}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			mem := NewMemoryStore(clk.Now)
			m := newTestManager(t, mem, Config{Now: clk.Now})
			id := strings.Repeat("5", 32)
			ctx := context.Background()
			if err := mem.Save(ctx, m.key(id), tt.value, DefaultIdleTimeout); err != nil {
				t.Fatal(err)
			}
			var rejected error
			var uid string
			res := do(t, m, id, func(s *Session) (err error) {
				if uid, err = s.GetString("userId"); err != nil {
					return err
				}
				rejected = s.Rejected()
				return s.Put("visits", 1) // an anonymous write goes elsewhere
			})
			if !errors.Is(rejected, ErrCorrupt) {
				t.Errorf("Rejected() = %v, want ErrCorrupt", rejected)
			}
			if uid != "" || res.StatusCode != 200 {
				t.Errorf("userId %q, status %d", uid, res.StatusCode)
			}
			if newID, _ := cookieOf(res, DefaultCookieName); newID == id || !validID(newID) {
				t.Errorf("write after a bad record used id %q", newID)
			}
			if raw, found, _ := mem.Load(ctx, m.key(id)); !found || !bytes.Equal(raw, tt.value) {
				t.Error("the bad record was changed or deleted")
			}
		})
	}
}
