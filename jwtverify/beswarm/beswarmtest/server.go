package beswarmtest

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify/beswarm"
)

// Defaults of Config.
const (
	DefaultAppID        = "sesame-test-app"
	DefaultClientSecret = "sesame-test-secret-with-more-than-32-bytes-of-entropy"
	DefaultSwarm        = "testdev"
	DefaultLang         = "FR"
	DefaultKid          = "k1"
	DefaultLifetime     = time.Hour
)

// PathAuthorize is the fake's login page (BeSwarm's documentation spells it
// /Authorize, its .NET client /authorize; both are served).
const PathAuthorize = "/authorize"

// Config describes the fake. The zero value is the application and user of
// BeSwarm's documentation: the swarm "testdev", language FR, the rights of its
// example token, one-hour tokens signed with the XML-DSig rsa-sha256 URI.
type Config struct {
	// AppID and ClientSecret of the registered application (defaults above).
	AppID, ClientSecret string
	// Swarm is the user's swarm (default "testdev").
	Swarm string
	// Lang is the user's language (default "FR").
	Lang string
	// Issuer is the tokens' iss (default "BeSwarm").
	Issuer string
	// Rights are the rights the user grants (default SeedRights()).
	Rights beswarm.Rights
	// Lifetime is the tokens' lifetime (default one hour).
	Lifetime time.Duration
	// Alg is the header alg of the tokens: one of beswarm's URIs or RS256,
	// RS384, RS512 (default beswarm.AlgRSASHA256).
	Alg string
	// CallbackURL is where the login page sends the user back; default the
	// callbackuri parameter of the login request.
	CallbackURL string
	// Roles maps a discovery role to the hosts that serve it; a role not
	// listed is served by the fake itself.
	Roles map[string][]string
	// ExtraKeys are RSAKeyValue documents published beside the fake's own keys,
	// by indice (e.g. the key of BeSwarm's documentation).
	ExtraKeys map[string]string
	// Now is the clock (default time.Now); codes live 60 s.
	Now func() time.Time
}

// Faults make the fake misbehave; set them with SetFaults. The zero value is a
// well-behaved BeSwarm.
type Faults struct {
	// Down answers 503 on the paths in Endpoints.
	Down bool
	// Endpoints lists the paths Down applies to (a path also covers the paths
	// below it); empty means every path.
	Endpoints []string
	// ServiceURL replaces the callback's serviceurl (a phishing callback).
	ServiceURL string
	// Hosts replaces the hosts of token answers.
	Hosts []string
	// DiscoveryHosts replaces every discovery answer's list (nil: configured).
	DiscoveryHosts []string
	// EmptyDiscovery answers every discovery with an empty list.
	EmptyDiscovery bool
	// PublicKeyBody replaces the publickey answer.
	PublicKeyBody string
	// TokenBody replaces the usertoken and refreshtoken answers.
	TokenBody string
	// WrongNonce issues user tokens whose nonce is another hash.
	WrongNonce bool
	// BadSignature issues tokens whose signature does not verify.
	BadSignature bool
}

// Server is a fake BeSwarm service over httptest. It is safe for concurrent use.
type Server struct {
	// URL is the base URL (http://127.0.0.1:port, or https:// under NewTLS):
	// the service URL, the only host and the key URL of the fake.
	URL string

	cfg Config
	srv *httptest.Server

	mu     sync.Mutex
	keys   []signingKey // the newest signs; all are published
	faults Faults
	codes  map[string]*grant
	issued map[string]*grant // user tokens issued, for refreshes
	counts map[string]int
}

type signingKey struct {
	kid string
	key *rsa.PrivateKey
}

// grant is what a login granted.
type grant struct {
	challengeHash string // lowercase hex SHA-256 of the code challenge
	expires       time.Time
	typ           beswarm.TokenType // of an issued token
}

// New starts a fake BeSwarm over plain HTTP; Close it when done. Clients need
// InsecureAllowHTTP, the domain 127.0.0.1 and its port (ClientConfig does it).
func New(cfg Config) (*Server, error) { return start(cfg, httptest.NewServer) }

// NewTLS starts a fake BeSwarm over HTTPS with a self-signed certificate;
// Client returns an *http.Client that trusts it.
func NewTLS(cfg Config) (*Server, error) { return start(cfg, httptest.NewTLSServer) }

// Start is New for tests: it fails tb on error and closes the server at cleanup.
func Start(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s, err := New(cfg)
	return must(tb, s, err)
}

// StartTLS is NewTLS for tests.
func StartTLS(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s, err := NewTLS(cfg)
	return must(tb, s, err)
}

func must(tb testing.TB, s *Server, err error) *Server {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

func start(cfg Config, listen func(http.Handler) *httptest.Server) (*Server, error) {
	if cfg.AppID == "" {
		cfg.AppID = DefaultAppID
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = DefaultClientSecret
	}
	if cfg.Swarm == "" {
		cfg.Swarm = DefaultSwarm
	}
	if cfg.Lang == "" {
		cfg.Lang = DefaultLang
	}
	if cfg.Issuer == "" {
		cfg.Issuer = beswarm.DefaultIssuer
	}
	if cfg.Rights == nil {
		cfg.Rights = SeedRights()
	}
	if cfg.Lifetime <= 0 {
		cfg.Lifetime = DefaultLifetime
	}
	if cfg.Alg == "" {
		cfg.Alg = beswarm.AlgRSASHA256
	}
	if _, ok := hashOf(cfg.Alg); !ok {
		return nil, fmt.Errorf("beswarmtest: unsupported Alg %q", cfg.Alg)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("beswarmtest: generate key: %w", err)
	}
	s := &Server{
		cfg: cfg, keys: []signingKey{{DefaultKid, key}},
		codes: map[string]*grant{}, issued: map[string]*grant{}, counts: map[string]int{},
	}
	s.srv = listen(s.routes())
	s.URL = s.srv.URL
	return s, nil
}

// SeedRights returns the rights of the token in BeSwarm's documentation.
func SeedRights() beswarm.Rights {
	return beswarm.Rights{
		"userbankaccount":            {Read: true, Write: true, Delete: false},
		"userbankaccountsold":        {Read: true, Write: true, Delete: true},
		"userbankaccounttransaction": {Read: true, Write: true, Delete: true},
	}
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Client returns an *http.Client for this server (trusting its certificate
// under NewTLS).
func (s *Server) Client() *http.Client { return s.srv.Client() }

// AppID returns the registered application's id.
func (s *Server) AppID() string { return s.cfg.AppID }

// ClientSecret returns the registered application's secret.
func (s *Server) ClientSecret() string { return s.cfg.ClientSecret }

// AuthorizeURL returns the login page's URL.
func (s *Server) AuthorizeURL() string { return s.URL + PathAuthorize }

// ClientConfig returns a beswarm.ClientConfig for this fake: its application,
// login page, domain (127.0.0.1) and port, http allowed unless under NewTLS,
// and its HTTP client. Add a Verifier and a Logger as needed.
func (s *Server) ClientConfig() beswarm.ClientConfig {
	u, _ := url.Parse(s.URL)
	return beswarm.ClientConfig{
		AppID: s.cfg.AppID, ClientSecret: s.cfg.ClientSecret, AuthorizeURL: s.AuthorizeURL(),
		Domains: []string{u.Hostname()}, Ports: []string{u.Port()},
		InsecureAllowHTTP: u.Scheme == "http", HTTPClient: s.Client(), Now: s.cfg.Now,
	}
}

// SetFaults replaces the current faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Count returns how many requests reached path (e.g. beswarm.PathPublicKey).
func (s *Server) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[path]
}

// routes maps BeSwarm's paths to their handlers, each counted and subject to
// the Down fault.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for pattern, h := range map[string]http.HandlerFunc{
		"GET " + PathAuthorize:                        s.authorize,
		"GET /Authorize":                              s.authorize,
		"POST " + beswarm.PathUserToken:               s.userToken,
		"POST " + beswarm.PathRefreshToken:            s.refreshToken,
		"GET " + beswarm.PathPublicKey:                s.publicKey,
		"GET " + beswarm.PathDiscovery:                s.discoveryHosts,
		"GET " + beswarm.PathDiscovery + "/{role...}": s.discoveryRole,
	} {
		mux.Handle(pattern, s.instrument(h))
	}
	return mux
}

func (s *Server) instrument(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[r.URL.Path]++
		f := s.faults
		s.mu.Unlock()
		if f.Down && (len(f.Endpoints) == 0 || contains(f.Endpoints, r.URL.Path)) {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		h(w, r)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s || strings.HasPrefix(s, v+"/") {
			return true
		}
	}
	return false
}
