package session

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// TagIndex is a store's index of tagged sessions: for each tag, the keys of
// the records carrying it and when each was established, and when the tag was
// last ended. RedisStore (one Redis hash per tag, single-key scripts, so
// Cluster works) and MemoryStore implement it; the Manager uses it when its
// store does.
//
// The Manager keeps it as it keeps Config.Index: a record's tags are added
// before every write of the record, and a write that brings a tag to a key
// (a login, a renewal) asks Tagged afterwards and ends the record again if a
// logout ended the tag meanwhile. EndTagged calls TakeTagged once: the mark
// it sets refuses every later AddTag of a session that the logout covers, so
// no such session can be written after it without being ended.
type TagIndex interface {
	// AddTag records that key holds a session carrying the tag indexed under
	// index, established at at (unix seconds), and keeps the entry at least
	// ttl. It fails with ErrEnded when the tag was ended at or after at, and
	// ErrTagFull when MaxTagSessions live sessions carry the tag.
	AddTag(ctx context.Context, index, key string, at int64, ttl time.Duration) error
	// Tagged reports whether key is in index and was not ended since it was
	// added.
	Tagged(ctx context.Context, index, key string) (bool, error)
	// TakeTagged marks index ended at at for at least ttl (AddTag then
	// refuses every session established at or before at) and returns, in the
	// same atomic step, the keys recorded with an at at or before it. The
	// entries stay, so a logout that failed half-way finds them again.
	TakeTagged(ctx context.Context, index string, at int64, ttl time.Duration) ([]string, error)
}

// Bounds and lifetimes of the tag index.
const (
	// EndedTagTTL is how long a tag ended by EndTagged keeps refusing the
	// sessions the logout covered: a login of that provider session still
	// under way (its ID token issued before the logout) then fails instead of
	// storing a session the provider already ended.
	EndedTagTTL = 24 * time.Hour
	// MaxTagSessions bounds the live sessions one tag indexes; past it a new
	// session carrying the tag is refused (ErrTagFull).
	MaxTagSessions = 1000
	// tagMargin is added to an index entry's life beyond its record's, so a
	// record never outlives its entry for clock or ordering reasons.
	tagMargin = time.Minute
)

// ErrTagFull is returned by a write of a session carrying a tag that already
// indexes MaxTagSessions live sessions; nothing is written.
var ErrTagFull = errors.New("session: too many live sessions carry one tag")

// EndTagged ends every session tagged name at or before at (SetTags's time),
// on every instance sharing the store, and returns how many it ended. It is
// final as Destroy is: once it returned, no request that held such a
// session, renewed it or was storing a login of it leaves a live session
// behind (such a commit fails with ErrEnded), and for EndedTagTTL a session
// so tagged cannot be written again. Sessions tagged after at are left alone.
//
// Its cost is one command on the tag's index, then a read and a
// compare-and-set per session ended; no KEYS or SCAN. Calling it again after an error ends what the first call left.
func (m *Manager) EndTagged(ctx context.Context, name string, at time.Time) (int, error) {
	ti := m.tagIndex()
	switch {
	case !validTagName(name) || at.Unix() <= 0:
		return 0, fmt.Errorf("%w: tag %.64q at %v", ErrValue, name, at)
	case ti == nil:
		return 0, fmt.Errorf("%w: the store keeps no tag index", ErrConfig)
	}
	keys, err := ti.TakeTagged(ctx, m.tagKey(name), at.Unix(), EndedTagTTL)
	if err != nil {
		return 0, unavailable("tag index", err)
	}
	n := 0
	for _, k := range keys {
		id, ok := strings.CutPrefix(k, m.cfg.KeyPrefix)
		if !ok || !validID(id) {
			continue // not one of this Manager's records
		}
		ended, err := m.endTaggedOne(ctx, m.key(id), name, at.Unix())
		if ended {
			n++
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// endTaggedOne clears the record under key if it carries name at or before
// at, with a compare-and-set (replayed if a request saved meanwhile). A
// renewed record (a forward marker) is left alone: the renewal indexed its
// new key before writing it, so the new key is among the logout's keys, or
// the renewal was refused.
func (m *Manager) endTaggedOne(ctx context.Context, key, name string, at int64) (bool, error) {
	raw, found, err := m.store.Load(ctx, key)
	for attempt := 1; ; attempt++ {
		if err != nil {
			return false, unavailable("end tagged", err)
		}
		if !found || !m.tagged(raw, name, at) {
			return false, nil
		}
		var saved bool
		if saved, raw, found, err = m.cas(ctx, key, raw, []byte("{}"), m.cfg.IdleTimeout); saved {
			return true, nil
		}
		if attempt == maxAttempts {
			return false, fmt.Errorf("%w: ending a tagged session", ErrConflict)
		}
	}
}

// tagged reports whether the stored record raw is a session carrying name at
// or before at.
func (m *Manager) tagged(raw []byte, name string, at int64) bool {
	if _, ok := forwardOf(raw); ok {
		return false
	}
	rec, err := m.cfg.Codec.Decode(raw)
	if err != nil || rec.Cleared() {
		return false
	}
	tags, err := tagsOf(rec)
	return err == nil && tags[name] != 0 && tags[name] <= at
}

// tagIndex returns the store's TagIndex, or nil.
func (m *Manager) tagIndex() TagIndex {
	ti, _ := m.store.(TagIndex)
	return ti
}

// tagKey is the store key of name's index.
func (m *Manager) tagKey(name string) string { return m.cfg.TagPrefix + name }

// addTags adds rec's tags for the record about to be written under key,
// kept ttl: a tag ended since the session's login refuses (ErrEnded).
func (m *Manager) addTags(ctx context.Context, rec *Record, key string, ttl time.Duration) error {
	tags, err := tagsOf(rec)
	if err != nil || len(tags) == 0 {
		return err
	}
	ti := m.tagIndex()
	if ti == nil {
		return fmt.Errorf("%w: a tagged session, and the store keeps no tag index", ErrConfig)
	}
	for name, at := range tags {
		if err := ti.AddTag(ctx, m.tagKey(name), key, at, ttl+tagMargin); err != nil {
			if errors.Is(err, ErrEnded) || errors.Is(err, ErrTagFull) {
				return err
			}
			return unavailable("tag index", err)
		}
	}
	return nil
}

// tagsIndexed reports whether the tags rec brings to key (those base, the
// record it replaces under the same key, lacks) are still indexed: false
// when a logout ended one of them after addTags.
func (m *Manager) tagsIndexed(ctx context.Context, rec, base *Record, key string) (bool, error) {
	tags, err := tagsOf(rec)
	if err != nil || len(tags) == 0 {
		return err == nil, err
	}
	old, _ := tagsOf(base)
	for name, at := range tags {
		if prev, ok := old[name]; ok && prev == at {
			continue
		}
		in, err := m.tagIndex().Tagged(ctx, m.tagKey(name), key)
		if err != nil || !in {
			return false, err
		}
	}
	return true, nil
}

// unavailable wraps err in ErrUnavailable unless it already is.
func unavailable(what string, err error) error {
	if errors.Is(err, ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, err)
}
