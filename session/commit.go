package session

import (
	"bytes"
	"context"
	"errors"
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

// verifyTries bounds the reads that settle a write whose reply was lost.
const verifyTries = 4

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
	if s.tagErr != nil {
		return s.tagErr // a login must not be stored without its tags
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
	if s.id == "" {
		if s.fwd != "" && s.destroyed() {
			// A logout with an id renewed by a request that ran at the same
			// time: it ends the renewed session.
			if err := s.m.endForwards(s.ctx, s.fwd); err != nil {
				return err
			}
		}
		return s.saveNew(h)
	}
	l, err := s.m.locks.lock(s.ctx, s.id)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer s.m.locks.unlock(s.id, l)
	return s.save(h, l)
}

// destroyed reports whether Destroy was called.
func (s *Session) destroyed() bool {
	for _, o := range s.ops {
		if o.kind == opClear {
			return true
		}
	}
	return false
}

// saveNew stores a session that had no record under a fresh id. Callers hold
// s.mu.
func (s *Session) saveNew(h http.Header) error {
	m := s.m
	rec := m.next(nil, s.ops, m.cfg.Now(), true)
	if visible(rec) == 0 {
		s.finish(h, "", nil, 0)
		return nil
	}
	enc, err := m.encode(rec)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		saved, _, _, err := s.write(h, newID(), nil, nil, rec, enc)
		if err != nil || saved {
			return err
		}
		if attempt == maxAttempts { // only a 128-bit id collision gets here
			return fmt.Errorf("%w: no free id", ErrConflict)
		}
	}
}

// save writes the changes to the session's record with compare-and-set,
// replaying them on the current record after each lost race. A session that
// ended meanwhile (destroyed, evicted, renewed by another request) stays ended:
// the changes are dropped (ErrEnded), unless they end it too. Callers hold s.mu
// and the id's lock l.
func (s *Session) save(h http.Header, l *idLock) error {
	m := s.m
	now := m.cfg.Now()
	id, old, base := s.id, s.raw, s.base
	if l.latest != nil && !bytes.Equal(l.latest, old) {
		// Another request of this process saved since this one loaded.
		old = l.latest
		if base = m.continues(old, true); base == nil {
			return s.ended(h, old, true)
		}
	}
	for attempt := 1; ; attempt++ {
		rec := m.next(base, s.ops, now, s.renew)
		if visible(rec) == 0 {
			rec = &Record{} // aiohttp_session stores a cleared session as {}
		}
		enc, err := m.encode(rec)
		if err != nil {
			return err
		}
		var saved, found bool
		var cur []byte
		if s.renew && !rec.Cleared() {
			saved, cur, found, err = s.renewOnce(h, id, old, rec, enc)
		} else {
			saved, cur, found, err = s.write(h, id, old, base, rec, enc)
		}
		switch {
		case err != nil:
			l.latest = nil
			return err
		case saved:
			l.latest = enc
			if s.renew && !rec.Cleared() {
				l.latest = nil // the marker's value is not worth keeping
			}
			return nil
		case attempt == maxAttempts:
			return fmt.Errorf("%w: %d attempts on one session", ErrConflict, attempt)
		}
		l.latest = nil
		if found {
			l.latest = cur
		}
		if base = m.continues(cur, found); base == nil {
			return s.ended(h, cur, found)
		}
		old = cur
		if err := backoff(s.ctx, attempt); err != nil {
			return err
		}
	}
}

// write stores enc under id if the stored value is still old, indexing the
// record's user and tags before it is written, and sets the cookie on success.
// Callers hold s.mu.
func (s *Session) write(h http.Header, id string, old []byte, base, rec *Record, enc []byte) (bool, []byte, bool, error) {
	m := s.m
	ttl := m.ttl(rec, m.cfg.Now())
	if err := s.indexFirst(rec, id, ttl); err != nil {
		return false, nil, false, err
	}
	saved, cur, found, err := m.cas(s.ctx, m.key(id), old, enc, ttl)
	if err != nil || !saved {
		return false, cur, found, err
	}
	if err := s.checkIndexed(rec, base, id, enc); err != nil {
		return false, nil, false, err
	}
	s.finish(h, id, rec, ttl)
	return true, nil, false, nil
}

// ended answers a commit whose session ended while the request ran. Changes
// that leave the session as the request saw it empty are a logout: it follows
// the renewal the session may have gone through, ends the renewed record too,
// and expires the cookie. Any other change (a renewal included) is dropped:
// writing it would bring the session back.
func (s *Session) ended(h http.Header, cur []byte, found bool) error {
	if visible(applyOps(s.base, s.ops)) > 0 { // not a logout
		return fmt.Errorf("%w: the session ended while the request ran; nothing was written", ErrEnded)
	}
	if next, ok := forwardOf(cur); found && ok {
		if err := s.m.endForwards(s.ctx, next); err != nil {
			return err
		}
	}
	s.finish(h, "", nil, 0)
	return nil
}

// continues returns the record the next attempt builds on, or nil when the
// session ended (deleted, cleared, corrupt, past its lifetime, renewed).
func (m *Manager) continues(cur []byte, found bool) *Record {
	if !found {
		return nil
	}
	b, keep, _, _ := m.classify(cur)
	if !keep {
		return nil
	}
	return b
}

// encode serialises rec within the size limit.
func (m *Manager) encode(rec *Record) ([]byte, error) {
	enc, err := m.cfg.Codec.Encode(rec)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrValue, err)
	}
	if len(enc) > m.cfg.MaxRecordSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(enc), m.cfg.MaxRecordSize)
	}
	return enc, nil
}

// cas is the store's CompareAndSave, made certain: when the reply is lost (the
// connection dropped after the script was sent), the key is read again until
// it shows whether the write happened. A value that is neither enc nor old is
// returned as a lost race, so the caller replays its changes on it.
//
// The read-back is itself a compare-and-set of enc over enc: it stores nothing
// new, but on a store that waits for replicas (RedisConfig.WaitReplicas) it is
// a write followed by WAIT, so a write found is also known to be replicated.
// ErrNotReplicated (the write happened, its replication is unknown) is
// answered as it is: reading back cannot settle it.
func (m *Manager) cas(ctx context.Context, key string, old, enc []byte, ttl time.Duration) (bool, []byte, bool, error) {
	saved, cur, found, err := m.store.CompareAndSave(ctx, key, old, enc, ttl)
	if err == nil || !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNotReplicated) {
		return saved, cur, found, err
	}
	m.cfg.Logger.LogAttrs(ctx, slogWarn, "session write unconfirmed; reading it back", errAttr(err))
	for try := 1; try <= verifyTries; try++ {
		if backoff(ctx, try) != nil {
			break
		}
		saved, raw, found, rerr := m.store.CompareAndSave(ctx, key, enc, enc, ttl)
		switch {
		case errors.Is(rerr, ErrNotReplicated):
			return false, nil, false, rerr
		case rerr != nil:
			continue
		case saved:
			return true, nil, false, nil
		}
		return false, raw, found, nil
	}
	return false, nil, false, fmt.Errorf("%w; the store could not be read back, so whether the write happened is unknown", err)
}

// next returns the record to store: base with ops, created now, and the
// lifetime start stamped: now on a fresh or renewed session, the record's own
// created on one another service started.
func (m *Manager) next(base *Record, ops []op, now time.Time, fresh bool) *Record {
	rec := applyOps(base, ops)
	started := rec.Created
	rec.Created = now.Unix()
	if m.cfg.Lifetime > 0 {
		if _, ok := startedAt(rec); fresh || !ok {
			if fresh || started <= 0 {
				started = now.Unix()
			}
			rec.set(LifetimeKey, []byte(strconv.FormatInt(started, 10)))
		}
	}
	return rec
}

// visible counts the entries a caller can see.
func visible(r *Record) int {
	n := 0
	for _, f := range r.Values {
		if !hidden(f.Key) {
			n++
		}
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

// indexFirst tells Config.Index of a record of a user, and the store's tag
// index of its tags, before it is written under id, so that a failure leaves
// nothing written and EvictUser and EndTagged can find the record from the
// moment it exists. An index entry whose record is never written is
// harmless: eviction checks the record's user, EndTagged its tags. A tag a
// logout ended since the session's login is refused (ErrEnded).
func (s *Session) indexFirst(rec *Record, id string, ttl time.Duration) error {
	m := s.m
	if uid := m.userID(rec); m.cfg.Index != nil && uid != "" {
		if err := m.cfg.Index.IndexSession(s.ctx, uid, m.key(id), ttl); err != nil {
			return unavailable("index", err)
		}
	}
	return m.addTags(s.ctx, rec, m.key(id), ttl)
}

// checkIndexed runs after a record rec was written under id over base (nil
// for a new key). When rec brings a user into the session (a login, a
// renewal) and EvictUser took the key out of the user's index meanwhile, or
// brings a tag that EndTagged ended meanwhile, the eviction or logout may
// have run before the write: the record is ended again and the commit fails
// with ErrEnded.
func (s *Session) checkIndexed(rec, base *Record, id string, enc []byte) error {
	m := s.m
	in, why, err := s.stillIndexed(rec, base, id)
	if err == nil && in {
		return nil
	}
	if saved, _, _, cerr := m.cas(s.ctx, m.key(id), enc, []byte("{}"), m.cfg.IdleTimeout); cerr != nil || !saved {
		if derr := m.store.Delete(s.ctx, m.key(id)); derr != nil {
			return derr
		}
	}
	if err != nil {
		return fmt.Errorf("%w; the record was ended again", unavailable("index check", err))
	}
	return fmt.Errorf("%w: %s while the request ran", ErrEnded, why)
}

// stillIndexed reports whether the user and the tags rec brings to id are
// still indexed, and if not, why.
func (s *Session) stillIndexed(rec, base *Record, id string) (bool, string, error) {
	m := s.m
	uid := m.userID(rec)
	if ic, ok := m.cfg.Index.(IndexChecker); ok && uid != "" && uid != m.userID(base) {
		if in, err := ic.Indexed(s.ctx, uid, m.key(id)); err != nil || !in {
			return false, "the user was evicted", err
		}
	}
	in, err := m.tagsIndexed(s.ctx, rec, base, m.key(id))
	return in, "the session was logged out (EndTagged)", err
}

// backoff sleeps a random while, growing exponentially with attempt up to
// about 16 ms (full jitter), so that writers of different processes racing on
// one session spread out.
func backoff(ctx context.Context, attempt int) error {
	limit := 250 * time.Microsecond << min(attempt-1, 6)
	t := time.NewTimer(rand.N(limit) + time.Microsecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrUnavailable, ctx.Err())
	case <-t.C:
		return nil
	}
}
