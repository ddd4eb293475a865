package session

import (
	"context"
	"fmt"
	"time"
)

// memTag is one tag's index in a MemoryStore: Redis's hash, in a map.
type memTag struct {
	entries map[string]memTagEntry // session key → entry
	ended   int64                  // at of the last TakeTagged, 0 if none
	expires time.Time              // the whole index's, as the Redis key's TTL
}

type memTagEntry struct {
	at      int64
	expires time.Time
}

// AddTag implements TagIndex. The number of tags is bounded by the store's
// entry bound: past it, AddTag fails (ErrUnavailable) rather than forget an
// index a live session needs.
func (m *MemoryStore) AddTag(ctx context.Context, index, key string, at int64, ttl time.Duration) error {
	if err := checkTTL(ctx, ttl); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	t := m.tagLocked(index, now)
	if t == nil {
		if len(m.tags) >= m.max {
			m.sweepTagsLocked(now)
		}
		if len(m.tags) >= m.max {
			return fmt.Errorf("%w: %d tag indexes", ErrUnavailable, m.max)
		}
		t = &memTag{entries: map[string]memTagEntry{}}
		m.tags[index] = t
	}
	if t.ended >= at {
		return fmt.Errorf("%w: the session's tag was ended by a logout", ErrEnded)
	}
	if _, ok := t.entries[key]; !ok {
		if len(t.entries) >= tagPruneFrom {
			t.prune(now)
		}
		if len(t.entries) >= MaxTagSessions {
			return fmt.Errorf("%w: %d", ErrTagFull, MaxTagSessions)
		}
	}
	t.entries[key] = memTagEntry{at: at, expires: now.Add(ttl)}
	t.expires = later(t.expires, now.Add(ttl))
	return nil
}

// Tagged implements TagIndex.
func (m *MemoryStore) Tagged(ctx context.Context, index, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t := m.tagLocked(index, m.now())
	if t == nil {
		return false, nil
	}
	e, ok := t.entries[key]
	return ok && e.at > t.ended, nil
}

// TakeTagged implements TagIndex.
func (m *MemoryStore) TakeTagged(ctx context.Context, index string, at int64, ttl time.Duration) ([]string, error) {
	if err := checkTTL(ctx, ttl); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	t := m.tagLocked(index, now)
	if t == nil {
		t = &memTag{entries: map[string]memTagEntry{}}
		m.tags[index] = t // beyond the bound if need be: a logout is never refused for room
	}
	t.ended = max(t.ended, at)
	t.expires = later(t.expires, now.Add(ttl))
	var keys []string
	for k, e := range t.entries {
		if e.at <= at && !now.After(e.expires) {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// tagLocked returns index's live tag, or nil; m.mu is held.
func (m *MemoryStore) tagLocked(index string, now time.Time) *memTag {
	t := m.tags[index]
	if t != nil && now.After(t.expires) {
		delete(m.tags, index)
		return nil
	}
	return t
}

// sweepTagsLocked drops every expired tag index; m.mu is held.
func (m *MemoryStore) sweepTagsLocked(now time.Time) {
	for k, t := range m.tags {
		if now.After(t.expires) {
			delete(m.tags, k)
		}
	}
}

// prune drops the expired entries.
func (t *memTag) prune(now time.Time) {
	for k, e := range t.entries {
		if now.After(e.expires) {
			delete(t.entries, k)
		}
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
