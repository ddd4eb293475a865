package oidc

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sesame-go/sesame/internal/browser"
	"github.com/sesame-go/sesame/internal/replay"
)

// Flow is what waits between the redirect to ProConnect and the callback: the
// state and nonce sent, the PKCE verifier, the acr values required and where to
// send the agent afterwards. A logout flow carries only State (and Logout).
type Flow struct {
	// State is the 256-bit state sent, compared in constant time at the callback.
	State string `json:"s"`
	// Nonce is the 256-bit nonce the ID token must carry.
	Nonce string `json:"n,omitempty"`
	// Verifier is the PKCE S256 code verifier ("" with PKCE off).
	Verifier string `json:"v,omitempty"`
	// ACR lists the acr values the login asked for.
	ACR []string `json:"a,omitempty"`
	// ReturnTo is the same-origin path to go to after the login.
	ReturnTo string `json:"r,omitempty"`
	// Silent is true for a prompt=none login.
	Silent bool `json:"p,omitempty"`
	// Logout is true for a logout flow.
	Logout bool `json:"l,omitempty"`
	// Issuer names the provider the flow was started for; Complete refuses a
	// callback handled by another Client (issuer mix-up), even when both share
	// a FlowStore or a cookie domain.
	Issuer string `json:"i,omitempty"`
	// ClientID names the client the flow was started for, likewise checked.
	ClientID string `json:"c,omitempty"`
	// MaxAge is the max_age sent, in seconds; nil when none was sent. The
	// ID token must then carry an auth_time within it (OpenID Connect Core
	// 3.1.2.1 and 3.1.3.7).
	MaxAge *int64 `json:"m,omitempty"`
	// Created is when the flow started, in Unix seconds.
	Created int64 `json:"t"`
}

// FlowStore keeps flows between the login redirect and the callback. Take must
// return a flow at most once and fail with ErrState for an unknown, expired or
// already taken state.
type FlowStore interface {
	// Save keeps f until its callback (it may set a cookie on w).
	Save(w http.ResponseWriter, r *http.Request, f Flow) error
	// Take returns the flow of state once; ErrState for an unknown, expired or
	// already taken state, ErrFlowCorrupt for a tampered record.
	Take(w http.ResponseWriter, r *http.Request, state string) (Flow, error)
}

// CookieFlowStoreConfig configures a CookieFlowStore.
type CookieFlowStoreConfig struct {
	// Key is the 32-byte AES-256-GCM key sealing flow cookies. Required; share it
	// between the instances of the app.
	Key []byte
	// MaxAge is how long a login may take; default 10 minutes.
	MaxAge time.Duration
	// MaxFlows bounds the logins one browser may have under way (several tabs);
	// the oldest is dropped beyond it. Default 5.
	MaxFlows int
	// MaxUsedStates bounds the taken states remembered against replay (each is
	// remembered until its flow would have expired, MaxAge; about 65 bytes
	// each, BenchmarkUsedStates). When that many are live, callbacks fail
	// closed with ErrBusy instead of forgetting one; default 100,000 (about
	// 6.5 MB).
	MaxUsedStates int
	// InsecureCookie drops the Secure attribute and the __Host- prefix, for an app
	// served over plain http on localhost. Default: Secure, __Host-.
	InsecureCookie bool
	// Now returns the current time; default time.Now.
	Now func() time.Time
}

// CookieFlowStore keeps each flow in its own encrypted (AES-GCM), HttpOnly,
// Secure, SameSite=Lax, __Host- cookie, so that several tabs can log in at once.
// A taken state is remembered until it expires, so a flow is accepted once even if
// its cookie is replayed (per process; the provider's single-use code is the
// second barrier across instances).
type CookieFlowStore struct {
	aead   cipher.AEAD
	cfg    CookieFlowStoreConfig
	prefix string

	used *replay.Set
}

// Cookie bounds.
const (
	maxCookieValue       = 4096
	defaultMaxUsedStates = 100_000
)

// NewCookieFlowStore returns a CookieFlowStore; the key must be 32 bytes.
func NewCookieFlowStore(cfg CookieFlowStoreConfig) (*CookieFlowStore, error) {
	if len(cfg.Key) != 32 {
		return nil, fmt.Errorf("%w: CookieFlowStoreConfig.Key must be 32 bytes, got %d", ErrConfig, len(cfg.Key))
	}
	block, err := aes.NewCipher(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 10 * time.Minute
	}
	if cfg.MaxFlows <= 0 {
		cfg.MaxFlows = 5
	}
	if cfg.MaxUsedStates <= 0 {
		cfg.MaxUsedStates = defaultMaxUsedStates
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Key = nil // sealed in aead; do not keep a copy
	prefix := "__Host-sesame-flow-"
	if cfg.InsecureCookie {
		prefix = "sesame-flow-"
	}
	if err := browser.CheckCookie(prefix, "", "/", !cfg.InsecureCookie); err != nil { // the attributes of cookie()
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &CookieFlowStore{aead: aead, cfg: cfg, prefix: prefix, used: replay.New(cfg.MaxUsedStates)}, nil
}

// Save seals f into a new cookie, dropping the oldest flows beyond MaxFlows.
func (s *CookieFlowStore) Save(w http.ResponseWriter, r *http.Request, f Flow) error {
	if f.State == "" {
		return fmt.Errorf("%w: flow without state", ErrState)
	}
	if s.full() {
		// Its callback could not be recorded against replay: refuse the login
		// now rather than send the agent to ProConnect for nothing.
		return fmt.Errorf("%w: %d logins completed within the flow lifetime", ErrBusy, s.cfg.MaxUsedStates)
	}
	s.dropOldest(w, r)
	name := s.cookieName(f.State)
	plain, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFlowCorrupt, err)
	}
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := s.aead.Seal(nonce, nonce, plain, []byte(name))
	http.SetCookie(w, s.cookie(name, base64.RawURLEncoding.EncodeToString(sealed), int(s.cfg.MaxAge/time.Second)))
	return nil
}

// Take returns the flow of state once, deleting its cookie.
func (s *CookieFlowStore) Take(w http.ResponseWriter, r *http.Request, state string) (Flow, error) {
	if state == "" || len(state) > maxParamLen {
		return Flow{}, fmt.Errorf("%w: missing or oversized state", ErrState)
	}
	name := s.cookieName(state)
	c, err := r.Cookie(name)
	if err != nil {
		return Flow{}, fmt.Errorf("%w: no flow for this state (unknown, expired or used)", ErrState)
	}
	http.SetCookie(w, s.cookie(name, "", -1))
	f, err := s.open(name, c.Value)
	if err != nil {
		return Flow{}, err
	}
	if subtle.ConstantTimeCompare([]byte(f.State), []byte(state)) != 1 {
		return Flow{}, fmt.Errorf("%w: state differs from the stored one", ErrState)
	}
	now := s.cfg.Now()
	created := time.Unix(f.Created, 0)
	if now.After(created.Add(s.cfg.MaxAge)) || created.After(now.Add(time.Minute)) {
		return Flow{}, fmt.Errorf("%w: flow expired", ErrState)
	}
	if err := s.markUsed(state, created.Add(s.cfg.MaxAge), now); err != nil {
		return Flow{}, err
	}
	return f, nil
}

// open decrypts and decodes a cookie value sealed under name.
func (s *CookieFlowStore) open(name, value string) (Flow, error) {
	if len(value) > maxCookieValue {
		return Flow{}, fmt.Errorf("%w: oversized cookie", ErrFlowCorrupt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return Flow{}, fmt.Errorf("%w: cookie is not sealed data", ErrFlowCorrupt)
	}
	ns := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:ns], raw[ns:], []byte(name))
	if err != nil {
		return Flow{}, fmt.Errorf("%w: cookie does not decrypt", ErrFlowCorrupt)
	}
	var f Flow
	if err := json.Unmarshal(plain, &f); err != nil {
		return Flow{}, fmt.Errorf("%w: %w", ErrFlowCorrupt, err)
	}
	return f, nil
}

// markUsed records state as taken until expires: ErrState when it already
// was, ErrBusy when MaxUsedStates are live (fail closed: a used state is never
// forgotten before its flow expires).
func (s *CookieFlowStore) markUsed(state string, expires, now time.Time) error {
	sum := sha256.Sum256([]byte(state))
	var key replay.Key // 128 bits: collisions are out of reach
	copy(key[:], sum[:])
	return markState(s.used, key, expires.Unix(), now.Unix())
}

// full reports whether the replay memory holds MaxUsedStates live states.
func (s *CookieFlowStore) full() bool {
	return s.used.Full(s.cfg.Now().Unix())
}

// dropOldest expires flow cookies so that one more fits within MaxFlows.
func (s *CookieFlowStore) dropOldest(w http.ResponseWriter, r *http.Request) {
	type aged struct {
		name    string
		created int64
	}
	var flows []aged
	for _, c := range r.Cookies() {
		if !strings.HasPrefix(c.Name, s.prefix) {
			continue
		}
		f, err := s.open(c.Name, c.Value)
		if err != nil {
			http.SetCookie(w, s.cookie(c.Name, "", -1))
			continue
		}
		flows = append(flows, aged{c.Name, f.Created})
	}
	slices.SortFunc(flows, func(a, b aged) int { return int(a.created - b.created) })
	for len(flows) >= s.cfg.MaxFlows {
		http.SetCookie(w, s.cookie(flows[0].name, "", -1))
		flows = flows[1:]
	}
}

// cookieName derives a flow's cookie name from its state.
func (s *CookieFlowStore) cookieName(state string) string {
	sum := sha256.Sum256([]byte(state))
	return s.prefix + base64.RawURLEncoding.EncodeToString(sum[:12])
}

// cookie builds a flow cookie; maxAge < 0 deletes it.
func (s *CookieFlowStore) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: !s.cfg.InsecureCookie, SameSite: http.SameSiteLaxMode,
	}
}
