// Package redisread reads one Redis string record of bounded size in one
// round trip: a record over the bound is neither transferred nor touched, so
// a peer (or an attacker with write access to Redis) cannot make every
// reader pull megabytes, and a read never renews the TTL of a record it is
// about to refuse.
package redisread

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Errors of Get; a Redis failure is returned as go-redis gives it.
var (
	// ErrNotFound: no record under the key.
	ErrNotFound = errors.New("redisread: no record")
	// ErrTooLarge: the record is longer than the bound (its length is in the
	// message); nothing of it was transferred.
	ErrTooLarge = errors.New("redisread: record too large")
	// ErrWrongType: the key holds a hash, list or other non-string value.
	ErrWrongType = errors.New("redisread: not a string record")
)

// boundedGet answers -1 when the key holds another type than a string, the
// length when it is longer than ARGV[1], 0 when the key is absent, and the
// value otherwise. One script, so the length and the value are of the same
// record; two commands inside it (STRLEN, GET).
const boundedGet = `
local n = redis.pcall('STRLEN', KEYS[1])
if type(n) == 'table' then return -1 end
if n > tonumber(ARGV[1]) then return n end
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
return v
`

// Script is the script Get runs (EVALSHA, then EVAL when the server does not
// hold it yet), for callers that load it ahead (SCRIPT LOAD) so that every
// read is one EVALSHA.
func Script() *redis.Script { return redis.NewScript(boundedGet) }

// Get returns the string stored at key if it is at most max bytes long.
// It neither reads nor changes the key's TTL.
func Get(ctx context.Context, c redis.Scripter, key string, max int) ([]byte, error) {
	v, err := Script().Run(ctx, c, []string{key}, max).Result()
	if err != nil {
		return nil, err
	}
	switch t := v.(type) {
	case string:
		return []byte(t), nil
	case int64:
		switch {
		case t == 0:
			return nil, ErrNotFound
		case t < 0:
			return nil, ErrWrongType
		default:
			return nil, fmt.Errorf("%w: %d bytes (max %d)", ErrTooLarge, t, max)
		}
	}
	return nil, fmt.Errorf("redisread: unexpected reply %T", v)
}
