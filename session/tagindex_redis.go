package session

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// A tag's index in Redis is one hash, so every operation on it is one
// single-key script or command and works on Cluster: each field is the store
// key of a session carrying the tag, its value "<at>:<unix ms the entry
// expires>", and the field "!ended" (never a session key) holds the at of the
// last EndTagged. The hash lives as long as its longest entry, and at least
// EndedTagTTL after an EndTagged.
const tagEndedField = "!ended"

// tagPruneFrom is the hash length from which adding a session first drops
// the expired entries.
const tagPruneFrom = 32

// tagAddScript adds ARGV[1] to the hash KEYS[1] at ARGV[2] for ARGV[3] ms,
// unless the tag was ended at or after ARGV[2] (0) or ARGV[4] live sessions
// already carry it (-1).
var tagAddScript = redis.NewScript(`
local at = tonumber(ARGV[2])
local ended = tonumber(redis.call('HGET', KEYS[1], '!ended') or '0')
if ended >= at then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  local n = redis.call('HLEN', KEYS[1])
  if n >= tonumber(ARGV[5]) then
    local all = redis.call('HGETALL', KEYS[1])
    for i = 1, #all, 2 do
      local exp = tonumber(string.match(all[i+1], ':(%d+)$'))
      if exp and exp < now then redis.call('HDEL', KEYS[1], all[i]) n = n - 1 end
    end
  end
  if ended > 0 then n = n - 1 end
  if n >= tonumber(ARGV[4]) then return -1 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. string.format('%.0f', now + ttl))
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`)

// tagTakeScript marks the hash KEYS[1] ended at ARGV[1] (unless it already
// is, later), keeps it at least ARGV[2] ms, and returns the unexpired
// sessions added at or before ARGV[1].
var tagTakeScript = redis.NewScript(`
local at = tonumber(ARGV[1])
local ended = tonumber(redis.call('HGET', KEYS[1], '!ended') or '0')
if ended < at then redis.call('HSET', KEYS[1], '!ended', ARGV[1]) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #all, 2 do
  local s, exp = string.match(all[i+1], '^(%d+):(%d+)$')
  if s and tonumber(s) <= at and tonumber(exp) >= now then out[#out+1] = all[i] end
end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return out
`)

// AddTag implements TagIndex with one EVALSHA (then WAIT, with
// WaitReplicas).
func (s *RedisStore) AddTag(ctx context.Context, index, key string, at int64, ttl time.Duration) error {
	if err := checkTTL(ctx, ttl); err != nil {
		return err
	}
	cmd, short, err := s.script(ctx, tagAddScript, index, key, at, max(ttl.Milliseconds(), 1), MaxTagSessions, tagPruneFrom)
	var res int64
	if err == nil {
		res, err = cmd.Int64()
	}
	switch {
	case err != nil:
		return s.unavailable(ctx, err)
	case res == 0:
		return fmt.Errorf("%w: the session's tag was ended by a logout", ErrEnded)
	case res < 0:
		return fmt.Errorf("%w: %d", ErrTagFull, MaxTagSessions)
	}
	return notReplicated(short)
}

// Tagged implements TagIndex with one HMGET.
func (s *RedisStore) Tagged(ctx context.Context, index, key string) (bool, error) {
	vals, err := s.client.HMGet(ctx, index, key, tagEndedField).Result()
	if err != nil {
		return false, s.unavailable(ctx, err)
	}
	entry, _ := vals[0].(string)
	ended, _ := vals[1].(string)
	return taggedEntry(entry, ended), nil
}

// taggedEntry reports whether an index entry "<at>:<expiry>" ("" for none)
// outlives the tag's end mark ended ("" for none).
func taggedEntry(entry, ended string) bool {
	atStr, _, ok := strings.Cut(entry, ":")
	at, err := strconv.ParseInt(atStr, 10, 64)
	if !ok || err != nil {
		return false
	}
	if ended == "" {
		return true
	}
	e, err := strconv.ParseInt(ended, 10, 64)
	return err == nil && e < at
}

// TakeTagged implements TagIndex with one EVALSHA (then WAIT, with
// WaitReplicas).
func (s *RedisStore) TakeTagged(ctx context.Context, index string, at int64, ttl time.Duration) ([]string, error) {
	if err := checkTTL(ctx, ttl); err != nil {
		return nil, err
	}
	cmd, short, err := s.script(ctx, tagTakeScript, index, at, max(ttl.Milliseconds(), 1))
	var keys []string
	if err == nil {
		keys, err = cmd.StringSlice()
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, s.unavailable(ctx, err)
	}
	return keys, notReplicated(short)
}
