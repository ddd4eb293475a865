package session

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
)

// Session is one request's view of a session. It loads on first use (one store
// read) and records every change, so that the Manager can save them in one
// compare-and-set and replay them if another request saved first. Its methods are
// safe for concurrent use. Values are JSON; integers and nested values of records
// written by other services are kept exactly.
type Session struct {
	m   *Manager
	ctx context.Context
	pin bool // pin the id's lock entry from load to release (middleware requests)

	mu        sync.Mutex
	cookie    string  // valid id from the cookie, "" if none
	problem   error   // why the incoming cookie or record was discarded
	loaded    bool    // load ran
	loadErr   error   // the store failed: fatal for this request
	id        string  // id of the stored record this session continues, "" if none
	raw       []byte  // the stored bytes as loaded, the compare-and-set base
	base      *Record // the record as loaded, after expiry; nil if none
	rec       *Record // base with ops applied: what the handler sees
	live      bool    // a live record was found (SlidingIdle refreshes its cookie)
	fwd       string  // the id the cookie's record was renewed to, if it was
	pinned    *idLock // the id's entry in m.locks, held by the middleware's requests
	ops       []op
	renew     bool
	committed bool
	tagErr    error // SetTags failed: the commit fails rather than store the session untagged
}

type opKind uint8

const (
	opPut opKind = iota
	opDel
	opClear
)

// op is one recorded change, replayed on the latest record after a lost race.
type op struct {
	kind  opKind
	key   string
	value json.RawMessage
}

// Rejected returns why the request's session cookie or stored record was not
// used (wrapping ErrCookie or ErrCorrupt), or nil. Such a request is anonymous.
func (s *Session) Rejected() error {
	if s == nil {
		return ErrNoSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.problem
}

// Get decodes the value of key into dst and reports whether key was present.
// A value dst cannot hold is an ErrValue that wraps the decoder's error, so a
// type's own sentinel reaches the caller (errors.Is(err, passkey.ErrFormat)).
func (s *Session) Get(key string, dst any) (bool, error) {
	raw, ok, err := s.raw1(key)
	if err != nil || !ok {
		return false, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		return true, fmt.Errorf("%w: %s: %w", ErrValue, key, err)
	}
	return true, nil
}

// GetString returns the string value of key, "" if absent; a value of another
// type is an ErrValue.
func (s *Session) GetString(key string) (string, error) {
	var v string
	_, err := s.Get(key, &v)
	return v, err
}

// GetBool returns the boolean value of key, false if absent.
func (s *Session) GetBool(key string) (bool, error) {
	var v bool
	_, err := s.Get(key, &v)
	return v, err
}

// GetInt64 returns the integer value of key, 0 if absent; a fraction or a value
// out of range is an ErrValue.
func (s *Session) GetInt64(key string) (int64, error) {
	raw, ok, err := s.raw1(key)
	if err != nil || !ok {
		return 0, err
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s is not an int64: %w", ErrValue, key, err)
	}
	return n, nil
}

// Has reports whether key is present.
func (s *Session) Has(key string) (bool, error) {
	_, ok, err := s.raw1(key)
	return ok, err
}

// Keys returns the keys in insertion order.
func (s *Session) Keys() ([]string, error) {
	if s == nil {
		return nil, ErrNoSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(); err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(s.rec.Values))
	for _, f := range s.rec.Values {
		if !hidden(f.Key) {
			keys = append(keys, f.Key)
		}
	}
	return keys, nil
}

func (s *Session) raw1(key string) (json.RawMessage, bool, error) {
	if s == nil {
		return nil, false, ErrNoSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(); err != nil {
		return nil, false, err
	}
	if hidden(key) {
		return nil, false, nil
	}
	raw, ok := s.rec.get(key)
	return raw, ok, nil
}

// Put sets key to v, encoded as JSON and stored as Python's json.dumps writes
// it (numbers as Python writes the value it reads). Setting a value equal to
// the stored one is not a change. NaN and infinities, which Python writes as
// the non-JSON NaN and Infinity, a number out of float64 range and an integer
// of more than 4300 digits (Python refuses to read it) are ErrValue.
func (s *Session) Put(key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrValue, key, err)
	}
	if hidden(key) {
		return fmt.Errorf("%w: %s is reserved", ErrValue, key)
	}
	if raw, err = appendPyJSON(nil, raw); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrValue, key, err)
	}
	return s.change(func() bool {
		if old, ok := s.rec.get(key); ok && samePy(old, raw) {
			return false
		}
		s.record(op{kind: opPut, key: key, value: raw})
		return true
	})
}

// Delete removes key; removing an absent key is not a change. A session left
// empty is cleared as by Destroy.
func (s *Session) Delete(key string) error {
	return s.change(func() bool {
		if _, ok := s.rec.get(key); !ok || hidden(key) {
			return false
		}
		s.record(op{kind: opDel, key: key})
		return true
	})
}

// Destroy empties the session: the record becomes {} (as aiohttp_session
// stores a cleared session) and the cookie is expired. A logout is final: it
// also ends the session the cookie's id was renewed to by a request that ran at
// the same time, and a request that changed the session meanwhile fails with
// ErrEnded instead of bringing it back.
func (s *Session) Destroy() error {
	return s.change(func() bool {
		s.record(op{kind: opClear})
		return true
	})
}

// Renew moves the session to a new id, keeping its values, when the session is
// saved: the record is written under the new id, then the old record is
// replaced, if it is still as loaded, by a marker that opens no session (a
// change committed meanwhile is replayed first). Call it when privileges
// change (login), so an id planted before login is worthless after it. A
// session destroyed or evicted while the request ran is not renewed: the
// commit fails with ErrEnded.
func (s *Session) Renew() error {
	return s.change(func() bool {
		s.renew = true
		return true
	})
}

func (s *Session) change(f func() bool) error {
	if s == nil {
		return ErrNoSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		return ErrCommitted
	}
	if err := s.load(); err != nil {
		return err
	}
	f()
	return nil
}

func (s *Session) record(o op) {
	s.ops = append(s.ops, o)
	s.rec = applyOps(s.rec, []op{o})
}

// applyOps returns a copy of base (nil: empty) with ops applied.
func applyOps(base *Record, ops []op) *Record {
	r := &Record{}
	if base != nil {
		r = base.clone()
	}
	for _, o := range ops {
		switch o.kind {
		case opPut:
			r.set(o.key, o.value)
		case opDel:
			r.del(o.key)
		case opClear:
			r.Values = nil
		}
	}
	return r
}

// samePy reports whether the stored value old is written as py, itself in
// Python's form.
func samePy(old json.RawMessage, py []byte) bool {
	o, err := appendPyJSON(nil, old)
	return err == nil && bytes.Equal(o, py)
}
