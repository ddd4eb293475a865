package session

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// maxAttempts bounds the compare-and-set retries of one commit. Each lost race
// means another writer committed in between, so a writer among n concurrent ones
// loses at most n-1 times; the bound only stops a session written without end.
const maxAttempts = 1000

// commit saves the recorded changes, if any, and sets or expires the cookie in
// h. It runs once, before the response header is written.
func (s *Session) commit(h http.Header) error {
	if s == nil {
		return ErrNoSession
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.committed {
		return nil
	}
	s.committed = true
	if s.loadErr != nil {
		return s.loadErr
	}
	if !s.loaded {
		return nil
	}
	if len(s.ops) == 0 && !s.renew {
		if s.m.cfg.SlidingIdle && s.live {
			s.m.setCookie(h, s.id, s.m.cfg.IdleTimeout)
		}
		return nil
	}
	return s.save(h)
}

// save writes the changes with compare-and-set, replaying them on the current
// record after each lost race. Callers hold s.mu.
func (s *Session) save(h http.Header) error {
	m := s.m
	now := m.cfg.Now()
	target, old, base := s.id, s.raw, s.base
	if target == "" || s.renew {
		target, old = newID(), nil
	}
	for attempt := 1; ; attempt++ {
		rec := m.next(base, s.ops, now, old == nil)
		if visible(rec) == 0 {
			rec = &Record{} // aiohttp_session stores a cleared session as {}
			if old == nil {
				s.finish(h, "", nil, 0)
				return s.dropOld(target)
			}
		}
		enc, err := m.cfg.Codec.Encode(rec)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrValue, err)
		}
		if len(enc) > m.cfg.MaxRecordSize {
			return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(enc), m.cfg.MaxRecordSize)
		}
		ttl := m.ttl(rec, now)
		saved, cur, found, err := m.store.CompareAndSave(s.ctx, m.key(target), old, enc, ttl)
		if err != nil {
			return err
		}
		if saved {
			if err := s.index(rec, target, ttl); err != nil {
				return err
			}
			s.finish(h, target, rec, ttl)
			return s.dropOld(target)
		}
		if attempt == maxAttempts {
			return fmt.Errorf("%w: %d attempts on one session", ErrConflict, attempt)
		}
		target, old, base = m.rebase(target, cur, found)
		if err := backoff(s.ctx, attempt); err != nil {
			return err
		}
	}
}

// rebase picks what the next attempt builds on after a lost race: the current
// record, or, if the session ended meanwhile (deleted, cleared, corrupt), nothing
// under a fresh id.
func (m *Manager) rebase(target string, cur []byte, found bool) (string, []byte, *Record) {
	if found {
		if b, keep, _, _ := m.classify(cur); keep {
			return target, cur, b
		}
	}
	return newID(), nil, nil
}

// next returns the record to store: base with ops, created now, and the
// lifetime start stamped on a fresh id.
func (m *Manager) next(base *Record, ops []op, now time.Time, fresh bool) *Record {
	rec := applyOps(base, ops)
	rec.Created = now.Unix()
	if m.cfg.Lifetime > 0 {
		if _, ok := startedAt(rec); fresh || !ok {
			rec.set(LifetimeKey, []byte(strconv.FormatInt(now.Unix(), 10)))
		}
	}
	return rec
}

// visible counts the entries a caller can see.
func visible(r *Record) int {
	n := len(r.Values)
	if _, ok := r.get(LifetimeKey); ok {
		n--
	}
	return n
}

// ttl is the idle timeout, cut short by the absolute lifetime.
func (m *Manager) ttl(rec *Record, now time.Time) time.Duration {
	ttl := m.cfg.IdleTimeout
	if started, ok := startedAt(rec); ok && m.cfg.Lifetime > 0 {
		left := time.Unix(started, 0).Add(m.cfg.Lifetime).Sub(now)
		ttl = min(ttl, max(left, time.Second))
	}
	return ttl.Truncate(time.Second)
}

// finish records the saved state and sets the cookie: the id for a live record,
// an expired cookie for a cleared one.
func (s *Session) finish(h http.Header, target string, rec *Record, ttl time.Duration) {
	s.ops = nil
	if rec == nil || rec.Cleared() {
		if s.cookie != "" || s.id != "" {
			s.m.setCookie(h, "", 0)
		}
		return
	}
	s.m.setCookie(h, target, ttl)
}

// dropOld deletes the record a renewed session left behind.
func (s *Session) dropOld(target string) error {
	if !s.renew || s.id == "" || s.id == target {
		return nil
	}
	return s.m.store.Delete(s.ctx, s.m.key(s.id))
}

// index tells Config.Index of every record written while it holds a user, so
// the user's index lives at least as long as each of the user's records.
func (s *Session) index(rec *Record, target string, ttl time.Duration) error {
	m := s.m
	if m.cfg.Index == nil {
		return nil
	}
	uid := m.userID(rec)
	if uid == "" {
		return nil
	}
	if err := m.cfg.Index.IndexSession(s.ctx, uid, m.key(target), ttl); err != nil {
		return fmt.Errorf("%w: index: %v", ErrUnavailable, err)
	}
	return nil
}

// backoff sleeps a random while, growing with attempt, so that writers racing on
// one session spread out.
func backoff(ctx context.Context, attempt int) error {
	limit := time.Duration(min(attempt, 20)) * 250 * time.Microsecond
	t := time.NewTimer(rand.N(limit) + time.Microsecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%w: %v", ErrUnavailable, ctx.Err())
	case <-t.C:
		return nil
	}
}
