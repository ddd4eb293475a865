package session

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
)

// A renewed session's old record becomes a forward marker naming the new id,
// {"_sesame_renewed": "<id>"}, for IdleTimeout. A request carrying the old id
// finds no session in it (Python's aiohttp_session sees an expired one), so an
// id planted before login is worthless after it; but a logout that loaded the
// old record before the renewal follows the marker and ends the new record
// too, so logout wins that race.
const (
	renewPrefix = `{"_sesame_renewed": "`
	renewSuffix = `"}`
	// maxForwards bounds how many renewals a logout follows.
	maxForwards = 8
)

func renewMarker(id string) []byte {
	return []byte(renewPrefix + id + renewSuffix)
}

// forwardOf returns the id a forward marker names.
func forwardOf(raw []byte) (string, bool) {
	if len(raw) != len(renewPrefix)+idLen+len(renewSuffix) || !bytes.HasPrefix(raw, []byte(renewPrefix)) || !bytes.HasSuffix(raw, []byte(renewSuffix)) {
		return "", false
	}
	id := string(raw[len(renewPrefix) : len(renewPrefix)+idLen])
	return id, validID(id)
}

// renewOnce writes rec under a fresh id and then closes the old record (the
// value old under id) with a forward marker, in that order: a logout that
// finds the marker then always finds the new record. If the old record changed
// meanwhile the new one is deleted again and the current old value returned,
// as for a lost race. Callers hold s.mu and id's lock.
func (s *Session) renewOnce(h http.Header, id string, old []byte, rec *Record, enc []byte) (saved bool, cur []byte, found bool, err error) {
	m := s.m
	ttl := m.ttl(rec, m.cfg.Now())
	next := newID()
	if err := s.indexFirst(rec, next, ttl); err != nil {
		return false, nil, false, err
	}
	ok, _, _, err := m.cas(s.ctx, m.key(next), nil, enc, ttl)
	if err != nil || !ok { // !ok: a 128-bit id collision; the caller retries
		return false, old, true, err
	}
	closed, cur, found, err := m.cas(s.ctx, m.key(id), old, renewMarker(next), m.cfg.IdleTimeout)
	if err != nil || !closed {
		if derr := m.store.Delete(s.ctx, m.key(next)); derr != nil && err == nil {
			err = derr // the new record may live on, unreachable: no cookie names it
		}
		return false, cur, found, err
	}
	if err := s.checkIndexed(rec, nil, next, enc); err != nil {
		return false, nil, false, err
	}
	s.finish(h, next, rec, ttl)
	return true, nil, false, nil
}

// endForwards ends the records a chain of forward markers leads to, starting
// at id: a logout that lost the race to a renewal ends the renewed session.
func (m *Manager) endForwards(ctx context.Context, id string) error {
	for hop := 0; id != "" && hop < maxForwards; hop++ {
		next, err := m.endOne(ctx, m.key(id))
		if err != nil {
			return err
		}
		id = next
	}
	return nil
}

// endOne clears the record under key, unless it is a forward marker, whose
// target it returns.
func (m *Manager) endOne(ctx context.Context, key string) (string, error) {
	raw, found, err := m.store.Load(ctx, key)
	for attempt := 1; ; attempt++ {
		if err != nil {
			return "", err
		}
		if !found {
			return "", nil
		}
		if next, ok := forwardOf(raw); ok {
			return next, nil
		}
		if r, err := m.cfg.Codec.Decode(raw); err == nil && r.Cleared() {
			return "", nil
		}
		var saved bool
		if saved, raw, found, err = m.cas(ctx, key, raw, []byte("{}"), m.cfg.IdleTimeout); saved {
			return "", nil
		}
		if attempt == maxAttempts {
			return "", fmt.Errorf("%w: ending a renewed session", ErrConflict)
		}
	}
}
