package session

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/sesame-go/sesame/internal/jsonobj"
)

// TagsKey is the session entry holding the session's tags, written by
// SetTags as {"<name>": <unix seconds>, …}. It is hidden from Keys and Get,
// and Put and Delete refuse or ignore it, as LifetimeKey.
const TagsKey = "_sesame_tags"

// Bounds of a session's tags.
const (
	// MaxTags is how many tags one session may carry.
	MaxTags = 8
	// MaxTagName is the longest tag name, in bytes.
	MaxTagName = 128
)

// SetTags replaces the session's tags with names, each established at at, and
// is saved with the request's other changes. A tag names a group of sessions
// that Manager.EndTagged ends at once, on every instance sharing the store:
// package oidc tags a login with the provider's session (iss, sid) and user
// (iss, sub), stamped with the ID token's iat, so that a back-channel logout
// ends it.
//
//	s := session.FromContext(r.Context())
//	err := s.SetTags(idToken.IssuedAt, "oidc.sid.…", "oidc.sub.…")
//
// A name is 1 to MaxTagName bytes of letters, digits, '.', '_', ':' and '-'
// (hash anything else); at most MaxTags names; none empties the tags. The
// store must keep a tag index (RedisStore and MemoryStore do). A session whose
// SetTags failed is not saved at all (its commit fails with the same error),
// so a login is never stored without the tags its logout needs.
func (s *Session) SetTags(at time.Time, names ...string) error {
	if s == nil {
		return ErrNoSession
	}
	raw, err := encodeTags(at, names)
	if err == nil && s.m.tagIndex() == nil {
		err = fmt.Errorf("%w: the store keeps no tag index (RedisStore and MemoryStore do)", ErrConfig)
	}
	if err != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.committed {
			s.tagErr = err
		}
		return err
	}
	return s.change(func() bool {
		if raw == nil {
			if _, ok := s.rec.get(TagsKey); ok {
				s.record(op{kind: opDel, key: TagsKey})
			}
			return true
		}
		s.record(op{kind: opPut, key: TagsKey, value: raw})
		return true
	})
}

// TagSession sets the tags of the session of r, which this Manager's
// Middleware loaded (see Session.SetTags). It is how package oidc's
// HandlerConfig.Sessions tags a login.
func (m *Manager) TagSession(r *http.Request, at time.Time, names ...string) error {
	s := FromContext(r.Context())
	if s == nil {
		return ErrNoSession
	}
	if s.m != m {
		return fmt.Errorf("%w: the request's session belongs to another Manager", ErrConfig)
	}
	return s.SetTags(at, names...)
}

// encodeTags writes names, each at at, as the TagsKey value in Python's
// json.dumps form; nil for no name.
func encodeTags(at time.Time, names []string) ([]byte, error) {
	if len(names) > MaxTags {
		return nil, fmt.Errorf("%w: %d tags, at most %d", ErrValue, len(names), MaxTags)
	}
	if len(names) == 0 {
		return nil, nil
	}
	if at.Unix() <= 0 {
		return nil, fmt.Errorf("%w: tag time %v", ErrValue, at)
	}
	b := []byte{'{'}
	seen := make(map[string]bool, len(names))
	for i, n := range names {
		if !validTagName(n) || seen[n] {
			return nil, fmt.Errorf("%w: tag name %.64q invalid or repeated", ErrValue, n)
		}
		seen[n] = true
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '"')
		b = append(b, n...)
		b = append(b, `": `...)
		b = strconv.AppendInt(b, at.Unix(), 10)
	}
	return append(b, '}'), nil
}

// tagsOf reads the tags of r (nil: none): name → unix seconds. A malformed
// value is ErrCorrupt: such a record cannot be ended by its tags, so it is no
// session.
func tagsOf(r *Record) (map[string]int64, error) {
	if r == nil {
		return nil, nil
	}
	raw, ok := r.get(TagsKey)
	if !ok {
		return nil, nil
	}
	members, err := jsonobj.Members(raw)
	if err != nil || len(members) > MaxTags {
		return nil, fmt.Errorf("%w: %s is not an object of at most %d tags", ErrCorrupt, TagsKey, MaxTags)
	}
	tags := make(map[string]int64, len(members))
	for name, v := range members {
		at, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
		if !validTagName(name) || err != nil || at <= 0 {
			return nil, fmt.Errorf("%w: %s member %.64q", ErrCorrupt, TagsKey, name)
		}
		tags[name] = at
	}
	return tags, nil
}

// validTagName accepts 1 to MaxTagName bytes of [A-Za-z0-9._:-]: safe in a
// Redis key, a JSON string and a log line as they are.
func validTagName(s string) bool {
	if s == "" || len(s) > MaxTagName {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// hidden reports whether key is one of Sesame's own entries, which callers
// neither see nor set.
func hidden(key string) bool { return key == LifetimeKey || key == TagsKey }
