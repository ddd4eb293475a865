package hosting

import "errors"

// Errors returned by this package. Each is wrapped with what was wrong; test for
// them with errors.Is. A Redis record is untrusted input: whatever is wrong with
// it surfaces as one of these, never as a panic.
var (
	// ErrNotFound is returned by Cache.Get when no record exists for the instance
	// (the tokens expired, or were never stored).
	ErrNotFound = errors.New("hosting: not found")

	// ErrMalformed is returned when a record is not the JSON object
	// {"jwt_readonly", "jwt_readwrite", "url"} of non-empty strings, a token is
	// missing or is not a compact JWT, or the URL is not an absolute https URL.
	ErrMalformed = errors.New("hosting: malformed record")

	// ErrTooLarge is returned when a record exceeds MaxRecordSize, or a token
	// MaxTokenSize, before anything of it is parsed.
	ErrTooLarge = errors.New("hosting: record too large")

	// ErrNoExpiry is returned when a token has no exp claim: its cache lifetime
	// cannot be known, so it is refused.
	ErrNoExpiry = errors.New("hosting: token without exp")

	// ErrExpired is returned when the earliest exp of the two tokens is less than
	// ExpiryMargin (30 s) away or past: Put stores nothing, Get refuses the record.
	ErrExpired = errors.New("hosting: tokens expired")

	// ErrToken is returned when Config.Verifier refuses a token. The verifier's
	// own error is wrapped too (errors.Is(err, jwtverify.ErrSignature), ...).
	ErrToken = errors.New("hosting: token refused")

	// ErrInstanceID is returned for an instance id that is empty, longer than 255
	// bytes, or holds characters other than ASCII letters, digits, '.', '_', ':'
	// and '-'.
	ErrInstanceID = errors.New("hosting: invalid instance id")

	// ErrFetch is returned by CachedSource.Tokens when the Fetcher fails; the
	// Fetcher's error is wrapped too.
	ErrFetch = errors.New("hosting: fetching tokens failed")

	// ErrUnavailable is returned when Redis cannot be reached or answers with an
	// error, or when the caller's context ends first (its error is wrapped too).
	ErrUnavailable = errors.New("hosting: store unavailable")

	// ErrConfig is returned by constructors given an invalid configuration.
	ErrConfig = errors.New("hosting: invalid configuration")
)
