package session

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sesame-go/sesame/internal/browser"
	"github.com/sesame-go/sesame/internal/redisx"
)

// MGRecord is a MilleGrilles mgsession.<challenge> record. It is also the
// content of the sealed mgsession cookie, there without NomUsager.
type MGRecord struct {
	UserID     string `json:"user_id"`    // the user's id (the index key)
	Hostname   string `json:"hostname"`   // the host the session was opened on
	Challenge  string `json:"challenge"`  // the record's key suffix and cookie id
	Expiration int64  `json:"expiration"` // unix seconds
	NomUsager  string `json:"nomUsager"`  // the user name
}

// MGConfig tunes MGSessions. The zero value is MilleGrilles' layout with secure
// cookie attributes.
type MGConfig struct {
	// KeyPrefix precedes the challenge in record keys; default "mgsession.".
	KeyPrefix string
	// CookieName names the sealed cookie; default "mgsession".
	CookieName string
	// SecretKey is the Redis key of the 32-byte standard-base64 secretbox key;
	// default "webauth.cookies.secret". It is read, never written: see
	// "Cookie secret rotation" in the package doc.
	SecretKey string
	// SecretRefresh is how long the secret read from SecretKey is used before
	// it is read again (one GET, one request at a time); default
	// DefaultSecretRefresh.
	SecretRefresh time.Duration
	// SecretGrace is how long after a rotation is seen the previous secret
	// still opens cookies (never seals); default DefaultSecretGrace.
	SecretGrace time.Duration
	// IndexPrefix precedes a user id in the key of that user's session index (a
	// Redis set); default "sesame.user_sessions.".
	IndexPrefix string
	// AiohttpPrefixes are the key prefixes of aiohttp_session records that
	// EvictUser scans for; default {"auth.aiohttp_"}.
	AiohttpPrefixes []string
	// UserIDKey is the aiohttp_session entry naming the user; default "userId".
	UserIDKey string
	// IndexOnly makes EvictUser trust the index alone and skip the SCAN for
	// records written by other services.
	IndexOnly bool
	// Domain and Path are the cookie's attributes; Path defaults to "/". A
	// "__Host-" CookieName needs Path "/" and no Domain.
	Domain, Path string
	// InsecureCookie drops the cookie's Secure attribute (local HTTP only).
	InsecureCookie bool
	// Logger receives rejected cookies and store failures; nil discards.
	Logger *slog.Logger
	// Now is the clock deciding expiry; default time.Now.
	Now func() time.Time
}

// MGSessions reads and writes MilleGrilles' mgsession records and their sealed
// cookie, answers a reverse proxy's verify requests and evicts users. It is safe
// for concurrent use.
type MGSessions struct {
	client redis.UniversalClient
	cfg    MGConfig
	reload *redisx.Reloader

	mu      sync.Mutex
	secrets *secretState  // nil until first read
	loading chan struct{} // closed when the read in flight ends; nil if none
}

// tombstone is what logout writes over a record, for tombstoneTTL.
const (
	tombstone    = `{"invalide": true}`
	tombstoneTTL = 300 * time.Second
	// maxMGRecord bounds a stored mgsession record.
	maxMGRecord = 4 << 10
)

// NewMGSessions returns MGSessions on client (MilleGrilles: DB 2). A cookie
// name, Path or Domain that would break the Set-Cookie header, or a
// "__Host-" or "__Secure-" name that the other attributes would make browsers
// drop (see Config.CookieName), is ErrConfig.
func NewMGSessions(client redis.UniversalClient, cfg MGConfig) (*MGSessions, error) {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&cfg.KeyPrefix, "mgsession.")
	def(&cfg.CookieName, "mgsession")
	def(&cfg.SecretKey, "webauth.cookies.secret")
	def(&cfg.IndexPrefix, "sesame.user_sessions.")
	def(&cfg.UserIDKey, DefaultUserIDKey)
	def(&cfg.Path, "/")
	if len(cfg.AiohttpPrefixes) == 0 {
		cfg.AiohttpPrefixes = []string{"auth.aiohttp_"}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SecretRefresh <= 0 {
		cfg.SecretRefresh = DefaultSecretRefresh
	}
	if cfg.SecretGrace <= 0 {
		cfg.SecretGrace = DefaultSecretGrace
	}
	if !validCookieName(cfg.CookieName) || !validCookiePath(cfg.Path) || (cfg.Domain != "" && !validCookieDomain(cfg.Domain)) {
		return nil, fmt.Errorf("%w: cookie name %q, Path %q or Domain %q", ErrConfig, cfg.CookieName, cfg.Path, cfg.Domain)
	}
	if err := browser.CheckCookie(cfg.CookieName, cfg.Domain, cfg.Path, !cfg.InsecureCookie); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &MGSessions{client: client, cfg: cfg, reload: redisx.NewReloader(client, cfg.Logger)}, nil
}

// unavailable wraps the error of a command in ErrUnavailable, once the
// Reloader saw it.
func (g *MGSessions) unavailable(ctx context.Context, err error) error {
	return fmt.Errorf("%w: %w", ErrUnavailable, g.reload.Check(ctx, err))
}

// Create writes a new record for rec's user, with a fresh challenge (32 bytes
// from crypto/rand, base64url) and expiration now+ttl, and indexes it. rec's
// Challenge and Expiration are ignored. If EvictUser takes the new key out of
// the user's index while Create runs, the record is deleted again and Create
// fails with ErrEnded.
func (g *MGSessions) Create(ctx context.Context, rec MGRecord, ttl time.Duration) (*MGRecord, error) {
	if rec.UserID == "" || ttl < time.Second {
		return nil, fmt.Errorf("%w: user id %q, ttl %v", ErrValue, rec.UserID, ttl)
	}
	var c [32]byte
	_, _ = rand.Read(c[:])
	rec.Challenge = base64.RawURLEncoding.EncodeToString(c[:])
	rec.Expiration = g.cfg.Now().Add(ttl).Unix()
	if err := g.write(ctx, &rec, true); err != nil {
		return nil, err
	}
	key := g.cfg.KeyPrefix + rec.Challenge
	in, err := g.Indexed(ctx, rec.UserID, key)
	if err == nil && in {
		return &rec, nil
	}
	if derr := g.client.Del(ctx, key).Err(); derr != nil {
		return nil, g.unavailable(ctx, derr)
	}
	if err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%w: %s was evicted while its session was created", ErrEnded, rec.UserID)
}

// Save updates an existing record with EX = expiration − now, as MilleGrilles
// does, after adding it to the user's index. It never brings a record back: a
// record that is gone (evicted, expired) is ErrNotFound, the logout tombstone
// {"invalide": true} ErrRevoked, both checked and written in one atomic step.
// A record already expired is not written (ErrExpired).
func (g *MGSessions) Save(ctx context.Context, rec *MGRecord) error {
	return g.write(ctx, rec, false)
}

// mgSaveScript sets KEYS[1] to ARGV[1] with PX ARGV[2]: with ARGV[3] "create"
// only if the key is absent (else 0); otherwise only if it holds a record that
// is not a logout tombstone (else -1 absent, -2 tombstone).
var mgSaveScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if ARGV[3] == 'create' then
  if cur then return 0 end
else
  if not cur then return -1 end
  local ok, d = pcall(cjson.decode, cur)
  if ok and type(d) == 'table' and d['invalide'] ~= nil then return -2 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

// write indexes rec, then stores it with mgSaveScript.
func (g *MGSessions) write(ctx context.Context, rec *MGRecord, create bool) error {
	if !validChallenge(rec.Challenge) || rec.UserID == "" {
		return fmt.Errorf("%w: challenge %.50q, user id %q", ErrValue, rec.Challenge, rec.UserID)
	}
	ttl := time.Duration(rec.Expiration-g.cfg.Now().Unix()) * time.Second
	if ttl <= 0 {
		return fmt.Errorf("%w: expiration %d has passed", ErrExpired, rec.Expiration)
	}
	key := g.cfg.KeyPrefix + rec.Challenge
	if err := g.IndexSession(ctx, rec.UserID, key, ttl); err != nil {
		return err
	}
	mode := "update"
	if create {
		mode = "create"
	}
	res, err := mgSaveScript.Run(ctx, g.client, []string{key}, encodeMG(rec), ttl.Milliseconds(), mode).Int()
	switch {
	case err != nil:
		return g.unavailable(ctx, err)
	case res == 0:
		return fmt.Errorf("%w: challenge %.50q exists", ErrValue, rec.Challenge)
	case res == -1:
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	case res == -2:
		return fmt.Errorf("%w: %s was logged out", ErrRevoked, key)
	}
	return nil
}

// Get loads the record of challenge, with one GET and one PTTL in a single round
// trip, and checks it: ErrNotFound, ErrRevoked for the logout tombstone,
// ErrCorrupt, or ErrExpired when its expiration has passed or its TTL is shorter
// than the expiration claims.
func (g *MGSessions) Get(ctx context.Context, challenge string) (*MGRecord, error) {
	if !validChallenge(challenge) {
		return nil, fmt.Errorf("%w: challenge %.50q", ErrCookie, challenge)
	}
	key := g.cfg.KeyPrefix + challenge
	var get *redis.StringCmd
	var pttl *redis.DurationCmd
	_, err := g.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		get, pttl = p.Get(ctx, key), p.PTTL(ctx, key)
		return nil
	})
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, g.unavailable(ctx, err)
	}
	raw, _ := get.Bytes()
	rec, err := decodeMG(raw)
	if err != nil {
		return nil, err
	}
	if rec.Challenge != challenge {
		return nil, fmt.Errorf("%w: record names challenge %.50q", ErrCorrupt, rec.Challenge)
	}
	return rec, g.checkExpiry(rec, pttl.Val())
}

func (g *MGSessions) checkExpiry(rec *MGRecord, ttl time.Duration) error {
	now := g.cfg.Now()
	left := time.Unix(rec.Expiration, 0).Sub(now)
	switch {
	case left <= 0:
		return fmt.Errorf("%w: expiration %d has passed", ErrExpired, rec.Expiration)
	case ttl < 0:
		return fmt.Errorf("%w: record has no TTL", ErrCorrupt)
	case ttl+maxClockSkew < left:
		return fmt.Errorf("%w: TTL %v is shorter than the expiration's %v", ErrExpired, ttl.Truncate(time.Second), left.Truncate(time.Second))
	}
	return nil
}

// Revoke overwrites the record of challenge with the logout tombstone
// {"invalide": true} for 300 s.
func (g *MGSessions) Revoke(ctx context.Context, challenge string) error {
	if !validChallenge(challenge) {
		return fmt.Errorf("%w: challenge %.50q", ErrCookie, challenge)
	}
	if err := g.client.Set(ctx, g.cfg.KeyPrefix+challenge, tombstone, tombstoneTTL).Err(); err != nil {
		return g.unavailable(ctx, err)
	}
	return nil
}

// validChallenge accepts 32 bytes as unpadded base64url (43 characters).
func validChallenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	return err == nil && len(b) == 32
}

// encodeMG writes the Redis record as Python's json.dumps does, fields in
// MilleGrilles' order.
func encodeMG(rec *MGRecord) []byte {
	b := encodeMGCookie(rec)
	b = append(b[:len(b)-1], `, "nomUsager": `...)
	b = appendPyString(b, rec.NomUsager)
	return append(b, '}')
}

// encodeMGCookie writes the sealed cookie's JSON: the record without nomUsager,
// which MilleGrilles keeps in Redis only.
func encodeMGCookie(rec *MGRecord) []byte {
	b := make([]byte, 0, 256)
	b = append(b, `{"user_id": `...)
	b = appendPyString(b, rec.UserID)
	b = append(b, `, "hostname": `...)
	b = appendPyString(b, rec.Hostname)
	b = append(b, `, "challenge": `...)
	b = appendPyString(b, rec.Challenge)
	b = append(b, `, "expiration": `...)
	b = strconv.AppendInt(b, rec.Expiration, 10)
	return append(b, '}')
}

// decodeMG parses a stored record as MilleGrilles' Python services read it,
// tolerant of additions and exact in meaning: every known field present with
// its type, names matched exactly (as Python and the eviction script read
// them), "expiration" an integer or a finite number (rounded down); members
// Sesame does not know are ignored. Still refused: a repeated field, anything
// after the object. The tombstone is ErrRevoked.
func decodeMG(raw []byte) (*MGRecord, error) { return decodeMGFields(raw, false) }

// decodeMGFields is decodeMG; with sealed set it reads the cookie's JSON, where
// nomUsager is optional.
func decodeMGFields(raw []byte, sealed bool) (*MGRecord, error) {
	if len(raw) > maxMGRecord {
		return nil, fmt.Errorf("%w: mgsession record of %d bytes", ErrCorrupt, len(raw))
	}
	fields, err := mgFields(raw)
	if err != nil {
		return nil, err
	}
	if v, ok := fields["invalide"]; ok {
		if string(v) == "true" {
			return nil, fmt.Errorf("%w: logout tombstone", ErrRevoked)
		}
		return nil, fmt.Errorf("%w: \"invalide\": %.20s", ErrCorrupt, v)
	}
	var rec MGRecord
	strs := []struct {
		name string
		dst  *string
	}{{"user_id", &rec.UserID}, {"hostname", &rec.Hostname}, {"challenge", &rec.Challenge}, {"nomUsager", &rec.NomUsager}}
	for _, f := range strs {
		v, ok := fields[f.name]
		if !ok && sealed && f.name == "nomUsager" {
			continue
		}
		if !ok || len(v) == 0 || v[0] != '"' || json.Unmarshal(v, f.dst) != nil {
			return nil, fmt.Errorf("%w: mgsession record lacks a string %q", ErrCorrupt, f.name)
		}
	}
	if rec.Expiration, err = unixSeconds(fields["expiration"]); err != nil {
		return nil, fmt.Errorf("%w: mgsession record lacks a numeric \"expiration\"", ErrCorrupt)
	}
	if rec.UserID == "" {
		return nil, fmt.Errorf("%w: mgsession record has an empty user_id", ErrCorrupt)
	}
	return &rec, nil
}

// mgFields reads one flat JSON object into its raw members, rejecting repeated
// names and trailing data.
func mgFields(raw []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	fields := make(map[string]json.RawMessage, 5)
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return nil, err
		}
		if _, dup := fields[key]; dup {
			return nil, fmt.Errorf("%w: mgsession record repeats %.40q", ErrCorrupt, key)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%w: mgsession record: %w", ErrCorrupt, err)
		}
		fields[key] = v
	}
	if err := closeObject(dec); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the mgsession record", ErrCorrupt)
	}
	return fields, nil
}

// setCookie writes the sealed cookie for rec, Max-Age up to its expiration.
func (g *MGSessions) setCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: g.cfg.CookieName, Value: value, Path: g.cfg.Path, Domain: g.cfg.Domain,
		MaxAge: maxAge, HttpOnly: true, Secure: !g.cfg.InsecureCookie, SameSite: http.SameSiteLaxMode,
	})
}
