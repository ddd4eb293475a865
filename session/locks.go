package session

import (
	"context"
	"sync"
)

// idLocks serialises the commits of one process to one session id, so that
// requests of the same process never race each other's compare-and-set: each
// commit starts from the value the previous one wrote. An entry lives only while
// a request that loaded the id is in flight, so memory is bounded by the
// requests in flight.
type idLocks struct {
	mu sync.Mutex
	m  map[string]*idLock
}

// idLock is one session id's lock and the last value this process saw stored
// under the id while the lock was in use.
type idLock struct {
	sem    chan struct{}
	refs   int    // holders and waiters; guarded by idLocks.mu
	latest []byte // guarded by sem: the stored value after the last commit, nil if unknown
}

// pin keeps id's entry, and the value it remembers, alive until release: the
// middleware pins a session's id from its load to the end of the request, so
// that its commit learns of every commit this process made since the load.
func (ls *idLocks) pin(id string) *idLock {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.m == nil {
		ls.m = make(map[string]*idLock)
	}
	l := ls.m[id]
	if l == nil {
		l = &idLock{sem: make(chan struct{}, 1)}
		ls.m[id] = l
	}
	l.refs++
	return l
}

// lock waits for id's lock, or for ctx to end.
func (ls *idLocks) lock(ctx context.Context, id string) (*idLock, error) {
	l := ls.pin(id)
	select {
	case l.sem <- struct{}{}:
		return l, nil
	case <-ctx.Done():
		ls.release(id, l)
		return nil, ctx.Err()
	}
}

// unlock releases a lock taken by lock.
func (ls *idLocks) unlock(id string, l *idLock) {
	<-l.sem
	ls.release(id, l)
}

func (ls *idLocks) release(id string, l *idLock) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if l.refs--; l.refs == 0 {
		delete(ls.m, id)
	}
}
