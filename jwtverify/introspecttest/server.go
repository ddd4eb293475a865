package introspecttest

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
)

// Defaults of Config.
const (
	DefaultClientID     = "resource-server"
	DefaultClientSecret = "resource-server-secret"
)

// Config shapes a Server. Its zero value is the default beside each field.
type Config struct {
	// ClientID and ClientSecret are the credentials the endpoint accepts
	// (default DefaultClientID and DefaultClientSecret).
	ClientID, ClientSecret string
	// AuthMethod is how the caller must send them:
	// jwtverify.ClientSecretBasic (default) or jwtverify.ClientSecretPost.
	AuthMethod string
	// Issuer is the iss of every active answer that does not set one
	// (default: the server's URL).
	Issuer string
	// TLS serves over HTTPS with a self-signed certificate; Server.Client
	// trusts it. Default: plain HTTP.
	TLS bool
}

// Server is a running fake introspection endpoint at URL + "/introspect".
// Its methods are safe to call while requests are served.
type Server struct {
	// URL is the base URL of the server, without a trailing slash.
	URL string
	// Client is an HTTP client for this server (trusting its certificate
	// with TLS).
	Client *http.Client

	cfg      Config
	ts       *httptest.Server
	requests atomic.Int64
	once     sync.Once

	mu       sync.Mutex
	tokens   map[string]map[string]any // token -> the answer's members; nil: revoked
	status   int
	body     []byte
	delay    time.Duration
	lastForm url.Values
}

// Start runs a server, fails the test on error and closes the server at
// tb.Cleanup.
func Start(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// New runs a server without a test; the caller closes it.
func New(cfg Config) (*Server, error) {
	switch cfg.AuthMethod {
	case "":
		cfg.AuthMethod = jwtverify.ClientSecretBasic
	case jwtverify.ClientSecretBasic, jwtverify.ClientSecretPost:
	default:
		return nil, fmt.Errorf("introspecttest: AuthMethod %q", cfg.AuthMethod)
	}
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultClientID
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = DefaultClientSecret
	}
	s := &Server{cfg: cfg, tokens: map[string]map[string]any{}}
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	if cfg.TLS {
		s.ts.StartTLS()
	} else {
		s.ts.Start()
	}
	s.URL, s.Client = s.ts.URL, s.ts.Client()
	if s.cfg.Issuer == "" {
		s.cfg.Issuer = s.URL
	}
	return s, nil
}

// Endpoint returns the introspection endpoint's URL: URL + "/introspect".
func (s *Server) Endpoint() string { return s.URL + "/introspect" }

// IntrospectionConfig returns the jwtverify configuration that reaches this
// server: its endpoint, credentials, auth method and client (and
// InsecureAllowHTTP without TLS). Add Issuer, Audience or cache settings to
// taste.
func (s *Server) IntrospectionConfig() jwtverify.IntrospectionConfig {
	return jwtverify.IntrospectionConfig{
		Endpoint: s.Endpoint(), ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret,
		AuthMethod: s.cfg.AuthMethod, HTTPClient: s.Client, InsecureAllowHTTP: !s.cfg.TLS,
	}
}

// Issue returns a new opaque token (256 random bits, base64url) whose answer
// is {"active": true, "iss": Config.Issuer} plus claims (which may override
// iss, or set active to anything for a broken answer).
func (s *Server) Issue(claims map[string]any) string {
	tok := rand.Text() + rand.Text()
	s.Set(tok, claims)
	return tok
}

// Set makes token active with claims, as Issue does for a token of the
// caller's choosing.
func (s *Server) Set(token string, claims map[string]any) {
	answer := map[string]any{"active": true, "iss": s.cfg.Issuer}
	maps.Copy(answer, claims)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = answer
}

// Revoke makes token inactive: it is answered {"active":false} from now on.
func (s *Server) Revoke(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[token] = nil
}

// Requests returns the number of introspection requests received (any
// outcome).
func (s *Server) Requests() int64 { return s.requests.Load() }

// LastForm returns the form of the last introspection request (token,
// token_type_hint and, with client_secret_post, the credentials).
func (s *Server) LastForm() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastForm
}

// SetStatus answers every request with code and an empty JSON object; 0
// restores normal answers.
func (s *Server) SetStatus(code int) { s.set(func() { s.status = code }) }

// SetBody answers every request with b as application/json (status 200);
// nil restores normal answers.
func (s *Server) SetBody(b []byte) { s.set(func() { s.body = bytes.Clone(b) }) }

// SetDelay makes every answer wait d first (or until the request ends); 0
// means none.
func (s *Server) SetDelay(d time.Duration) { s.set(func() { s.delay = d }) }

// Close shuts the server down. It may be called more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		s.ts.CloseClientConnections()
		s.ts.Close()
	})
}

func (s *Server) set(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// serveHTTP answers one request as RFC 7662 §2 says.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/introspect" {
		http.NotFound(w, r)
		return
	}
	s.requests.Add(1)
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		http.Error(w, "POST a form", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	status, body, delay := s.status, s.body, s.delay
	s.lastForm = r.PostForm
	answer, known := s.tokens[r.PostForm.Get("token")]
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case status != 0:
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "{}")
		return
	case body != nil:
		_, _ = w.Write(body)
		return
	case !s.authenticated(r):
		w.Header().Set("WWW-Authenticate", `Basic realm="introspection"`)
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"invalid_client"}`)
		return
	case !known || answer == nil:
		answer = map[string]any{"active": false}
	}
	_ = json.NewEncoder(w).Encode(answer)
}

// authenticated checks the caller's credentials by the configured method
// (RFC 6749 §2.3.1: Basic credentials are form-urlencoded first).
func (s *Server) authenticated(r *http.Request) bool {
	var id, secret string
	if s.cfg.AuthMethod == jwtverify.ClientSecretPost {
		if _, _, basic := r.BasicAuth(); basic {
			return false
		}
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	} else {
		u, p, ok := r.BasicAuth()
		if !ok || r.PostForm.Has("client_secret") {
			return false
		}
		var err1, err2 error
		id, err1 = url.QueryUnescape(u)
		secret, err2 = url.QueryUnescape(p)
		if err1 != nil || err2 != nil {
			return false
		}
	}
	return subtle.ConstantTimeCompare([]byte(id), []byte(s.cfg.ClientID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.ClientSecret)) == 1
}
