package redisx

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultWaitTimeout bounds a Wait whose Timeout is zero.
const DefaultWaitTimeout = time.Second

// ErrShort is returned by Wait.Pipelined when the write was applied by the
// master but fewer replicas than asked acknowledged it within the timeout, or
// the WAIT's own reply was lost: whether the write survives a failover is
// unknown. Stores wrap it in their own sentinel (session.ErrNotReplicated).
var ErrShort = errors.New("redisx: the write was not acknowledged by enough replicas")

// ErrConfig is returned by NewWait for an invalid option.
var ErrConfig = errors.New("redisx: invalid durability option")

// Wait is the durability option of a Redis-backed store: after each write,
// WAIT Replicas Timeout on the connection that sent it (WAIT counts the
// replicas that acknowledged every write of its own connection). Stores expose
// it as two Config fields, WaitReplicas and WaitTimeout, and build it with
// NewWait. The zero value waits for nothing.
type Wait struct {
	// Replicas is how many replicas must acknowledge a write; 0 turns the
	// option off.
	Replicas int
	// Timeout bounds the wait; never 0 once built by NewWait with Replicas
	// set (WAIT 0 would block for ever).
	Timeout time.Duration
}

// NewWait checks a store's WaitReplicas and WaitTimeout for client c:
// neither negative, and a timeout the client's ReadTimeout leaves time to
// answer (the WAIT is read under that deadline). A zero timeout is
// DefaultWaitTimeout. A Ring cannot keep a write and its WAIT on one
// connection, so it is refused with Replicas set.
func NewWait(c redis.UniversalClient, replicas int, timeout time.Duration) (Wait, error) {
	if replicas < 0 || timeout < 0 {
		return Wait{}, fmt.Errorf("%w: WaitReplicas %d and WaitTimeout %v must not be negative", ErrConfig, replicas, timeout)
	}
	if replicas == 0 {
		return Wait{}, nil
	}
	if timeout == 0 {
		timeout = DefaultWaitTimeout
	}
	var read time.Duration
	switch c := c.(type) {
	case *redis.Client:
		read = c.Options().ReadTimeout
	case *redis.ClusterClient:
		read = c.Options().ReadTimeout
	case *redis.Ring:
		return Wait{}, fmt.Errorf("%w: WaitReplicas needs a single node, Sentinel or Cluster client, not a Ring", ErrConfig)
	}
	if read > 0 && timeout >= read {
		return Wait{}, fmt.Errorf("%w: WaitTimeout %v must be shorter than the client's ReadTimeout %v", ErrConfig, timeout, read)
	}
	return Wait{Replicas: replicas, Timeout: timeout}, nil
}

// On reports whether writes wait for replicas.
func (w Wait) On() bool { return w.Replicas > 0 }

// masterForKey is the method of *redis.ClusterClient that names the client of
// a key's master.
type masterForKey interface {
	MasterForKey(ctx context.Context, key string) (*redis.Client, error)
}

// Pipelined sends the commands queue adds, then WAIT, in one pipeline on one
// connection to the master serving key (on a cluster, that master's own client:
// the cluster client would route the keyless WAIT elsewhere). err is the first
// error of queue's commands: the write may or may not have happened. When they
// all succeeded, short is nil if at least Replicas replicas acknowledged them
// within Timeout (cut to ctx's deadline), else an ErrShort; it is meaningful
// only if the commands wrote something. With the option off, queue's commands
// are sent on c as one pipeline, without WAIT.
func (w Wait) Pipelined(ctx context.Context, c redis.UniversalClient, key string, queue func(redis.Pipeliner)) (short, err error) {
	var target redis.Cmdable = c
	if w.On() {
		if mc, ok := c.(masterForKey); ok {
			node, err := mc.MasterForKey(ctx, key)
			if err != nil {
				return nil, err
			}
			target = node
		}
	}
	p := target.Pipeline()
	queue(p)
	n := p.Len()
	var wait *redis.Cmd
	if w.On() {
		wait = p.Do(ctx, "WAIT", w.Replicas, w.timeout(ctx).Milliseconds())
	}
	cmds, _ := p.Exec(ctx)
	for _, cmd := range cmds[:n] {
		if err := cmd.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return nil, err
		}
	}
	if wait == nil {
		return nil, nil
	}
	return w.check(wait.Int64()), nil
}

// check turns WAIT's reply into Pipelined's short.
func (w Wait) check(acked int64, err error) error {
	switch {
	case err != nil:
		return fmt.Errorf("%w: WAIT failed: %w", ErrShort, err)
	case acked < int64(w.Replicas):
		return fmt.Errorf("%w: %d of %d replicas within %v", ErrShort, acked, w.Replicas, w.Timeout)
	}
	return nil
}

// timeout is Timeout cut to what is left of ctx, at least 1 ms (WAIT 0 waits
// for ever).
func (w Wait) timeout(ctx context.Context) time.Duration {
	t := w.Timeout
	if d, ok := ctx.Deadline(); ok {
		t = min(t, time.Until(d))
	}
	return max(t, time.Millisecond)
}

// RunScript runs s on key with args (EVALSHA, then EVAL when the server does
// not know the script) followed by WAIT, as Pipelined does, and returns the
// script's reply.
func (w Wait) RunScript(ctx context.Context, c redis.UniversalClient, s *redis.Script, key string, args ...any) (cmd *redis.Cmd, short, err error) {
	keys := []string{key}
	short, err = w.Pipelined(ctx, c, key, func(p redis.Pipeliner) { cmd = s.EvalSha(ctx, p, keys, args...) })
	if redis.HasErrorPrefix(err, "NOSCRIPT") {
		short, err = w.Pipelined(ctx, c, key, func(p redis.Pipeliner) { cmd = s.Eval(ctx, p, keys, args...) })
	}
	return cmd, short, err
}

// SetOnce sends SET key 1 NX PX ttl (ttl rounded up to the millisecond, at
// least one), followed by WAIT in one pipeline when w is on, and reports
// whether key was new: the one command of a store of one-time ids. err is
// the command's error (pass it through the store's Reloader); short, with
// fresh, says the write was not acknowledged by enough replicas (Pipelined).
func SetOnce(ctx context.Context, c redis.UniversalClient, w Wait, key string, ttl time.Duration) (fresh bool, short, err error) {
	ttl = max((ttl + time.Millisecond - 1).Truncate(time.Millisecond), time.Millisecond)
	var set *redis.BoolCmd
	if w.On() {
		short, err = w.Pipelined(ctx, c, key, func(p redis.Pipeliner) { set = p.SetNX(ctx, key, 1, ttl) })
	} else {
		set = c.SetNX(ctx, key, 1, ttl)
	}
	if err == nil {
		err = set.Err()
	}
	if err != nil {
		return false, nil, err
	}
	return set.Val(), short, nil
}
