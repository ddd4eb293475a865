package session

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"
)

// MemoryStore is an in-process AtomicStore with expiry, for tests, demos and
// single-process apps. Expired entries are never returned and are swept as the
// store is written. The zero value is not usable; call NewMemoryStore.
type MemoryStore struct {
	now func() time.Time

	mu     sync.Mutex
	items  map[string]memItem
	writes int
}

type memItem struct {
	value   []byte
	expires time.Time
}

// sweepEvery is how many writes pass between two sweeps of expired entries.
const sweepEvery = 1024

// NewMemoryStore returns an empty MemoryStore. now decides expiry; nil means
// time.Now.
func NewMemoryStore(now func() time.Time) *MemoryStore {
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{now: now, items: make(map[string]memItem)}
}

// Load implements Store.
func (m *MemoryStore) Load(ctx context.Context, key string) ([]byte, bool, error) {
	return m.LoadTouch(ctx, key, 0)
}

// LoadTouch implements AtomicStore; a ttl of 0 leaves the expiry alone.
func (m *MemoryStore) LoadTouch(ctx context.Context, key string, ttl time.Duration) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.getLocked(key)
	if !ok {
		return nil, false, nil
	}
	if ttl > 0 {
		it.expires = m.now().Add(ttl)
		m.items[key] = it
	}
	return bytes.Clone(it.value), true, nil
}

// Save implements Store.
func (m *MemoryStore) Save(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkTTL(ctx, ttl); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.putLocked(key, value, ttl)
	return nil
}

// Delete implements Store.
func (m *MemoryStore) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, key)
	return nil
}

// CompareAndSave implements AtomicStore.
func (m *MemoryStore) CompareAndSave(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, []byte, bool, error) {
	if err := checkTTL(ctx, ttl); err != nil {
		return false, nil, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	it, found := m.getLocked(key)
	if found != (old != nil) || (found && !bytes.Equal(it.value, old)) {
		if !found {
			return false, nil, false, nil
		}
		return false, bytes.Clone(it.value), true, nil
	}
	m.putLocked(key, value, ttl)
	return true, nil, false, nil
}

// Len returns the number of live entries.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked()
	return len(m.items)
}

func (m *MemoryStore) getLocked(key string) (memItem, bool) {
	it, ok := m.items[key]
	if ok && !m.now().Before(it.expires) {
		delete(m.items, key)
		return memItem{}, false
	}
	return it, ok
}

func (m *MemoryStore) putLocked(key string, value []byte, ttl time.Duration) {
	m.items[key] = memItem{value: bytes.Clone(value), expires: m.now().Add(ttl)}
	if m.writes++; m.writes%sweepEvery == 0 {
		m.sweepLocked()
	}
}

func (m *MemoryStore) sweepLocked() {
	now := m.now()
	for k, it := range m.items {
		if !now.Before(it.expires) {
			delete(m.items, k)
		}
	}
}

func checkTTL(ctx context.Context, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if ttl <= 0 {
		return fmt.Errorf("%w: ttl %v is not positive", ErrConfig, ttl)
	}
	return nil
}
