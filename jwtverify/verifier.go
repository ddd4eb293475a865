package jwtverify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// Defaults applied to a zero Config.
const (
	DefaultLeeway       = 30 * time.Second
	DefaultMaxTokenSize = 16 << 10
	DefaultCacheSize    = 1024
)

// Config says what a valid token is. Beyond Issuer and Audience, which are
// required, its zero value is the strict default: RS256 only, exp required,
// 30 s leeway, tokens up to 16 KiB, a 1024-entry cache.
type Config struct {
	// Issuer is compared exactly with iss; a token without iss fails.
	// Required: New refuses an empty Issuer unless AnyIssuer is set.
	Issuer string
	// AnyIssuer accepts tokens of any issuer (or none). Only for a key source
	// that belongs to one issuer alone; default false.
	AnyIssuer bool
	// Audience lists acceptable audiences: aud (a string or an array) must name
	// at least one. Required: New refuses an empty Audience unless AnyAudience
	// is set.
	Audience []string
	// AnyAudience accepts tokens of any audience (or none), like go-oidc's
	// SkipClientIDCheck. Default false.
	AnyAudience bool
	// Algorithms is the allowlist of JWA names (default ["RS256"]). "none" is never
	// accepted; HS256/384/512 only verify with a symmetric key (NewHMACKey), never
	// with a public key.
	Algorithms []string
	// AlgorithmAliases maps a header alg spelling to one of Algorithms, e.g. the
	// XML-DSig URI "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" to "RS256".
	// It is a fixed table: the header never names an algorithm freely.
	AlgorithmAliases map[string]string
	// Leeway is the clock skew allowed on exp, nbf and iat: 0 means the default
	// 30 s, a negative value means none. (oidc.Config.Leeway follows the same
	// rule.)
	Leeway time.Duration
	// MaxTokenSize bounds the compact token in bytes (default 16 KiB).
	MaxTokenSize int
	// RequiredClaims must be present (default ["exp"]; a non-nil empty slice
	// requires none).
	RequiredClaims []string
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives key refusals and source failures (default: discard).
	Logger *slog.Logger
	// CacheSize is the number of verified signatures remembered (default 1024;
	// negative disables the cache). A token is cached on its second
	// verification and answered from the cache from its third: tokens seen
	// once never take a place.
	CacheSize int
	// Types lists the accepted header typ values (RFC 8725 §3.11); empty accepts
	// any typ, or none. When set, a token without typ is refused (ErrType).
	// Values compare case-insensitively, with or without the "application/"
	// prefix. Set Types: []string{"at+jwt"} to accept only RFC 9068 access
	// tokens, so that an ID token of the same issuer and audience cannot be used
	// as one (AccessToken does that and more).
	Types []string
	// AccessToken applies the JWT access token profile of RFC 9068 (§4): typ
	// must be at+jwt (or application/at+jwt, any case), so an ID token or any
	// other JWT of the same issuer is refused (ErrType); iss, exp, aud, sub,
	// client_id, iat and jti are required (ErrMissingClaim), on top of
	// RequiredClaims; and the profile's claims must have their types (scope a
	// string, auth_time a number, acr a string, amr, groups, roles and
	// entitlements arrays of strings; ErrMalformed), so AccessClaims and
	// RequireScope never see a malformed grant. Issuer and Audience (the
	// resource identifiers of this API) are required: New refuses AnyIssuer,
	// AnyAudience, and Types naming another type. Default false.
	//
	//	v, err := jwtverify.New(jwks, jwtverify.Config{Issuer: iss, Audience: []string{"https://api.example"}, AccessToken: true})
	AccessToken bool
}

// Verifier checks compact JWS tokens against a KeySource. It is safe for
// concurrent use; build one per issuer and share it.
type Verifier struct {
	src       KeySource
	refresher Refresher
	algs      map[string]algorithm // header spelling -> algorithm
	issuer    string
	audience  []string
	required  []string
	leeway    time.Duration
	maxSize   int
	now       func() time.Time
	log       *slog.Logger
	cache     *sigCache
	headers   headerCache // parsed headers of verified tokens
	types     []string    // normalized Config.Types
	access    bool        // Config.AccessToken: RFC 9068's claim types
	idx       atomic.Pointer[keyIndex]
}

// New returns a Verifier for tokens whose keys come from src. If src also
// implements Refresher, an unknown kid triggers src.Refresh once before failing.
//
//	v, err := jwtverify.New(jwks, jwtverify.Config{Issuer: iss, Audience: []string{"my-api"}})
//	tok, err := v.Verify(ctx, raw)
func New(src KeySource, cfg Config) (*Verifier, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: nil KeySource", ErrConfig)
	}
	if cfg.Issuer == "" && !cfg.AnyIssuer {
		return nil, fmt.Errorf("%w: Issuer is empty; set it, or set AnyIssuer to accept every issuer", ErrConfig)
	}
	if len(cfg.Audience) == 0 && !cfg.AnyAudience {
		return nil, fmt.Errorf("%w: Audience is empty; set it, or set AnyAudience to accept every audience", ErrConfig)
	}
	if slices.Contains(cfg.Audience, "") {
		return nil, fmt.Errorf("%w: empty string in Audience", ErrConfig)
	}
	v := &Verifier{
		src:      src,
		issuer:   cfg.Issuer,
		audience: slices.Clone(cfg.Audience),
		required: slices.Clone(cfg.RequiredClaims),
		leeway:   cfg.Leeway,
		maxSize:  cfg.MaxTokenSize,
		now:      cfg.Now,
		log:      cfg.Logger,
	}
	v.refresher, _ = src.(Refresher)
	for _, t := range cfg.Types {
		if t == "" {
			return nil, fmt.Errorf("%w: empty entry in Types", ErrConfig)
		}
		v.types = append(v.types, normType(t))
	}
	if cfg.RequiredClaims == nil {
		v.required = []string{"exp"}
	}
	if cfg.AccessToken {
		if err := v.accessProfile(cfg); err != nil {
			return nil, err
		}
	}
	v.leeway = leewayOf(v.leeway)
	if v.maxSize <= 0 {
		v.maxSize = DefaultMaxTokenSize
	}
	if v.now == nil {
		v.now = time.Now
	}
	if v.log == nil {
		v.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if v.algs, err = algTable(cfg.Algorithms, cfg.AlgorithmAliases); err != nil {
		return nil, err
	}
	if n := sizeOr(cfg.CacheSize, DefaultCacheSize); n > 0 {
		v.cache = newSigCache(n)
	}
	return v, nil
}

// sizeOr reads a CacheSize: 0 means def, a negative size 0 (no cache).
func sizeOr(n, def int) int {
	switch {
	case n == 0:
		return def
	case n < 0:
		return 0
	}
	return n
}

// leewayOf reads a Leeway: 0 means DefaultLeeway, a negative value none.
func leewayOf(l time.Duration) time.Duration {
	switch {
	case l == 0:
		return DefaultLeeway
	case l < 0:
		return 0
	}
	return l
}

func algTable(names []string, aliases map[string]string) (map[string]algorithm, error) {
	if len(names) == 0 {
		names = []string{"RS256"}
	}
	t := make(map[string]algorithm, len(names)+len(aliases))
	for _, n := range names {
		a, ok := lookupAlg(n)
		if !ok {
			return nil, fmt.Errorf("%w: unsupported algorithm %q", ErrConfig, n)
		}
		t[n] = a
	}
	for alias, n := range aliases {
		if _, isAlg := lookupAlg(alias); isAlg || alias == "" || strings.EqualFold(alias, "none") {
			return nil, fmt.Errorf("%w: alias %q would rename an algorithm", ErrConfig, alias)
		}
		a, ok := t[n]
		if !ok {
			return nil, fmt.Errorf("%w: alias %q names %q, which is not in Algorithms", ErrConfig, alias, n)
		}
		t[alias] = a
	}
	return t, nil
}

// Verify checks raw and returns the verified token. The checks, in order: size;
// shape (three strict base64url segments of valid UTF-8 JSON objects without
// duplicate names); header alg in the allowlist and no unknown crit; a key for
// kid that fits alg; the signature (skipped for a token already in the
// verified-signature cache whose key is still current); then, every time, the
// claims: required claims, exp, nbf, iat, iss and aud. Errors wrap the package's
// sentinels.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Token, error) {
	if len(raw) > v.maxSize {
		return nil, fmt.Errorf("%w: token of %d bytes, limit %d", ErrTooLarge, len(raw), v.maxSize)
	}
	return v.verify(ctx, raw, nil)
}

// verify answers a repeat token from the cache, else runs verifyFresh; u,
// when not nil, is raw already parsed.
func (v *Verifier) verify(ctx context.Context, raw string, u *Unverified) (*Token, error) {
	if v.cache == nil {
		tok, _, _, err := v.verifyFresh(ctx, raw, u)
		return tok, err
	}
	h := v.cache.hash(raw)
	if e, ok := v.cache.get(raw, h); ok {
		idx, err := v.index(ctx)
		if err != nil {
			return nil, err
		}
		if idx.chooses(e.tok.header.Kid, e.alg, e.key) {
			if err := v.checkClaims(e.tok); err != nil {
				if errors.Is(err, ErrExpired) {
					v.cache.remove(raw, h)
				}
				return nil, err
			}
			return e.tok, nil
		}
		v.cache.remove(raw, h) // its key left the source
	}
	tok, key, a, err := v.verifyFresh(ctx, raw, u)
	if err != nil {
		return nil, err
	}
	v.cache.add(h, tok, key, a)
	return tok, nil
}

// verifyFresh runs every check, signature included, on raw or, when not
// nil, on u (raw parsed).
func (v *Verifier) verifyFresh(ctx context.Context, raw string, u *Unverified) (*Token, *preparedKey, algorithm, error) {
	c, claims, st, err := v.decode(raw, u)
	if err != nil {
		return nil, nil, algorithm{}, err
	}
	var hdr []member
	var header Header
	var a algorithm
	if c.cached != nil {
		hdr, header, a = c.cached.hdr, c.cached.header, c.cached.alg
	} else if hdr, header, a, err = v.parseHeader(c.header, st.hdr[:0]); err != nil {
		return nil, nil, algorithm{}, err
	}
	key, err := v.key(ctx, header.Kid, a)
	if err != nil {
		return nil, nil, algorithm{}, err
	}
	if !a.verify(key, c.signingInput, c.sig) {
		return nil, nil, algorithm{}, fmt.Errorf("%w: %s with key %s", ErrSignature, a.name, quote(key.kid))
	}
	tok, err := newToken(&st.tok, raw, header, hdr, c.payload, claims)
	if err != nil {
		return nil, nil, algorithm{}, err
	}
	if err := v.checkClaims(tok); err != nil {
		return nil, nil, algorithm{}, err
	}
	if v.access { // once per token: a cached token passed this already
		if err := checkAccessClaims(tok); err != nil {
			return nil, nil, algorithm{}, err
		}
	}
	if c.cached == nil {
		v.headers.put(c.headerSeg, c.header, header, a)
	}
	return tok, key, a, nil
}

// decode splits and decodes raw (or u's header and signature) and reads
// its claims; st is where its Token will live.
func (v *Verifier) decode(raw string, u *Unverified) (compact, []member, *tokenStorage, error) {
	if u != nil {
		c, err := u.compact(&v.headers)
		return c, u.claims, u.storage(), err
	}
	// splitCompact only reads raw's bytes; nothing writes through this slice.
	c, err := splitCompact(unsafe.Slice(unsafe.StringData(raw), len(raw)), &v.headers)
	if err != nil {
		return c, nil, nil, err
	}
	st := new(tokenStorage) // the token and its member lists in one allocation
	claims, err := members(c.payload, "payload", st.claims[:0])
	return c, claims, st, err
}

// parseHeader reads alg, kid, typ and crit. jku, x5u, jwk and x5c are never read:
// a token does not get to say where its key comes from.
func (v *Verifier) parseHeader(b []byte, buf []member) ([]member, Header, algorithm, error) {
	var h Header
	hdr, err := members(b, "header", buf)
	if err != nil {
		return nil, h, algorithm{}, err
	}
	for _, m := range hdr {
		switch m.name {
		case "alg":
			h.Alg, err = stringClaim(m)
		case "kid":
			h.Kid, err = stringClaim(m)
		case "typ":
			h.Typ, err = stringClaim(m)
		case "crit":
			err = fmt.Errorf("%w: %s", ErrCritical, quote(string(m.value)))
		}
		if err != nil {
			return nil, h, algorithm{}, err
		}
	}
	a, ok := v.algs[h.Alg]
	if !ok {
		return nil, h, algorithm{}, fmt.Errorf("%w: %s", ErrAlgorithm, quote(h.Alg))
	}
	if v.types != nil && !slices.Contains(v.types, normType(h.Typ)) {
		return nil, h, algorithm{}, fmt.Errorf("%w: typ %s", ErrType, quote(h.Typ))
	}
	return hdr, h, a, nil
}

// key finds the key for kid and alg, refreshing the source once for an unknown kid.
func (v *Verifier) key(ctx context.Context, kid string, a algorithm) (*preparedKey, error) {
	idx, err := v.index(ctx)
	if err != nil {
		return nil, err
	}
	pk, err := idx.lookup(kid, a)
	if kid == "" || v.refresher == nil || !errors.Is(err, ErrUnknownKey) {
		return pk, err
	}
	set, rerr := v.refresher.Refresh(ctx)
	if rerr != nil {
		return nil, fmt.Errorf("%w: refresh for kid %s: %w", ErrUnavailable, quote(kid), rerr)
	}
	if set == nil {
		return nil, fmt.Errorf("%w: refresh for kid %s returned no key set", ErrUnavailable, quote(kid))
	}
	return v.indexOf(set).lookup(kid, a)
}

// index returns the prepared form of the source's current set.
func (v *Verifier) index(ctx context.Context) (*keyIndex, error) {
	set, err := v.src.Keys(ctx)
	if err != nil {
		if errors.Is(err, ErrUnavailable) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if set == nil {
		return nil, fmt.Errorf("%w: source returned no key set", ErrUnavailable)
	}
	return v.indexOf(set), nil
}

func (v *Verifier) indexOf(set jwk.Set) *keyIndex {
	if cur := v.idx.Load(); cur != nil && sameSet(cur.set, set) && cur.size == set.Len() {
		return cur
	}
	idx := newKeyIndex(set, v.log, v.idx.Load())
	v.idx.Store(idx)
	return idx
}

// sameSet compares sets by identity, without panicking on uncomparable types.
func sameSet(a, b jwk.Set) bool {
	ta := reflect.TypeOf(a)
	return ta == reflect.TypeOf(b) && ta.Comparable() && a == b
}

// checkClaims runs the claim checks; it runs for cached tokens too.
func (v *Verifier) checkClaims(t *Token) error {
	for _, name := range v.required {
		if !slices.ContainsFunc(t.claims, func(m member) bool { return m.name == name }) {
			return fmt.Errorf("%w: %q", ErrMissingClaim, name)
		}
	}
	return checkRegistered(t, v.now(), v.leeway, v.issuer, v.audience)
}

// checkRegistered checks exp, nbf and iat at now with leeway, then iss
// against issuer and aud against audience, each unless empty (a Verifier's
// are empty only with AnyIssuer or AnyAudience; an Introspector's when not
// configured).
func checkRegistered(t *Token, now time.Time, leeway time.Duration, issuer string, audience []string) error {
	if t.hasExp && !now.Before(t.exp.Add(leeway)) {
		return fmt.Errorf("%w: exp %s", ErrExpired, t.exp.UTC().Format(time.RFC3339))
	}
	if t.hasNbf && now.Add(leeway).Before(t.nbf) {
		return fmt.Errorf("%w: nbf %s", ErrNotYetValid, t.nbf.UTC().Format(time.RFC3339))
	}
	if t.hasIat && now.Add(leeway).Before(t.iat) {
		return fmt.Errorf("%w: iat %s", ErrIssuedInFuture, t.iat.UTC().Format(time.RFC3339))
	}
	if issuer != "" && t.iss != issuer {
		return fmt.Errorf("%w: %s", ErrIssuer, quote(t.iss))
	}
	if len(audience) > 0 && !anyIn(t.aud, audience) {
		return fmt.Errorf("%w: %s", ErrAudience, quoteAll(t.aud))
	}
	return nil
}

func anyIn(have, want []string) bool {
	for _, h := range have {
		if slices.Contains(want, h) {
			return true
		}
	}
	return false
}

// normType folds a typ value for comparison (RFC 8725 §3.11, RFC 7515 §4.1.9):
// lower case, without an "application/" prefix.
func normType(t string) string {
	t = strings.ToLower(t)
	return strings.TrimPrefix(t, "application/")
}

// SameType reports whether two typ values name the same media type: compared
// case-insensitively, with or without the "application/" prefix.
//
//	jwtverify.SameType(tok.Header().Typ, "at+jwt")
func SameType(a, b string) bool { return normType(a) == normType(b) }
