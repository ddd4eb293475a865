package beswarm

import (
	"context"
	"fmt"
	"hash/maphash"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/sesame-go/sesame/internal/tokencache"
	"github.com/sesame-go/sesame/jwtverify"
)

// The XML-DSig algorithm URIs a .NET service writes in the header alg.
const (
	AlgRSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	AlgRSASHA384 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
	AlgRSASHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
)

// DefaultIssuer is the iss of BeSwarm's tokens.
const DefaultIssuer = "BeSwarm"

// AnyAudience is the aud BeSwarm writes in its tokens. A Verifier accepts it
// only when Config.Audience lists it.
const AnyAudience = "*"

// aliasTarget maps each header spelling a Verifier may accept to the JWA
// algorithm that verifies it: the URIs by their own hash, never by free text.
func aliasTarget(alg string) (string, bool) {
	switch alg {
	case AlgRSASHA256, "RS256":
		return "RS256", true
	case AlgRSASHA384, "RS384":
		return "RS384", true
	case AlgRSASHA512, "RS512":
		return "RS512", true
	}
	return "", false
}

// Config says what a valid BeSwarm token is. Beyond Audience its zero value is
// the strict default.
type Config struct {
	// Issuer is compared exactly with iss (default "BeSwarm"; older tokens had
	// "mystrongbox").
	Issuer string
	// Audience lists the acceptable aud values. Required: BeSwarm's tokens
	// carry aud "*", accepted only when listed (Audience: []string{beswarm.AnyAudience}).
	Audience []string
	// Algorithms lists the header alg spellings accepted: AlgRSASHA256,
	// AlgRSASHA384, AlgRSASHA512, "RS256", "RS384" and "RS512" (default: the
	// three URIs and "RS256"). Each URI verifies with its own hash.
	Algorithms []string
	// Leeway is the clock skew on exp and nbf, as jwtverify.Config.Leeway
	// (0: 30 s; negative: none).
	Leeway time.Duration
	// CacheSize is the number of verified tokens remembered, claims decoded
	// (default 1024; negative disables the cache).
	CacheSize int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives key refusals and key-source failures (default: discard).
	Logger *slog.Logger
}

// Verifier verifies BeSwarm tokens: a jwtverify.Verifier with BeSwarm's
// profile (XML-DSig alg URIs, iss, exp and nbf required) that also decodes the
// claims. It is safe for concurrent use; it satisfies jwtverify.TokenVerifier,
// so jwtverify.Middleware takes it.
type Verifier struct {
	v       *jwtverify.Verifier
	allowed []string // header alg spellings
	cache   *claimsCache
}

// NewVerifier returns a Verifier for tokens whose keys come from keys
// (PublicKeys, or jwtverify.NewXMLKeys for fixed keys).
//
//	keys, _ := beswarm.PublicKeys("https://dev.beswarm.net", jwtverify.RemoteKeysConfig{})
//	v, err := beswarm.NewVerifier(keys, beswarm.Config{Audience: []string{beswarm.AnyAudience}})
func NewVerifier(keys jwtverify.KeySource, cfg Config) (*Verifier, error) {
	allowed := cfg.Algorithms
	if len(allowed) == 0 {
		allowed = []string{AlgRSASHA256, AlgRSASHA384, AlgRSASHA512, "RS256"}
	}
	var names []string
	aliases := map[string]string{}
	for _, a := range allowed {
		name, ok := aliasTarget(a)
		if !ok {
			return nil, fmt.Errorf("%w: algorithm %s is not one of BeSwarm's", jwtverify.ErrConfig, quote(a))
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
		if a != name {
			aliases[a] = name
		}
	}
	issuer := cfg.Issuer
	if issuer == "" {
		issuer = DefaultIssuer
	}
	if len(cfg.Audience) == 0 {
		return nil, fmt.Errorf("%w: beswarm.Config.Audience is required: list the audiences to accept, or beswarm.AnyAudience for the \"*\" BeSwarm's tokens carry", jwtverify.ErrConfig)
	}
	if keys == nil {
		return nil, fmt.Errorf("%w: beswarm.NewVerifier needs a key source (beswarm.PublicKeys)", jwtverify.ErrConfig)
	}
	v, err := jwtverify.New(keys, jwtverify.Config{
		Issuer:           issuer,
		Audience:         cfg.Audience,
		Algorithms:       names,
		AlgorithmAliases: aliases,
		Leeway:           cfg.Leeway,
		RequiredClaims:   []string{"exp", "nbf"},
		CacheSize:        cfg.CacheSize,
		Now:              cfg.Now,
		Logger:           cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	bv := &Verifier{v: v, allowed: slices.Clone(allowed)}
	if cfg.CacheSize >= 0 {
		bv.cache = newClaimsCache(cmpOr(cfg.CacheSize, jwtverify.DefaultCacheSize))
	}
	return bv, nil
}

func cmpOr(n, d int) int {
	if n == 0 {
		return d
	}
	return n
}

// Verify verifies raw and checks BeSwarm's claims (tokentype, scope, funcs),
// so that Middleware refuses a token with a malformed scope (401).
func (v *Verifier) Verify(ctx context.Context, raw string) (*jwtverify.Token, error) {
	c, err := v.VerifyClaims(ctx, raw)
	if err != nil {
		return nil, err
	}
	return c.Token, nil
}

// VerifyClaims verifies raw and returns its claims, rights decoded. A token
// verified twice before is answered from the verified-signature cache with
// its claims already decoded (every time-based check runs again).
func (v *Verifier) VerifyClaims(ctx context.Context, raw string) (*Claims, error) {
	tok, err := v.v.Verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	if c, ok := v.cache.get(tok); ok {
		return c, nil
	}
	// jwtverify maps each allowed spelling to its algorithm; the spelling
	// itself must be allowed too (a URI-only profile refuses "RS256").
	if alg := tok.Header().Alg; !slices.Contains(v.allowed, alg) {
		return nil, fmt.Errorf("%w: %s", jwtverify.ErrAlgorithm, quote(alg))
	}
	c, err := ParseClaims(tok)
	if err != nil {
		return nil, err
	}
	v.cache.put(tok, c)
	return c, nil
}

// claimsCache remembers the claims of tokens jwtverify's cache answers with
// the same *Token, bounded. Like that cache it admits a token on its second
// verification (a tokencache.Doorkeeper remembers the first): the
// *Token of a first verification is never returned again, so its claims
// would only push out those of a repeat token.
type claimsCache struct {
	mu   sync.RWMutex
	max  int
	m    map[*jwtverify.Token]*Claims
	seed maphash.Seed
	door *tokencache.Doorkeeper
}

func newClaimsCache(max int) *claimsCache {
	return &claimsCache{max: max, m: make(map[*jwtverify.Token]*Claims), seed: maphash.MakeSeed(), door: tokencache.NewDoorkeeper(max)}
}

func (c *claimsCache) get(tok *jwtverify.Token) (*Claims, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.RLock()
	cl, ok := c.m[tok]
	c.mu.RUnlock()
	return cl, ok
}

func (c *claimsCache) put(tok *jwtverify.Token, cl *Claims) {
	if c == nil {
		return
	}
	h := tokencache.Hash(c.seed, tok.Raw())
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.door.Admit(h) {
		return
	}
	if len(c.m) >= c.max {
		for k := range c.m { // evict one entry, chosen by map order
			delete(c.m, k)
			break
		}
	}
	c.m[tok] = cl
}
