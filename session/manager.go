package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"

	"github.com/sesame-go/sesame/internal/browser"
	"github.com/sesame-go/sesame/internal/ratelog"
)

// Indexer is told of each record written for a user, so that all of a user's
// sessions can be found again (see MGSessions.EvictUser).
type Indexer interface {
	// IndexSession records that key holds a session of userID, for at least ttl.
	// The Manager calls it before it writes the record.
	IndexSession(ctx context.Context, userID, key string, ttl time.Duration) error
}

// IndexChecker is an Indexer that can tell whether key is still in userID's
// index. EvictUser takes keys out of the index before it deletes their records;
// a Manager whose Index implements IndexChecker asks after writing a record that
// brings a user into a session (a login, a renewal), and ends that record again
// if the eviction raced it. MGSessions implements it.
type IndexChecker interface {
	Indexer
	// Indexed reports whether key is in userID's index.
	Indexed(ctx context.Context, userID, key string) (bool, error)
}

// Manager loads and saves sessions around HTTP handlers. It is safe for
// concurrent use; one Manager serves every request of an app.
type Manager struct {
	store   AtomicStore
	cfg     Config
	locks   idLocks          // serialises this process's commits per session id
	guard   *browser.Guard   // the cross-origin rule of Protect and CheckRequest
	limiter *ratelog.Limiter // bounds the refusal logs of Protect
}

// NewManager returns a Manager keeping records in store. cfg's zero fields take
// the defaults documented on Config; a nil store or an invalid cfg (cookie name,
// Path or Domain that would break the Set-Cookie header, a cookie prefix the
// other attributes would make browsers drop, a malformed trusted origin,
// timeouts) is ErrConfig.
func NewManager(store AtomicStore, cfg Config) (*Manager, error) {
	if store == nil {
		return nil, fmt.Errorf("%w: nil store", ErrConfig)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	guard, err := browser.NewGuard(cfg.TrustedOrigins)
	if err != nil {
		return nil, fmt.Errorf("%w: TrustedOrigins: %w", ErrConfig, err)
	}
	return &Manager{store: store, cfg: cfg, guard: guard, limiter: ratelog.New(0, 0)}, nil
}

type ctxKey struct{}

// FromContext returns the request's Session placed by Manager.Middleware, or nil.
// Every method of a nil *Session returns ErrNoSession.
func FromContext(ctx context.Context) *Session {
	s, _ := ctx.Value(ctxKey{}).(*Session)
	return s
}

// Middleware gives next a lazily loaded Session (FromContext) and saves it, only
// if it changed, before the response header goes out. A request whose session
// cannot be loaded or saved gets Config.ErrorHandler (503 by default) instead of
// next's response.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := &Session{m: m, ctx: r.Context(), pin: true}
		defer s.release()
		s.cookie, s.problem = m.cookieID(r)
		if s.problem != nil {
			m.cfg.Logger.LogAttrs(r.Context(), slogWarn, "session cookie rejected", errAttr(s.problem))
		}
		sw := &writer{ResponseWriter: w, s: s, r: r}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, s))
		next.ServeHTTP(sw, r)
		sw.finish()
	})
}

// Load returns the session of a request outside the middleware, for code that
// needs the session of a request it did not wrap (tests, websockets). Changes
// to it are saved by Save.
func (m *Manager) Load(r *http.Request) *Session {
	s := &Session{m: m, ctx: r.Context()}
	s.cookie, s.problem = m.cookieID(r)
	return s
}

// Save commits s and sets or expires its cookie on w; call it before writing the
// response header. The middleware calls it for you.
func (m *Manager) Save(w http.ResponseWriter, s *Session) error {
	return s.commit(w.Header())
}

// newID returns 128 bits from crypto/rand as 32 lowercase hex characters.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics rather than return short)
	return hex.EncodeToString(b[:])
}

func (m *Manager) key(id string) string { return m.cfg.KeyPrefix + id }

// release drops the pin load took on the session id's lock entry.
func (s *Session) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pinned != nil {
		s.m.locks.release(s.cookie, s.pinned)
		s.pinned = nil
	}
}
