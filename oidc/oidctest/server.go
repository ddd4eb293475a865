package oidctest

import (
	"crypto"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
	"github.com/sesame-go/sesame/oidc"
)

// The endpoint paths of ProConnect, below the host. A generic fake serves the
// same endpoints below its IssuerPath instead of /api/v2 (Server.Path maps
// them).
const (
	// PathPAR is the pushed authorization request endpoint (RFC 9126) of a
	// generic fake; ProConnect has none.
	PathPAR         = "/api/v2/par"
	PathDiscovery   = "/api/v2/.well-known/openid-configuration"
	PathJWKS        = "/api/v2/jwks"
	PathAuthorize   = "/api/v2/authorize"
	PathToken       = "/api/v2/token"
	PathUserInfo    = "/api/v2/userinfo"
	PathEndSession  = "/api/v2/session/end"
	PathInteraction = "/api/v2/interaction/pick"
)

// Default credentials of the fake's one registered client.
const (
	DefaultClientID     = "sesame-test-client"
	DefaultClientSecret = "sesame-test-secret-with-more-than-32-bytes-of-entropy"
)

// Config describes the fake's registered client and its agents. The zero value
// is a client with the default credentials, ES256 ID tokens and userinfo, any
// redirect URI, and the seed document's agent logging in without a page.
//
// With Generic set the fake is a general-purpose OpenID Provider instead of
// ProConnect: its issuer is URL + IssuerPath, it accepts any authorization
// parameter, authenticates the client by AuthMethod, answers userinfo as plain
// JSON by default, and offers PAR (required with RequirePAR).
type Config struct {
	// Generic makes the fake a general-purpose OpenID Provider; default false:
	// ProConnect.
	Generic bool
	// IssuerPath is the generic issuer's path: "" (the root, issuer
	// http://host:port), "/" (issuer with a trailing slash), "/realms/demo", …
	// Generic only.
	IssuerPath string
	// AuthMethod is the client authentication the token and PAR endpoints
	// require: client_secret_basic (the generic default), client_secret_post
	// (ProConnect's, its only one), client_secret_jwt, private_key_jwt or none.
	// Any other method is refused with invalid_client; assertions are checked
	// for iss = sub = client ID, an audience naming the issuer, token or PAR
	// endpoint, exp, a jti seen once, and (private_key_jwt) ClientKeyID.
	AuthMethod string
	// ClientKey is the client's public key for private_key_jwt.
	ClientKey crypto.PublicKey
	// ClientKeyID is the kid the client's assertions must name.
	ClientKeyID string
	// RequirePAR publishes require_pushed_authorization_requests and refuses
	// an authorization request that is not pushed. Generic only.
	RequirePAR bool
	// NoEndSession leaves end_session_endpoint out of the discovery document.
	NoEndSession bool
	// BackChannelLogoutURI is the client's registered backchannel_logout_uri
	// (OpenID Connect Back-Channel Logout 1.0): the discovery document then
	// advertises backchannel_logout_supported and
	// backchannel_logout_session_supported, and LogoutSession posts its
	// logout tokens there. Default none.
	BackChannelLogoutURI string
	// NoUserInfo leaves userinfo_endpoint out of the discovery document (a
	// provider whose claims are all in the ID token). Generic only.
	NoUserInfo bool
	// ClientID of the registered client; default DefaultClientID.
	ClientID string
	// ClientSecret of the registered client; default DefaultClientSecret.
	ClientSecret string
	// RedirectURIs registered; empty accepts any.
	RedirectURIs []string
	// PostLogoutRedirectURIs registered; empty accepts any.
	PostLogoutRedirectURIs []string
	// IDTokenAlg signs ID tokens: ES256 (default, ProConnect's), RS256 or HS256
	// (keyed by the client secret).
	IDTokenAlg string
	// UserInfoAlg signs userinfo the same way; default IDTokenAlg, "none" for
	// a generic fake. "none" answers plain JSON (a client registered without a
	// userinfo algorithm).
	UserInfoAlg string
	// Agents who can log in; default the agent of ProConnect's documentation.
	Agents []oidc.Agent
	// Interactive shows an HTML page (plain links, no JavaScript) to pick an
	// agent. Default: the agent whose email is the login_hint, else the first,
	// logs in at once (auto-consent).
	Interactive bool
	// ACR is the acr of a login; default "eidas1". A login asking through claims
	// (value or values) for acr values without this one gets the first of them
	// that ProConnect knows, as if the agent met that level.
	ACR string
	// Now is the clock (default time.Now); codes live 60 s, access tokens 1 h,
	// refresh tokens 2 h, ID tokens 1 h.
	Now func() time.Time
	// Logger receives warnings such as the deprecated acr_values; nil discards.
	Logger *slog.Logger
}

// Server is a fake ProConnect over httptest. It is safe for concurrent use.
type Server struct {
	// URL is the base URL (http://127.0.0.1:port or https://…).
	URL string
	// Issuer is URL + "/api/v2" (ProConnect), or URL + Config.IssuerPath.
	Issuer string

	cfg       Config
	srv       *httptest.Server
	keys      *jwttest.Issuer
	base      string              // the path the endpoints are below
	assertion *jwtverify.Verifier // client assertions, for the *_jwt methods

	mu       sync.Mutex
	faults   Faults
	ecKid    string
	rsaKid   string
	codes    map[string]*grant
	access   map[string]*grant
	refresh  map[string]*grant
	pending  map[string]*authRequest // interactive logins waiting for a pick
	idTokens map[string]bool         // ID tokens issued, the only valid id_token_hint values
	sessions map[string]int          // fake ProConnect session cookie (the sid) → agent index
	lastSID  string                  // the sid of the latest login
	pushed   map[string]*pushed      // PAR request_uri → the pushed request
	jtis     map[string]time.Time    // client assertion jti → its exp
	requests []Request
}

// New starts a fake ProConnect over plain HTTP; Close it when done. Clients need
// oidc.Config.InsecureAllowHTTP.
func New(cfg Config) (*Server, error) { return start(cfg, httptest.NewServer) }

// NewTLS starts a fake ProConnect over HTTPS with a self-signed certificate;
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
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	keys, err := jwttest.New()
	if err != nil {
		return nil, err
	}
	keys.RemoveKey(jwttest.KidEd25519) // ProConnect publishes EC and RSA keys
	s := &Server{
		cfg: cfg, keys: keys, ecKid: jwttest.KidEC, rsaKid: jwttest.KidRSA,
		codes: map[string]*grant{}, access: map[string]*grant{}, refresh: map[string]*grant{},
		pending: map[string]*authRequest{}, sessions: map[string]int{}, idTokens: map[string]bool{},
		pushed: map[string]*pushed{}, jtis: map[string]time.Time{}, base: "/api/v2",
	}
	if cfg.Generic {
		s.base = strings.TrimSuffix(cfg.IssuerPath, "/")
	}
	s.srv = listen(s.routes())
	s.URL = s.srv.URL
	s.Issuer = s.URL + "/api/v2"
	if cfg.Generic {
		s.Issuer = s.URL + cfg.IssuerPath
	}
	if s.assertion, err = s.assertionVerifier(); err != nil {
		s.srv.Close()
		return nil, err
	}
	return s, nil
}

// Path returns this server's path of a ProConnect path constant: p itself for
// a ProConnect fake; for a generic one, p below IssuerPath instead of /api/v2.
func (s *Server) Path(p string) string {
	return s.base + strings.TrimPrefix(p, "/api/v2")
}

// withDefaults fills in the zero fields of cfg.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultClientID
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = DefaultClientSecret
	}
	if cfg.IDTokenAlg == "" {
		cfg.IDTokenAlg = "ES256"
	}
	if cfg.UserInfoAlg == "" {
		cfg.UserInfoAlg = cfg.IDTokenAlg
		if cfg.Generic {
			cfg.UserInfoAlg = "none"
		}
	}
	if cfg.AuthMethod == "" {
		cfg.AuthMethod = string(oidc.ClientSecretPost)
		if cfg.Generic {
			cfg.AuthMethod = string(oidc.ClientSecretBasic)
		}
	}
	if !cfg.Generic && (cfg.IssuerPath != "" || cfg.RequirePAR || cfg.NoUserInfo) {
		return cfg, fmt.Errorf("oidctest: IssuerPath, RequirePAR and NoUserInfo need Generic")
	}
	if cfg.IssuerPath != "" && !strings.HasPrefix(cfg.IssuerPath, "/") {
		return cfg, fmt.Errorf("oidctest: IssuerPath %q does not start with /", cfg.IssuerPath)
	}
	for _, a := range []string{cfg.IDTokenAlg, cfg.UserInfoAlg} {
		if !slices.Contains([]string{"ES256", "RS256", "HS256", "none"}, a) || cfg.IDTokenAlg == "none" {
			return cfg, fmt.Errorf("oidctest: unsupported algorithm %q", a)
		}
	}
	if len(cfg.Agents) == 0 {
		cfg.Agents = []oidc.Agent{DocumentedAgent()}
	}
	for i := range cfg.Agents {
		if cfg.Agents[i].Sub == "" {
			return cfg, fmt.Errorf("oidctest: agent %d has no Sub", i)
		}
	}
	if cfg.ACR == "" {
		cfg.ACR = "eidas1"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg, nil
}

// DocumentedAgent returns the agent of ProConnect's documentation (the userinfo
// example of its glossary).
func DocumentedAgent() oidc.Agent {
	return oidc.Agent{
		Sub:                 "704e024229015d2bd47f7a5e5ab05b35c8336ab403c38022985f8cfadc86fe91",
		UID:                 "1",
		GivenName:           "Angela Claire Louise",
		UsualName:           "DUBOIS",
		Email:               "angela.dubois@example.gouv.fr",
		SIREN:               "343293775",
		SIRET:               "34329377500037",
		OrganizationalUnit:  "comptabilite",
		BelongingPopulation: "agent",
		PhoneNumber:         "+331-12-44-45-23",
		ChorusDTMatricule:   "USER_AGC",
		ChorusDTSociete:     "CHT",
		IdPID:               "fia1v2",
		IdPACR:              "eidas1",
	}
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Client returns an *http.Client for this server (trusting its certificate under
// NewTLS).
func (s *Server) Client() *http.Client { return s.srv.Client() }

// ClientID returns the registered client ID.
func (s *Server) ClientID() string { return s.cfg.ClientID }

// ClientSecret returns the registered client secret.
func (s *Server) ClientSecret() string { return s.cfg.ClientSecret }

// RotateKey replaces the signing keys with new ones under new kids; the old keys
// leave the JWKS at once.
func (s *Server) RotateKey() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ecKid = s.keys.Rotate(s.ecKid)
	s.rsaKid = s.keys.Rotate(s.rsaKid)
}

// routes maps ProConnect's paths to their handlers, each recorded and subject to
// the Down and Delay faults.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	routes := map[string]http.HandlerFunc{
		PathDiscovery:   s.discovery,
		PathJWKS:        s.jwks,
		PathAuthorize:   s.authorize,
		PathInteraction: s.pick,
		PathToken:       s.token,
		PathUserInfo:    s.userinfo,
		PathEndSession:  s.endSession,
	}
	if s.cfg.Generic {
		routes[PathPAR] = s.par
	}
	for path, h := range routes {
		path = s.Path(path)
		mux.Handle(path, s.instrument(path, h))
	}
	return mux
}
