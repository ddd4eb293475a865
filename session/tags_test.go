package session

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// tagTime is when the tagged logins of these tests were established (the
// provider's clock, an ID token's iat).
var tagTime = time.Unix(1717497000, 0)

// loginTagged is a login: a new id, the user and the tags, all at at.
func loginTagged(user string, at time.Time, names ...string) func(*Session) error {
	return func(s *Session) error {
		if err := s.Renew(); err != nil {
			return err
		}
		if err := s.Put("userId", user); err != nil {
			return err
		}
		return s.SetTags(at, names...)
	}
}

// TestSetTags: tags are stored in the record, in Python's JSON form, hidden
// from the app, replaced by a later SetTags and emptied by none.
func TestSetTags(t *testing.T) {
	store := NewMemoryStore(newClock().Now)
	m := newTestManager(t, store, Config{CookieName: "auth.aiohttp", Now: newClock().Now})
	id, _ := cookieOf(do(t, m, "", loginTagged("alice", tagTime, "oidc.sid.A", "oidc.sub.alice")), "auth.aiohttp")
	raw, _, _ := store.Load(context.Background(), "auth.aiohttp_"+id)
	if want := `"_sesame_tags": {"oidc.sid.A": 1717497000, "oidc.sub.alice": 1717497000}`; !strings.Contains(string(raw), want) {
		t.Fatalf("record %s, want %s", raw, want)
	}
	do(t, m, id, func(s *Session) error {
		keys, err := s.Keys()
		if err != nil || len(keys) != 1 || keys[0] != "userId" {
			t.Errorf("Keys = %v, %v; the tags must stay hidden", keys, err)
		}
		if ok, _ := s.Has(TagsKey); ok {
			t.Error("Has(TagsKey) = true")
		}
		if err := s.Put(TagsKey, map[string]int{"x": 1}); !errorsIs(err, ErrValue) {
			t.Errorf("Put(TagsKey) = %v, want ErrValue", err)
		}
		return s.SetTags(tagTime.Add(time.Second), "oidc.sid.B")
	})
	raw, _, _ = store.Load(context.Background(), "auth.aiohttp_"+id)
	if !strings.Contains(string(raw), `"_sesame_tags": {"oidc.sid.B": 1717497001}`) {
		t.Fatalf("after a second SetTags: %s", raw)
	}
	do(t, m, id, func(s *Session) error { return s.SetTags(tagTime) })
	if raw, _, _ = store.Load(context.Background(), "auth.aiohttp_"+id); strings.Contains(string(raw), TagsKey) {
		t.Fatalf("SetTags with no name left %s", raw)
	}
}

// TestSetTagsRefused: a SetTags that fails (bad names, too many, no time, a
// store without a tag index) fails the whole commit: the login it was part
// of is not stored, untagged, where a logout could not find it.
func TestSetTagsRefused(t *testing.T) {
	names := make([]string, MaxTags+1)
	for i := range names {
		names[i] = "t" + string(rune('a'+i))
	}
	memory := NewMemoryStore(nil)
	for _, tc := range []struct {
		name  string
		store AtomicStore
		at    time.Time
		tags  []string
		want  error
	}{
		{"too many", memory, tagTime, names, ErrValue},
		{"space in a name", memory, tagTime, []string{"a b"}, ErrValue},
		{"empty name", memory, tagTime, []string{""}, ErrValue},
		{"name too long", memory, tagTime, []string{strings.Repeat("a", MaxTagName+1)}, ErrValue},
		{"repeated", memory, tagTime, []string{"a", "a"}, ErrValue},
		{"no time", memory, time.Unix(0, 0), []string{"a"}, ErrValue},
		{"store without a tag index", &spyStore{AtomicStore: NewMemoryStore(nil)}, tagTime, []string{"a"}, ErrConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestManager(t, tc.store, Config{CookieName: "auth.aiohttp"})
			var setErr error
			res, _ := doErr(m, "", func(s *Session) error {
				if err := s.Put("userId", "alice"); err != nil {
					return err
				}
				setErr = s.SetTags(tc.at, tc.tags...)
				return nil
			})
			if !errorsIs(setErr, tc.want) {
				t.Errorf("SetTags = %v, want %v", setErr, tc.want)
			}
			if id, ok := cookieOf(res, "auth.aiohttp"); ok || res.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("status %d, cookie %q: the session was stored", res.StatusCode, id)
			}
		})
	}
	if n := memory.Len(); n != 0 {
		t.Errorf("%d records stored", n)
	}
}

// TestTagsCorrupt: a record whose tags are malformed cannot be ended by them:
// it is no session.
func TestTagsCorrupt(t *testing.T) {
	c := newClock()
	store := NewMemoryStore(c.Now)
	m := newTestManager(t, store, Config{CookieName: "auth.aiohttp", Now: c.Now})
	for _, tags := range []string{`"x"`, `{"a": "1"}`, `{"a": 0}`, `{"a b": 1}`, `{"a": 1, "a": 2}`, `[1]`} {
		id := newID()
		rec := `{"created": 1717497930, "session": {"userId": "alice", "_sesame_tags": ` + tags + `}}`
		if err := store.Save(context.Background(), "auth.aiohttp_"+id, []byte(rec), time.Hour); err != nil {
			t.Fatal(err)
		}
		do(t, m, id, func(s *Session) error {
			if uid, _ := s.GetString("userId"); uid != "" || !errorsIs(s.Rejected(), ErrCorrupt) {
				t.Errorf("tags %s: user %q, Rejected %v; want no session, ErrCorrupt", tags, uid, s.Rejected())
			}
			return nil
		})
	}
}
