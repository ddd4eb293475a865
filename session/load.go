package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// maxClockSkew is how far in the future a record's "created" may lie (another
// host's clock) before the record counts as corrupt.
const maxClockSkew = 60 * time.Second

// load reads the record named by the cookie, once. Only a store failure is an
// error; a missing, corrupt or expired record leaves an anonymous session.
// Callers hold s.mu.
func (s *Session) load() error {
	if s.loaded {
		return s.loadErr
	}
	s.loaded = true
	s.rec = &Record{}
	if s.cookie == "" {
		return nil
	}
	m := s.m
	if s.pin {
		s.pinned = m.locks.pin(s.cookie)
	}
	key := m.key(s.cookie)
	var raw []byte
	var found bool
	var err error
	if m.cfg.SlidingIdle {
		raw, found, err = m.store.LoadTouch(s.ctx, key, m.cfg.IdleTimeout)
	} else {
		raw, found, err = m.store.Load(s.ctx, key)
	}
	if err != nil {
		if !errors.Is(err, ErrUnavailable) {
			err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		s.loadErr = err
		return err
	}
	if !found {
		return nil // unknown id: a write gets a fresh one, never this one
	}
	if next, ok := forwardOf(raw); ok {
		s.fwd = next // renewed: no session here, but a logout follows it
		return nil
	}
	rec, keep, live, problem := m.classify(raw)
	if problem != nil {
		s.problem = problem
		m.cfg.Logger.LogAttrs(s.ctx, slogWarn, "session record rejected", errAttr(problem))
	}
	if keep && live && m.cfg.SlidingIdle {
		// GETEX extended the record: its tags' index entries must last as long.
		if err := m.addTags(s.ctx, rec, key, m.cfg.IdleTimeout); errors.Is(err, ErrEnded) {
			return nil // a logout is ending it: no session
		} else if err != nil {
			s.loadErr = err
			return err
		}
	}
	if keep {
		s.id, s.raw, s.base, s.rec, s.live = s.cookie, raw, rec, rec.clone(), live
	}
	return nil
}

// classify decodes a stored record and applies the expiry rules. keep says
// whether the record's id may be written again: false for a corrupt, cleared or
// renewed record and one past its Lifetime (a record without LifetimeKey,
// started by another service, counts from its created) (a write then takes a new id), true for a live
// record and for one idle too long, which keeps its id but loses its values, as
// aiohttp_session does.
func (m *Manager) classify(raw []byte) (rec *Record, keep, live bool, problem error) {
	if _, ok := forwardOf(raw); ok {
		return nil, false, false, nil // renewed: the old id is no session
	}
	if len(raw) > m.cfg.MaxRecordSize {
		return nil, false, false, fmt.Errorf("%w: %d bytes, more than %d", ErrCorrupt, len(raw), m.cfg.MaxRecordSize)
	}
	rec, err := m.cfg.Codec.Decode(raw)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) {
			err = fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		return nil, false, false, err
	}
	if rec.Cleared() {
		return nil, false, false, nil
	}
	if _, err := tagsOf(rec); err != nil {
		return nil, false, false, err // its tags could not end it
	}
	now := m.cfg.Now()
	if rec.Created > now.Add(maxClockSkew).Unix() {
		return nil, false, false, fmt.Errorf("%w: created %d is in the future", ErrCorrupt, rec.Created)
	}
	if m.cfg.Lifetime > 0 {
		started, ok := startedAt(rec)
		if !ok {
			started = rec.Created // started by another service: at least this old
		}
		if now.Unix()-started > int64(m.cfg.Lifetime/time.Second) {
			return nil, false, false, nil
		}
	}
	if !m.cfg.SlidingIdle && now.Unix()-rec.Created > int64(m.cfg.IdleTimeout/time.Second) {
		return &Record{Created: rec.Created}, true, false, nil
	}
	return rec, true, true, nil
}

// startedAt reads LifetimeKey.
func startedAt(r *Record) (int64, bool) {
	raw, ok := r.get(LifetimeKey)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil && n > 0
}

// userID returns the string value of the user id entry, "" if none.
func (m *Manager) userID(r *Record) string {
	if r == nil {
		return ""
	}
	raw, ok := r.get(m.cfg.UserIDKey)
	if !ok {
		return ""
	}
	var id string
	if json.Unmarshal(raw, &id) != nil {
		return ""
	}
	return id
}
