package session

import (
	"errors"
	"fmt"
)

// Errors returned by this package. Each is wrapped with what was wrong; test for
// them with errors.Is.
var (
	// ErrCorrupt is returned when a stored record is not JSON, has the wrong shape,
	// is too large, or carries a created time that is missing, not an integer or in
	// the future. The request is served as anonymous and the record is left alone.
	ErrCorrupt = errors.New("session: corrupt record")

	// ErrCookie is returned when a session cookie is malformed: not 32 lowercase hex
	// characters, or an mgsession cookie that is not base64 or does not open.
	ErrCookie = errors.New("session: malformed cookie")

	// ErrUnavailable is returned when the store cannot be reached or answers with
	// an error. The middleware answers 503 and the store holds what it held
	// before the request: a user's record is indexed before it is written, and a
	// write whose reply was lost is read back until it is known to have happened
	// (then the commit succeeds) or not. Only when the store cannot be read back
	// within the request's context does the error say the outcome is unknown;
	// the request's changes are then either all stored or none, and sending the
	// request again is safe (puts, deletes and clears replay idempotently).
	ErrUnavailable = errors.New("session: store unavailable")

	// ErrNotReplicated is returned by a RedisStore with RedisConfig.WaitReplicas
	// when fewer replicas than asked acknowledged a write within WaitTimeout. It
	// wraps ErrUnavailable, so the middleware answers 503, but the outcome is
	// unknown: the master applied the write, and whether it survives a failover
	// depends on whether it reached a replica before the master failed. The app
	// must treat the change as maybe made (a login may be live, a logout may not
	// have happened); sending the request again is safe, as for ErrUnavailable.
	ErrNotReplicated = fmt.Errorf("%w: the write may or may not survive a failover (not acknowledged by enough replicas)", ErrUnavailable)

	// ErrEnded is returned by a commit whose session was destroyed, evicted or
	// renewed by another request while this one ran: its changes are dropped,
	// so that a logout stays final. The default ErrorHandler answers 409. A
	// commit that itself ends the session succeeds instead.
	ErrEnded = errors.New("session: ended by another request")

	// ErrConflict is returned when a commit lost the compare-and-set race more times
	// than the retry budget allows; nothing of the request was written.
	ErrConflict = errors.New("session: too many concurrent writers")

	// ErrNoSession is returned by the methods of a nil *Session: FromContext found
	// no session because no Manager middleware wrapped the handler.
	ErrNoSession = errors.New("session: no session in context")

	// ErrValue is returned when a value cannot be encoded to JSON, or a stored
	// value does not decode into the requested type.
	ErrValue = errors.New("session: bad value")

	// ErrTooLarge is returned when an encoded record would exceed the size limit
	// (Config.MaxRecordSize); nothing is written.
	ErrTooLarge = errors.New("session: record too large")

	// ErrCommitted is returned by Put, Delete, Renew and Destroy once the response
	// header was written: the session was already saved and the change would be
	// lost.
	ErrCommitted = errors.New("session: response already written")

	// ErrConfig is returned by constructors given an invalid configuration.
	ErrConfig = errors.New("session: invalid configuration")

	// ErrNotFound is returned when an mgsession record does not exist.
	ErrNotFound = errors.New("session: not found")

	// ErrRevoked is returned when an mgsession record is the logout tombstone
	// {"invalide": true}.
	ErrRevoked = errors.New("session: revoked")

	// ErrExpired is returned when an mgsession record's expiration has passed, or
	// its remaining TTL in Redis is shorter than its expiration claims.
	ErrExpired = errors.New("session: expired")

	// ErrMethod is returned by CheckRequest (and answered 405 by Protect) for a
	// request that is not a POST: a handler that changes state never does so
	// on GET.
	ErrMethod = errors.New("session: method not allowed")

	// ErrCrossOrigin is returned by CheckRequest (and answered 403 by Protect)
	// for a request from another origin than its own and
	// Config.TrustedOrigins: a cross-site or same-site (sibling host) page,
	// told by Sec-Fetch-Site, or by Origin against Host in browsers without
	// Sec-Fetch-Site.
	ErrCrossOrigin = errors.New("session: cross-origin request refused")

	// ErrContentType is returned by CheckRequest (and answered 415 by Protect)
	// for a body of another media type than the handler takes, or none:
	// text/plain, which a cross-site form sends without a CORS preflight, is
	// never taken.
	ErrContentType = errors.New("session: unsupported content type")

	// ErrSecret is returned when the mgsession cookie secret stored in Redis is
	// missing or is not 32 bytes of standard base64.
	ErrSecret = errors.New("session: bad cookie secret")
)
