// Package redisx holds what Sesame's Redis-backed types share beyond
// go-redis itself: a Reloader that gets a cluster client to reload its slot
// map after a connection error, so that commands reach a promoted replica
// within seconds instead of at go-redis's next periodic reload (60 s by
// default), and Wait, the durability option that follows a write with WAIT on
// the same connection.
//
// Every Redis-backed store (session.RedisStore and MGSessions, certcache,
// hosting, passkey.RedisStore) passes each command error through its
// Reloader; a store that offers durability (session.RedisStore today, the jti
// stores tomorrow) spells the option WaitReplicas and WaitTimeout on its
// Config and builds a Wait with NewWait.
package redisx

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ReloadInterval is the shortest time between two slot-map reloads one
// Reloader asks for. A failover's promotion happens a few seconds after the
// master died; asking again at most this often puts commands on the promoted
// replica at most this long after the promotion, while a burst of failing
// commands costs one CLUSTER SLOTS per interval.
const ReloadInterval = 500 * time.Millisecond

// stateReloader is the one method of *redis.ClusterClient a Reloader calls.
type stateReloader interface {
	ReloadState(ctx context.Context)
}

// Reloader asks a cluster client to reload its slot map after a connection
// error, at most once per ReloadInterval. go-redis reloads by itself on MOVED
// and ASK replies and every ClusterStateReloadInterval (60 s by default), but
// not when the master of a slot stops answering: until the next reload every
// command of that slot goes to the dead address. Built on any other client it
// does nothing. The zero value and a nil *Reloader do nothing either.
type Reloader struct {
	client stateReloader // nil when the client is not a cluster client
	logger *slog.Logger
	start  time.Time    // origin of next, for a monotonic reading
	next   atomic.Int64 // nanoseconds after start before which no reload is asked
	asked  atomic.Int64 // reloads asked, for tests
}

// NewReloader returns a Reloader for c. logger (nil discards) hears of each
// reload asked.
func NewReloader(c redis.UniversalClient, logger *slog.Logger) *Reloader {
	r := &Reloader{logger: logger, start: time.Now()}
	if sr, ok := c.(stateReloader); ok {
		r.client = sr
	}
	return r
}

// Check returns err unchanged, after asking the cluster client to reload its
// slot map if err says its node may be gone (see NeedsReload) and no reload
// was asked within ReloadInterval. The reload runs in the background
// (go-redis's ReloadState); the command that failed is not retried.
func (r *Reloader) Check(ctx context.Context, err error) error {
	if r == nil || r.client == nil || !NeedsReload(err) {
		return err
	}
	now := int64(time.Since(r.start))
	next := r.next.Load()
	if now < next || !r.next.CompareAndSwap(next, now+int64(ReloadInterval)) {
		return err
	}
	r.asked.Add(1)
	r.client.ReloadState(ctx)
	if r.logger != nil {
		r.logger.LogAttrs(ctx, slog.LevelWarn, "redis cluster command failed; reloading the slot map", slog.String("err", err.Error()))
	}
	return err
}

// Reloads returns how many reloads r asked for.
func (r *Reloader) Reloads() int64 {
	if r == nil {
		return 0
	}
	return r.asked.Load()
}

// NeedsReload reports whether err, returned by a go-redis command, says the
// node that was asked may no longer serve the slot: a transport error (refused,
// reset, EOF, a read timeout, a pool timeout), a deadline that ran out
// meanwhile, or a reply that the cluster is changing (CLUSTERDOWN, TRYAGAIN,
// MASTERDOWN, LOADING, READONLY, MOVED, ASK). A reply of the server about the
// command itself (WRONGTYPE, a script error, …), redis.Nil and a cancelled
// context are not.
func NeedsReload(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) || errors.Is(err, context.Canceled) {
		return false
	}
	var reply redis.Error
	if !errors.As(err, &reply) {
		return true // not a reply: the connection failed
	}
	if _, ok := redis.IsMovedError(err); ok {
		return true
	}
	if _, ok := redis.IsAskError(err); ok {
		return true
	}
	return redis.IsClusterDownError(err) || redis.IsTryAgainError(err) || redis.IsMasterDownError(err) ||
		redis.IsLoadingError(err) || redis.IsReadOnlyError(err)
}
