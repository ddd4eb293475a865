// Package googlecsetest is a fake of the parties a Google Workspace CSE key
// service (KACLS) trusts, over httptest TLS: a customer identity provider
// (.well-known/cse-configuration, its OpenID discovery document and JWKS, and
// authentication tokens), Google's authorization token issuers (one JWKS per
// issuer, as at www.googleapis.com/service_accounts/v1/jwk/<iss>, and minted
// authorization tokens), and a peer KACLS (<url>/certs, kacls-to-kacls tokens),
// with failure injection. Point googlecse.Config.GoogleKeysURL and a tenant's
// IdP at it; tests and demos use it.
//
//	fake := googlecsetest.Start(t, googlecsetest.Config{})
//	v, _ := googlecse.New(googlecse.Config{Tenants: tenants, HTTPClient: fake.Client(),
//		GoogleKeysURL: fake.GoogleKeysURL(), Logger: logger})
//	authn := fake.MintAuthentication("alice@example.com", nil)
//	authz := fake.MintAuthorization(googlecse.IssuerDrive, map[string]any{"email": "alice@example.com", "role": "writer", …})
package googlecsetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify/googlecse"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// Paths of the fake.
const (
	PathCSEConfiguration = "/idp/.well-known/cse-configuration"
	PathDiscovery        = "/idp/.well-known/openid-configuration"
	PathIdPJWKS          = "/idp/jwks"
	PathGoogleKeys       = "/google/service_accounts/v1/jwk/"
	PathPeer             = "/kacls"
)

// DefaultClientID is the IdP's client id when Config.ClientID is empty.
const DefaultClientID = "googlecsetest-client"

// Config tunes the fake. Its zero value is a well-behaved IdP with client id
// DefaultClientID and the real clock.
type Config struct {
	// ClientID is the IdP's client_id (the aud of its tokens).
	ClientID string
	// ApplicationClientIDs are more client ids, published under applications.
	ApplicationClientIDs map[string]string
	// Now is the clock of minted tokens (default time.Now).
	Now func() time.Time
}

// Faults make the fake misbehave; the zero value is well-behaved.
type Faults struct {
	Down                 bool // every path answers 503
	CSEConfigurationJSON bool // the cse-configuration is not JSON
	DiscoveryOverHTTP    bool // discovery_uri is http://
	EmptyJWKS            bool // the IdP's JWKS has no key
	// DiscoveryIssuer, when set, is the issuer the discovery document names
	// instead of Issuer (an IdP configured wrong, or a document served for
	// another issuer: OpenID Connect Discovery §4.3).
	DiscoveryIssuer string
}

// Server is the fake. It is safe for concurrent use.
type Server struct {
	// URL is the https base URL.
	URL string
	// Issuer is the IdP's issuer (URL + "/idp").
	Issuer string

	cfg  Config
	srv  *httptest.Server
	idp  *jwttest.Issuer
	peer *jwttest.Issuer

	mu     sync.Mutex
	google map[string]*jwttest.Issuer
	faults Faults
	counts map[string]int
}

// New starts the fake; Close stops it.
func New(cfg Config) (*Server, error) {
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultClientID
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	idp, err := jwttest.New()
	if err != nil {
		return nil, err
	}
	peer, err := jwttest.New()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, idp: idp, peer: peer, google: map[string]*jwttest.Issuer{}, counts: map[string]int{}}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(s.serveHTTP))
	s.URL, s.Issuer = s.srv.URL, s.srv.URL+"/idp"
	return s, nil
}

// Start is New for a test: it fails the test on error and closes at cleanup.
func Start(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Close stops the fake.
func (s *Server) Close() { s.srv.Close() }

// Client returns an HTTP client trusting the fake's certificate.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// CSEConfigurationURL is the IdP's .well-known/cse-configuration.
func (s *Server) CSEConfigurationURL() string { return s.URL + PathCSEConfiguration }

// GoogleKeysURL is the prefix of Google's per-issuer JWKS URLs at the fake.
func (s *Server) GoogleKeysURL() string { return s.URL + PathGoogleKeys }

// PeerURL is the peer KACLS's URL (the iss of its kacls-to-kacls tokens).
func (s *Server) PeerURL() string { return s.URL + PathPeer }

// SetFaults replaces the current faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// Count returns how many requests a path received.
func (s *Server) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[path]
}

// googleIssuer returns the keys of one of Google's issuers, made on first use.
func (s *Server) googleIssuer(iss string) (*jwttest.Issuer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.google[iss]; ok {
		return k, nil
	}
	known := false
	for _, g := range googlecse.DefaultAuthorizationIssuers() {
		known = known || g == iss
	}
	if !known {
		return nil, fmt.Errorf("googlecsetest: %q is not one of Google's issuers", iss)
	}
	k, err := jwttest.New()
	if err != nil {
		return nil, err
	}
	s.google[iss] = k
	return k, nil
}

// serveHTTP answers one request.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.faults
	s.counts[r.URL.Path]++
	s.mu.Unlock()
	if f.Down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	switch p := r.URL.Path; {
	case p == PathCSEConfiguration:
		if f.CSEConfigurationJSON {
			_, _ = w.Write([]byte("<html>not json</html>"))
			return
		}
		disc := s.URL + PathDiscovery
		if f.DiscoveryOverHTTP {
			disc = "http://" + strings.TrimPrefix(disc, "https://")
		}
		conf := map[string]any{"name": "googlecsetest", "client_id": s.cfg.ClientID, "discovery_uri": disc}
		if len(s.cfg.ApplicationClientIDs) > 0 {
			apps := map[string]any{}
			for app, id := range s.cfg.ApplicationClientIDs {
				apps[app] = map[string]string{"client_id": id}
			}
			conf["applications"] = apps
		}
		writeJSON(w, conf)
	case p == PathDiscovery:
		iss := s.Issuer
		if f.DiscoveryIssuer != "" {
			iss = f.DiscoveryIssuer
		}
		writeJSON(w, map[string]string{"issuer": iss, "jwks_uri": s.URL + PathIdPJWKS,
			"authorization_endpoint": s.Issuer + "/authorize", "token_endpoint": s.Issuer + "/token"})
	case p == PathIdPJWKS:
		if f.EmptyJWKS {
			writeJSON(w, map[string]any{"keys": []any{}})
			return
		}
		writeJSON(w, s.idp.PublicJWKS())
	case strings.HasPrefix(p, PathGoogleKeys):
		k, err := s.googleIssuer(strings.TrimPrefix(p, PathGoogleKeys))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, k.PublicJWKS())
	case p == PathPeer+"/certs":
		writeJSON(w, s.peer.PublicJWKS())
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=300")
	_ = json.NewEncoder(w).Encode(v)
}

// times returns iat and exp one hour apart, at the fake's clock.
func (s *Server) times() (int64, int64) {
	now := s.cfg.Now()
	return now.Unix(), now.Add(time.Hour).Unix()
}

// MintAuthentication returns an authentication token of the IdP for email
// (RS256, iss Issuer, aud the client id, iat and exp one hour apart); claims
// add or override claims ("google_email", "delegated_to", …; a nil value
// removes one).
func (s *Server) MintAuthentication(email string, claims map[string]any) string {
	iat, exp := s.times()
	c := map[string]any{"iss": s.Issuer, "aud": s.cfg.ClientID, "email": email, "iat": iat, "exp": exp}
	return mint(s.idp, c, claims)
}

// MintAuthorization returns an authorization token of Google's issuer iss
// (aud cse-authorization, iat and exp one hour apart); claims give email,
// role, kacls_url, resource_name and the rest (a nil value removes one).
func (s *Server) MintAuthorization(iss string, claims map[string]any) (string, error) {
	k, err := s.googleIssuer(iss)
	if err != nil {
		return "", err
	}
	iat, exp := s.times()
	c := map[string]any{"iss": iss, "aud": googlecse.AudienceAuthorization, "iat": iat, "exp": exp}
	return mint(k, c, claims), nil
}

// MintKACLSToKACLS returns a kacls-to-kacls token of the peer KACLS (iss
// PeerURL, aud kacls-migration); claims give kacls_url and resource_name.
func (s *Server) MintKACLSToKACLS(claims map[string]any) string {
	iat, exp := s.times()
	c := map[string]any{"iss": s.PeerURL(), "aud": googlecse.AudienceMigration, "iat": iat, "exp": exp}
	return mint(s.peer, c, claims)
}

// mint signs base+claims with the issuer's RSA key.
func mint(k *jwttest.Issuer, base, claims map[string]any) string {
	for name, v := range claims {
		if v == nil {
			delete(base, name)
			continue
		}
		base[name] = v
	}
	tok, err := k.MintE(base, jwttest.WithAlg("RS256"))
	if err != nil {
		return "mint-failed." + err.Error()
	}
	return tok
}
