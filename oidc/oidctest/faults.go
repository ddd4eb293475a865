package oidctest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Faults make the fake misbehave; set them with SetFaults. The zero value is a
// well-behaved ProConnect.
type Faults struct {
	// ID token faults.
	BadSignature   bool   // the signature does not verify
	WrongNonce     bool   // nonce differs from the request's
	NoNonce        bool   // nonce is absent
	WrongAudience  bool   // aud names another client
	ExtraAudience  bool   // aud names this client and another, without azp
	WrongIssuer    bool   // iss is another issuer
	Expired        bool   // exp is an hour ago
	FutureIssuedAt bool   // iat is an hour ahead
	WrongAtHash    bool   // at_hash is not the access token's
	NoAtHash       bool   // at_hash is absent (optional in the code flow, as oidc-provider leaves it)
	ACR            string // acr to put instead of the configured one
	AlgNone        bool   // alg "none", no signature
	HS256          bool   // signed HS256 with the client secret, whatever is registered
	UnknownKid     bool   // signed by a key absent from the JWKS
	Subject        string // sub to put instead of the agent's
	NoIssuedAt     bool   // iat is absent
	AccessTokenTyp bool   // typ is at+jwt (an RFC 9068 access token)
	OldAuthTime    bool   // auth_time is two hours ago
	NoAuthTime     bool   // auth_time is absent

	// Userinfo faults.
	UserInfoSub         string // sub of another agent
	UserInfoWrongIssuer bool   // iss is another issuer
	UserInfoJSON        bool   // plain JSON even when a signing alg is registered
	UserInfoHuge        bool   // a 10 MB body
	UserInfoNoTimes     bool   // signed userinfo without exp and iat (OpenID Connect allows it)
	UserInfoWrongAud    bool   // signed userinfo for another client

	// Discovery faults.
	DiscoveryIssuer    string // issuer claimed by the discovery document
	EndSessionEndpoint string // end_session_endpoint to publish (e.g. on another host)

	// Authorize faults (the redirect back to the client).
	AccessDenied  bool   // answer error=access_denied
	NoCallbackIss bool   // leave iss out (RFC 9207)
	CallbackIss   string // put another iss

	// Transport faults, on the paths in Endpoints (all when empty).
	Down      bool          // answer 503
	Delay     time.Duration // wait before answering (until the request is cancelled)
	Endpoints []string      // paths the transport faults apply to; empty: all
}

// SetFaults replaces the current faults.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// currentFaults returns a copy of the faults.
func (s *Server) currentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Request is one request the fake received.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the URL path.
	Path string
	// Query is the parsed query string.
	Query url.Values
	// Form is the parsed body of a form POST (client_secret included: it is a
	// test).
	Form url.Values
	// Header is the request's header.
	Header http.Header
	// Time is when the fake received it (by its clock).
	Time time.Time
}

// Requests returns every request received, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Count returns how many requests reached path (e.g. PathJWKS; for a generic
// fake, Path(PathJWKS)).
func (s *Server) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Path == path {
			n++
		}
	}
	return n
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// maxForm bounds a request body the fake reads.
const maxForm = 64 << 10

// instrument records each request and applies the transport faults.
func (s *Server) instrument(path string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := Request{Method: r.Method, Path: path, Query: r.URL.Query(), Header: r.Header.Clone(), Time: s.cfg.Now()}
		if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			if err := r.ParseForm(); err != nil {
				http.Error(w, "bad form", http.StatusBadRequest)
				return
			}
			rec.Form = r.PostForm
		}
		f := s.currentFaults()
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
		if len(f.Endpoints) == 0 || slices.Contains(f.Endpoints, path) {
			if f.Delay > 0 {
				select {
				case <-time.After(f.Delay):
				case <-r.Context().Done():
					return
				}
			}
			if f.Down {
				http.Error(w, "service unavailable", http.StatusServiceUnavailable)
				return
			}
		}
		h(w, r)
	})
}
