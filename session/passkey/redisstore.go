package passkey

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redisx"
)

// DefaultRedisPrefix prefixes RedisStore's keys.
const DefaultRedisPrefix = "sesame.passkey."

// RedisStore is a UserStore in Redis: the user record (webauthn-rs credentials
// inside) under <prefix>user.<id>, and indexes <prefix>name.<name> and
// <prefix>cred.<base64url id> holding the user id. Single-key commands only,
// so a single node, Sentinel and Cluster all work; updates are a
// compare-and-set of the user record.
type RedisStore struct {
	client redis.UniversalClient
	prefix string
	cas    *redis.Script // replaces KEYS[1] by ARGV[2] only if it still holds ARGV[1]
	reload *redisx.Reloader
}

// NewRedisStore returns a RedisStore on client with keys under prefix
// (DefaultRedisPrefix when empty).
func NewRedisStore(client redis.UniversalClient, prefix string) *RedisStore {
	if prefix == "" {
		prefix = DefaultRedisPrefix
	}
	return &RedisStore{client: client, prefix: prefix, reload: redisx.NewReloader(client, nil), cas: redis.NewScript(
		`if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0`)}
}

// unavailable wraps the error of a command in ErrUnavailable, once the
// Reloader saw it (on a cluster client, a connection error reloads the slot
// map).
func (s *RedisStore) unavailable(ctx context.Context, err error) error {
	return fmt.Errorf("%w: %w", ErrUnavailable, s.reload.Check(ctx, err))
}

func (s *RedisStore) userKey(id string) string { return s.prefix + "user." + id }

// AddUser adds u (its credentials too); ErrDuplicate when its id, name or a
// credential id is taken.
func (s *RedisStore) AddUser(ctx context.Context, u User) error {
	rec, err := encodeUser(&u)
	if err != nil {
		return err
	}
	ok, err := s.client.SetNX(ctx, s.prefix+"name."+u.Name, u.ID, 0).Result()
	if err != nil {
		return s.unavailable(ctx, err)
	}
	if !ok {
		return fmt.Errorf("%w: user name %s", ErrDuplicate, quote(u.Name))
	}
	for _, c := range u.Credentials {
		if err := s.claimCredential(ctx, u.ID, c.ID); err != nil {
			return err
		}
	}
	ok, err = s.client.SetNX(ctx, s.userKey(u.ID), rec, 0).Result()
	if err != nil {
		return s.unavailable(ctx, err)
	}
	if !ok {
		return fmt.Errorf("%w: user id %s", ErrDuplicate, quote(u.ID))
	}
	return nil
}

func (s *RedisStore) claimCredential(ctx context.Context, userID string, id []byte) error {
	ok, err := s.client.SetNX(ctx, s.prefix+"cred."+credKey(id), userID, 0).Result()
	if err != nil {
		return s.unavailable(ctx, err)
	}
	if !ok {
		return fmt.Errorf("%w: credential", ErrDuplicate)
	}
	return nil
}

func (s *RedisStore) load(ctx context.Context, id string) (*User, []byte, error) {
	if id == "" || len(id) > MaxUserIDSize {
		return nil, nil, fmt.Errorf("%w: %s", ErrUnknownUser, quote(id))
	}
	key := s.userKey(id)
	n, err := s.client.StrLen(ctx, key).Result()
	if err != nil {
		return nil, nil, s.unavailable(ctx, err)
	}
	if n > MaxRecordSize {
		return nil, nil, fmt.Errorf("%w: user record of %d bytes", ErrFormat, n)
	}
	raw, err := s.client.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil, fmt.Errorf("%w: %s", ErrUnknownUser, quote(id))
	}
	if err != nil {
		return nil, nil, s.unavailable(ctx, err)
	}
	u, err := decodeUser(raw)
	if err != nil {
		return nil, nil, err
	}
	if u.ID != id {
		return nil, nil, fmt.Errorf("%w: record of %s holds id %s", ErrFormat, quote(id), quote(u.ID))
	}
	return u, raw, nil
}

// UserByID implements UserStore.
func (s *RedisStore) UserByID(ctx context.Context, id string) (*User, error) {
	u, _, err := s.load(ctx, id)
	return u, err
}

// UserByName implements UserStore.
func (s *RedisStore) UserByName(ctx context.Context, name string) (*User, error) {
	id, err := s.client.Get(ctx, s.prefix+"name."+name).Result()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w: %s", ErrUnknownUser, quote(name))
	}
	if err != nil {
		return nil, s.unavailable(ctx, err)
	}
	u, err := s.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.Name != name {
		return nil, fmt.Errorf("%w: %s (stale name index)", ErrUnknownUser, quote(name))
	}
	return u, nil
}

// Credentials implements UserStore.
func (s *RedisStore) Credentials(ctx context.Context, userID string) ([]Credential, error) {
	u, err := s.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	return u.Credentials, nil
}

// modify applies f to the user record with compare-and-set, a few times.
func (s *RedisStore) modify(ctx context.Context, userID string, f func(u *User) error) error {
	for range 8 {
		u, raw, err := s.load(ctx, userID)
		if err != nil {
			return err
		}
		if err := f(u); err != nil {
			return err
		}
		rec, err := encodeUser(u)
		if err != nil {
			return err
		}
		n, err := s.cas.Run(ctx, s.client, []string{s.userKey(userID)}, raw, rec).Int()
		if err != nil {
			return s.unavailable(ctx, err)
		}
		if n == 1 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return fmt.Errorf("%w: too many concurrent writers of %s", ErrUnavailable, quote(userID))
}

// AddCredential implements UserStore.
func (s *RedisStore) AddCredential(ctx context.Context, userID string, c Credential) error {
	if _, err := s.UserByID(ctx, userID); err != nil {
		return err
	}
	if err := s.claimCredential(ctx, userID, c.ID); err != nil {
		return err
	}
	return s.modify(ctx, userID, func(u *User) error {
		u.Credentials = append(u.Credentials, c)
		return nil
	})
}

func (s *RedisStore) modifyCredential(ctx context.Context, userID string, credID []byte, f func(*Credential) error) error {
	return s.modify(ctx, userID, func(u *User) error {
		for i := range u.Credentials {
			if bytes.Equal(u.Credentials[i].ID, credID) {
				return f(&u.Credentials[i])
			}
		}
		return fmt.Errorf("%w: not one of %s's", ErrUnknownCredential, quote(userID))
	})
}

// UpdateCredential implements UserStore.
func (s *RedisStore) UpdateCredential(ctx context.Context, userID string, c Credential) error {
	return s.modifyCredential(ctx, userID, c.ID, func(old *Credential) error { replaceCredential(old, c); return nil })
}

// BumpCounter implements UserStore.
func (s *RedisStore) BumpCounter(ctx context.Context, userID string, credID []byte, from, to uint32) error {
	return s.modifyCredential(ctx, userID, credID, func(c *Credential) error { return bump(c, from, to) })
}
