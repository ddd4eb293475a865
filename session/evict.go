package session

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// indexScript adds ARGV[1] to the set KEYS[1] and extends the set's TTL to at
// least ARGV[2] ms.
var indexScript = redis.NewScript(`
redis.call('SADD', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`)

// evictScript deletes KEYS[1] if it is a record of user ARGV[1]: an mgsession
// record's user_id, or an aiohttp_session record's session[ARGV[2]]. The check
// and the delete are one atomic step, so a key reused by another user survives.
var evictScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local ok, d = pcall(cjson.decode, v)
if not ok or type(d) ~= 'table' then return 0 end
local uid = d['user_id']
if uid == nil and type(d['session']) == 'table' then uid = d['session'][ARGV[2]] end
if uid == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0
`)

// IndexSession implements Indexer: it records key in the user's index set, whose
// TTL is kept at least ttl. Pass MGSessions as Config.Index of a Manager to index
// its aiohttp_session records too.
func (g *MGSessions) IndexSession(ctx context.Context, userID, key string, ttl time.Duration) error {
	ms := max(ttl.Milliseconds(), 1)
	if err := indexScript.Run(ctx, g.client, []string{g.cfg.IndexPrefix + userID}, key, ms).Err(); err != nil {
		return fmt.Errorf("%w: index: %w", ErrUnavailable, g.reload.Check(ctx, err))
	}
	return nil
}

// Indexed implements IndexChecker: whether key is in userID's index.
func (g *MGSessions) Indexed(ctx context.Context, userID, key string) (bool, error) {
	in, err := g.client.SIsMember(ctx, g.cfg.IndexPrefix+userID, key).Result()
	if err != nil {
		return false, fmt.Errorf("%w: index: %w", ErrUnavailable, g.reload.Check(ctx, err))
	}
	return in, nil
}

// maxEvictRounds bounds how often EvictUser re-reads an index that keeps
// growing (logins of the user arriving while it runs).
const maxEvictRounds = 64

// EvictUser deletes every session record of userID: those in its index, then,
// unless IndexOnly, those found by SCAN (never KEYS) over mgsession records and
// the AiohttpPrefixes, which other services write without indexing. It returns
// how many records it deleted.
//
// It reads the index until it is empty, taking each key out of it before
// deleting the record. Writers index a record before they write it, and a
// Manager (or Create) writing a record that brings the user in checks afterwards
// that its key is still indexed, ending the record again otherwise; so once
// EvictUser returned, no request that held one of the user's sessions, or was
// logging the user in while it ran, leaves a live session behind.
func (g *MGSessions) EvictUser(ctx context.Context, userID string) (int, error) {
	if userID == "" {
		return 0, fmt.Errorf("%w: empty user id", ErrValue)
	}
	idx := g.cfg.IndexPrefix + userID
	n := 0
	for round := 0; round < maxEvictRounds; round++ {
		members, err := g.client.SMembers(ctx, idx).Result()
		if err != nil {
			return n, g.unavailable(ctx, err)
		}
		if len(members) == 0 {
			break
		}
		// SREM, not DEL: entries added since SMEMBERS are the next round's.
		if err := g.client.SRem(ctx, idx, toAny(members)...).Err(); err != nil {
			return n, g.unavailable(ctx, err)
		}
		m, err := g.evictKeys(ctx, userID, members)
		if n += m; err != nil {
			return n, err
		}
	}
	if g.cfg.IndexOnly {
		return n, nil
	}
	patterns := []string{globEscape(g.cfg.KeyPrefix) + "*"}
	for _, p := range g.cfg.AiohttpPrefixes {
		patterns = append(patterns, globEscape(p)+"*")
	}
	var scanned atomic.Int64 // cluster masters are walked concurrently
	err := g.forEachNode(ctx, func(ctx context.Context, c redis.Cmdable) error {
		for _, p := range patterns {
			m, err := g.scanEvict(ctx, c, p, userID)
			scanned.Add(int64(m))
			if err != nil {
				return err
			}
		}
		return nil
	})
	return n + int(scanned.Load()), err
}

func (g *MGSessions) evictKeys(ctx context.Context, userID string, keys []string) (int, error) {
	n := 0
	for _, k := range keys {
		d, err := evictScript.Run(ctx, g.client, []string{k}, userID, g.cfg.UserIDKey).Int()
		if err != nil {
			return n, fmt.Errorf("%w: evict %s: %w", ErrUnavailable, k, g.reload.Check(ctx, err))
		}
		n += d
	}
	return n, nil
}

// scanEvict walks one node's keyspace matching pattern with SCAN.
func (g *MGSessions) scanEvict(ctx context.Context, c redis.Cmdable, pattern, userID string) (int, error) {
	n := 0
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, pattern, 500).Result()
		if err != nil {
			return n, fmt.Errorf("%w: scan: %w", ErrUnavailable, g.reload.Check(ctx, err))
		}
		m, err := g.evictKeys(ctx, userID, keys)
		if n += m; err != nil {
			return n, err
		}
		if cursor = next; cursor == 0 {
			return n, nil
		}
	}
}

// forEachNode runs f on every master of a cluster, or on the client itself.
func (g *MGSessions) forEachNode(ctx context.Context, f func(context.Context, redis.Cmdable) error) error {
	if cc, ok := g.client.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return f(ctx, c) })
	}
	return f(ctx, g.client)
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// globEscape quotes SCAN MATCH's special characters.
func globEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`)
	return r.Replace(s)
}
