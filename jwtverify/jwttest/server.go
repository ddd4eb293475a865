package jwttest

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"
)

// Server serves an issuer's public JWKS over HTTP at URL + "/jwks" and
// URL + "/.well-known/jwks.json". The JWKS is built at request time, so Rotate,
// AddKey and RemoveKey show on the next fetch. Its Set methods change how it
// answers, for tests of a client's error handling; they are safe to call
// while requests are served.
type Server struct {
	// URL is the base URL of the server, without a trailing slash.
	URL string
	// Client is an HTTP client for this server; for a TLS server it trusts the
	// server's certificate.
	Client *http.Client

	issuer  *Issuer
	ts      *httptest.Server
	fetches atomic.Int64
	done    chan struct{} // closed by Close: ends pending delays
	once    sync.Once

	mu           sync.Mutex
	cacheControl string
	delay        time.Duration
	status       int
	body         []byte
	handler      http.Handler
}

// Serve starts a plain HTTP server publishing the issuer's JWKS. For issuers
// made by New it is closed in tb.Cleanup; otherwise call Close.
func (i *Issuer) Serve() *Server {
	return i.serve(false)
}

// ServeTLS is Serve over HTTPS with a self-signed certificate; the server's
// Client trusts it.
func (i *Issuer) ServeTLS() *Server {
	return i.serve(true)
}

// serve starts a server and registers its cleanup. The server's error log is
// discarded: it only reports clients that hang up or distrust the certificate.
func (i *Issuer) serve(tls bool) *Server {
	s := &Server{issuer: i, done: make(chan struct{}), cacheControl: "max-age=300"}
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tls {
		s.ts.StartTLS()
	} else {
		s.ts.Start()
	}
	s.URL, s.Client = s.ts.URL, s.ts.Client()
	if i.tb != nil {
		i.tb.Cleanup(s.Close)
	}
	return s
}

// JWKSURL returns the URL of the JWKS: URL + "/jwks".
func (s *Server) JWKSURL() string { return s.URL + "/jwks" }

// Fetches returns the number of requests received on the JWKS paths,
// counted on arrival, before any delay.
func (s *Server) Fetches() int64 { return s.fetches.Load() }

// SetCacheControl sets the Cache-Control header of JWKS responses (default
// "max-age=300"); "" sends none.
func (s *Server) SetCacheControl(v string) { s.set(func() { s.cacheControl = v }) }

// SetDelay makes every response wait d first, or until the request's context
// is done or the server is closed. 0 means no delay.
func (s *Server) SetDelay(d time.Duration) { s.set(func() { s.delay = d }) }

// SetStatus forces the status code of JWKS responses (the body is still
// sent); 0 means 200.
func (s *Server) SetStatus(code int) { s.set(func() { s.status = code }) }

// SetBody serves b instead of the JWKS, as application/json; nil means the
// JWKS.
func (s *Server) SetBody(b []byte) { s.set(func() { s.body = bytes.Clone(b) }) }

// SetHandler answers every request with h instead (after any delay), for odd
// cases such as a huge streamed body; nil restores the normal JWKS handler.
// Requests on the JWKS paths are still counted by Fetches.
func (s *Server) SetHandler(h http.Handler) { s.set(func() { s.handler = h }) }

// Close shuts the server down, cutting the connections of requests still being
// answered. It may be called more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.ts.CloseClientConnections()
		s.ts.Close()
	})
}

// set runs f under the server's lock.
func (s *Server) set(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// serveHTTP answers one request.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	isJWKS := r.URL.Path == "/jwks" || r.URL.Path == "/.well-known/jwks.json"
	if isJWKS {
		s.fetches.Add(1)
	}
	s.mu.Lock()
	cacheControl, delay, status, body, handler := s.cacheControl, s.delay, s.status, s.body, s.handler
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-s.done:
			hangUp(w)
			return
		}
	}
	switch {
	case handler != nil:
		handler.ServeHTTP(w, r)
		return
	case !isJWKS:
		http.NotFound(w, r)
		return
	case body == nil:
		var err error
		if body, err = json.Marshal(s.issuer.PublicJWKS()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if cacheControl != "" {
		w.Header().Set("Cache-Control", cacheControl)
	}
	if status != 0 {
		w.WriteHeader(status)
	}
	_, _ = w.Write(body)
}

// hangUp closes the connection of w without answering.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
		}
	}
}
