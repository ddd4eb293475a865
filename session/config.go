package session

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/sesame-go/sesame/internal/browser"
)

// Defaults applied by NewManager to zero Config fields.
const (
	// DefaultCookieName is aiohttp_session's default cookie name.
	DefaultCookieName = "AIOHTTP_SESSION"
	// DefaultIdleTimeout is MilleGrilles' max_age, 1800 s.
	DefaultIdleTimeout = 30 * time.Minute
	// DefaultMaxRecordSize bounds a stored record; larger ones are corrupt.
	DefaultMaxRecordSize = 256 << 10
	// DefaultUserIDKey is the session entry naming the logged-in user, as
	// MilleGrilles writes it.
	DefaultUserIDKey = "userId"
)

// Config tunes a Manager. The zero value is a secure default: cookie
// AIOHTTP_SESSION, Secure, HttpOnly, SameSite=Lax, Path=/, 30 minutes idle,
// aiohttp_session's record format, Protect refusing every cross-origin request.
type Config struct {
	// CookieName names the cookie holding the session id; default
	// DefaultCookieName. MilleGrilles uses "<app>.aiohttp", e.g. "auth.aiohttp".
	// A "__Host-" name needs Path "/", no Domain and no InsecureCookie, a
	// "__Secure-" one no InsecureCookie (browsers would drop the cookie):
	// NewManager refuses them otherwise (ErrConfig).
	CookieName string
	// KeyPrefix is prepended to the id to make the store key; default
	// CookieName + "_", as aiohttp_session's RedisStorage does.
	KeyPrefix string
	// IdleTimeout ends a session this long after its last change (aiohttp's
	// max_age, judged on "created"); default DefaultIdleTimeout.
	IdleTimeout time.Duration
	// SlidingIdle restarts the idle timeout on every request that reads the
	// session (one GETEX instead of a GET, and a refreshed cookie), as scs does.
	// aiohttp_session does not understand this: a Python reader drops a session
	// IdleTimeout after its last change. Default false.
	SlidingIdle bool
	// Lifetime, when positive, ends a session this long after it was created or
	// renewed, whatever its activity. The start is kept in the entry
	// LifetimeKey; a record without it (one a Python service started) counts
	// from its created, and Sesame's first write stamps that start. Default 0:
	// no absolute limit.
	Lifetime time.Duration
	// Domain is the cookie's Domain attribute; default none (host-only).
	Domain string
	// Path is the cookie's Path; default "/".
	Path string
	// SameSite is the cookie's SameSite; default http.SameSiteLaxMode.
	SameSite http.SameSite
	// InsecureCookie drops the Secure attribute, for local plain-HTTP development
	// only.
	InsecureCookie bool
	// TrustedOrigins are the origins besides a request's own whose
	// state-changing requests Protect and CheckRequest let through (and with
	// them session/passkey's ceremonies), e.g. a login page served from
	// "https://login.example.com" posting to this app; default none: every
	// cross-origin request is refused, same-site siblings included. Each is
	// spelled as browsers send the Origin header: scheme://host[:port], lower
	// case, no default port, no path; NewManager refuses another spelling
	// (ErrConfig).
	TrustedOrigins []string
	// Codec serialises records; default AiohttpCodec.
	Codec Codec
	// MaxRecordSize bounds a stored record in bytes, read or written; default
	// DefaultMaxRecordSize.
	MaxRecordSize int
	// UserIDKey names the entry holding the user id, used to keep Index
	// current; default DefaultUserIDKey.
	UserIDKey string
	// Index, when set, is told of every record written for a user (the value of
	// UserIDKey), so the user's sessions can be evicted. MGSessions implements it.
	Index Indexer
	// TagPrefix precedes a tag name in the store key of that tag's index (see
	// Session.SetTags and EndTagged); default "sesame.session_tags." +
	// KeyPrefix, so Managers with different cookies keep separate indexes.
	TagPrefix string
	// ErrorHandler answers a request whose session cannot be loaded or saved,
	// and a request Protect refuses; default: Cache-Control: no-store, a plain
	// body, and 409 for ErrEnded, 405 for ErrMethod (with Allow: POST), 403 for
	// ErrCrossOrigin, 415 for ErrContentType, 503 for any other error.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Logger receives store failures and rejected cookies or records; nil
	// discards.
	Logger *slog.Logger
	// Now is the clock deciding expiry; default time.Now.
	Now func() time.Time
}

// LifetimeKey is the session entry holding the unix time a session started, when
// Config.Lifetime is set. It is hidden from Keys and Get.
const LifetimeKey = "_sesame_started"

func (c Config) withDefaults() (Config, error) {
	if c.CookieName == "" {
		c.CookieName = DefaultCookieName
	}
	if !validCookieName(c.CookieName) {
		return c, fmt.Errorf("%w: cookie name %q", ErrConfig, c.CookieName)
	}
	if c.KeyPrefix == "" {
		c.KeyPrefix = c.CookieName + "_"
	}
	if c.TagPrefix == "" {
		c.TagPrefix = "sesame.session_tags." + c.KeyPrefix
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.IdleTimeout < time.Second || c.Lifetime < 0 {
		return c, fmt.Errorf("%w: IdleTimeout %v must be ≥ 1s, Lifetime %v ≥ 0", ErrConfig, c.IdleTimeout, c.Lifetime)
	}
	if c.Path == "" {
		c.Path = "/"
	}
	if !validCookiePath(c.Path) || (c.Domain != "" && !validCookieDomain(c.Domain)) {
		return c, fmt.Errorf("%w: cookie Path %q or Domain %q", ErrConfig, c.Path, c.Domain)
	}
	if err := browser.CheckCookie(c.CookieName, c.Domain, c.Path, !c.InsecureCookie); err != nil {
		return c, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	c.TrustedOrigins = slices.Clone(c.TrustedOrigins)
	if c.SameSite == 0 || c.SameSite == http.SameSiteDefaultMode {
		c.SameSite = http.SameSiteLaxMode
	}
	if c.Codec == nil {
		c.Codec = AiohttpCodec{}
	}
	if c.MaxRecordSize <= 0 {
		c.MaxRecordSize = DefaultMaxRecordSize
	}
	if c.UserIDKey == "" {
		c.UserIDKey = DefaultUserIDKey
	}
	if c.ErrorHandler == nil {
		c.ErrorHandler = defaultErrorHandler
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// defaultErrorHandler is the default ErrorHandler: 409 for a session that
// ended while the request ran (ErrEnded), 405, 403 or 415 for a request
// Protect refused, 503 otherwise; never the error text.
func defaultErrorHandler(w http.ResponseWriter, _ *http.Request, err error) {
	w.Header().Set("Cache-Control", "no-store")
	code := http.StatusServiceUnavailable
	if errors.Is(err, ErrEnded) {
		code = http.StatusConflict
	} else if s := browser.Status(err); s != 0 {
		code = s
	}
	http.Error(w, http.StatusText(code), code)
}

func validCookieName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '=' || c == ';' || c == ',' || c == '"' || c == '\\' {
			return false
		}
	}
	return s != ""
}

// validCookiePath accepts an absolute path of printable ASCII without ';', so it
// cannot add attributes to the Set-Cookie header.
func validCookiePath(s string) bool {
	if s == "" || s[0] != '/' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == ';' {
			return false
		}
	}
	return true
}

// validCookieDomain accepts a host name: letters, digits, '-' and '.'.
func validCookieDomain(s string) bool {
	if len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
