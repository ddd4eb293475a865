package session

import (
	"bytes"
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"
)

// MemoryStore is an in-process AtomicStore with expiry and a TagIndex, for
// tests, demos and single-process apps. Expired entries are never returned; they are removed
// when touched and by a sweep that runs on every write, which takes entries
// off a heap ordered by expiry, so a million expired records cost one pass and
// no scan. The number of entries is bounded (DefaultMemoryStoreMax, or
// MemoryStoreMax): a write beyond it first drops the entry closest to expiry.
// The zero value is not usable; call NewMemoryStore.
type MemoryStore struct {
	now func() time.Time
	max int

	mu    sync.Mutex
	items map[string]memItem
	heap  expiryHeap         // one node per write; stale nodes are skipped
	tags  map[string]*memTag // the tag index (TagIndex), by index key
}

type memItem struct {
	value   []byte
	expires time.Time
	seq     uint64 // the write that set it; matches its live heap node
}

// DefaultMemoryStoreMax bounds a MemoryStore's entries unless MemoryStoreMax
// says otherwise.
const DefaultMemoryStoreMax = 1 << 20

// MemoryOption configures NewMemoryStore.
type MemoryOption func(*MemoryStore)

// MemoryStoreMax bounds the store to n entries (n > 0).
func MemoryStoreMax(n int) MemoryOption {
	return func(m *MemoryStore) {
		if n > 0 {
			m.max = n
		}
	}
}

// NewMemoryStore returns an empty MemoryStore. now decides expiry; nil means
// time.Now.
func NewMemoryStore(now func() time.Time, opts ...MemoryOption) *MemoryStore {
	if now == nil {
		now = time.Now
	}
	m := &MemoryStore{now: now, max: DefaultMemoryStoreMax, items: make(map[string]memItem), tags: make(map[string]*memTag)}
	for _, o := range opts {
		o(m)
	}
	return m
}

// Load implements Store.
func (m *MemoryStore) Load(ctx context.Context, key string) ([]byte, bool, error) {
	return m.LoadTouch(ctx, key, 0)
}

// LoadTouch implements AtomicStore; a ttl of 0 leaves the expiry alone.
func (m *MemoryStore) LoadTouch(ctx context.Context, key string, ttl time.Duration) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.getLocked(key)
	if !ok {
		return nil, false, nil
	}
	if ttl > 0 {
		m.putLocked(key, it.value, ttl)
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
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
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
	m.sweepLocked(m.now())
	return len(m.items)
}

func (m *MemoryStore) getLocked(key string) (memItem, bool) {
	now := m.now()
	m.sweepLocked(now)
	it, ok := m.items[key]
	if ok && !now.Before(it.expires) {
		delete(m.items, key)
		return memItem{}, false
	}
	return it, ok
}

func (m *MemoryStore) putLocked(key string, value []byte, ttl time.Duration) {
	now := m.now()
	m.sweepLocked(now)
	if _, ok := m.items[key]; !ok && len(m.items) >= m.max {
		m.dropSoonestLocked()
	}
	seq := m.heap.seq + 1
	m.heap.seq = seq
	it := memItem{value: bytes.Clone(value), expires: now.Add(ttl), seq: seq}
	m.items[key] = it
	m.heap.push(expiryNode{key: key, expires: it.expires, seq: seq})
	if len(m.heap.nodes) > 2*len(m.items)+64 {
		m.rebuildLocked() // updates left too many stale nodes
	}
}

// sweepLocked removes every entry expired at now: the heap's top nodes.
func (m *MemoryStore) sweepLocked(now time.Time) {
	for len(m.heap.nodes) > 0 && !now.Before(m.heap.nodes[0].expires) {
		n := m.heap.pop()
		if it, ok := m.items[n.key]; ok && it.seq == n.seq {
			delete(m.items, n.key)
		}
	}
}

// dropSoonestLocked removes the live entry closest to expiry.
func (m *MemoryStore) dropSoonestLocked() {
	for len(m.heap.nodes) > 0 {
		n := m.heap.pop()
		if it, ok := m.items[n.key]; ok && it.seq == n.seq {
			delete(m.items, n.key)
			return
		}
	}
}

func (m *MemoryStore) rebuildLocked() {
	m.heap.nodes = m.heap.nodes[:0]
	for k, it := range m.items {
		m.heap.nodes = append(m.heap.nodes, expiryNode{key: k, expires: it.expires, seq: it.seq})
	}
	heap.Init(&m.heap)
}

// expiryNode is a heap entry: key expires then, as set by write seq.
type expiryNode struct {
	key     string
	expires time.Time
	seq     uint64
}

// expiryHeap is a min-heap of expiryNode by expires (container/heap).
type expiryHeap struct {
	nodes []expiryNode
	seq   uint64 // the last write's sequence number
}

func (h *expiryHeap) Len() int           { return len(h.nodes) }
func (h *expiryHeap) Less(i, j int) bool { return h.nodes[i].expires.Before(h.nodes[j].expires) }
func (h *expiryHeap) Swap(i, j int)      { h.nodes[i], h.nodes[j] = h.nodes[j], h.nodes[i] }
func (h *expiryHeap) Push(x any)         { h.nodes = append(h.nodes, x.(expiryNode)) }
func (h *expiryHeap) Pop() any {
	n := h.nodes[len(h.nodes)-1]
	h.nodes = h.nodes[:len(h.nodes)-1]
	return n
}
func (h *expiryHeap) push(n expiryNode) { heap.Push(h, n) }
func (h *expiryHeap) pop() expiryNode   { return heap.Pop(h).(expiryNode) }

func checkTTL(ctx context.Context, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if ttl <= 0 {
		return fmt.Errorf("%w: ttl %v is not positive", ErrConfig, ttl)
	}
	return nil
}
