package session

import (
	"context"
	"sync"
)

// idLocks serialises the commits of one process to one session id, so that
// requests of the same process never race each other's compare-and-set: each
// commit starts from the value the previous one wrote. An entry lives only while
// a commit holds or waits for it, so memory is bounded by the commits in flight.
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

// lock waits for id's lock, or for ctx to end.
func (ls *idLocks) lock(ctx context.Context, id string) (*idLock, error) {
	ls.mu.Lock()
	if ls.m == nil {
		ls.m = make(map[string]*idLock)
	}
	l := ls.m[id]
	if l == nil {
		l = &idLock{sem: make(chan struct{}, 1)}
		ls.m[id] = l
	}
	l.refs++
	ls.mu.Unlock()
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
