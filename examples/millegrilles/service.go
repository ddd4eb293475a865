package main

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/certcache"
	"github.com/sesame-go/sesame/hosting"
)

// config wires a service.
type config struct {
	certs, tokens redis.UniversalClient // DB 0 and DB 3
	roots         *x509.CertPool        // the MilleGrille root
	instance      string                // whose hosting tokens are served
	fetcher       hosting.Fetcher       // asked for new tokens on a miss
	now           func() time.Time      // nil: time.Now
	logger        *slog.Logger
}

// service answers GET /hebergement.
type service struct {
	certs    *certcache.RedisCache
	tokens   hosting.TokenSource
	instance string
	logger   *slog.Logger
}

func newService(cfg config) (*service, error) {
	certs, err := certcache.NewRedisCache(cfg.certs, certcache.Config{Roots: cfg.roots, Now: cfg.now, Logger: cfg.logger})
	if err != nil {
		return nil, err
	}
	cache, err := hosting.NewCache(cfg.tokens, hosting.Config{Now: cfg.now, Logger: cfg.logger})
	if err != nil {
		return nil, err
	}
	tokens, err := hosting.NewTokenSource(cache, cfg.fetcher)
	if err != nil {
		return nil, err
	}
	return &service{certs: certs, tokens: tokens, instance: cfg.instance, logger: cfg.logger}, nil
}

func (s *service) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hebergement", s.hebergement)
	return mux
}

// hebergement serves the hosting tokens to a recognised peer: both tokens for
// exchange 2.prive, the read-only one for 1.public.
func (s *service) hebergement(w http.ResponseWriter, r *http.Request) {
	chain, status := s.peer(r)
	if status != http.StatusOK {
		http.Error(w, http.StatusText(status), status)
		return
	}
	exchanges := chain.Exchanges()
	if !slices.Contains(exchanges, "2.prive") && !slices.Contains(exchanges, "1.public") {
		http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
		return
	}
	tok, err := s.tokens.Tokens(r.Context(), s.instance)
	if err != nil {
		s.logger.WarnContext(r.Context(), "hosting tokens unavailable", "err", err)
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	if !slices.Contains(exchanges, "2.prive") {
		tok.ReadWrite = ""
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(tok)
}

// peer returns the verified chain of the client certificate: from the cache, or,
// when the cache has none, the chain the peer presented, verified and cached.
// The status is 401 without an Ed25519 client certificate, 403 for a chain that
// does not verify, 503 when Redis is down.
func (s *service) peer(r *http.Request) (*certcache.Chain, int) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, http.StatusUnauthorized
	}
	leaf := r.TLS.PeerCertificates[0]
	pub, ok := leaf.PublicKey.(ed25519.PublicKey)
	if !ok {
		return nil, http.StatusUnauthorized
	}
	chain, err := s.certs.Get(r.Context(), hex.EncodeToString(pub))
	if errors.Is(err, certcache.ErrNotFound) {
		chain, err = s.learn(r.Context(), r.TLS.PeerCertificates)
	}
	switch {
	case errors.Is(err, certcache.ErrUnavailable):
		return nil, http.StatusServiceUnavailable
	case err != nil:
		s.logger.InfoContext(r.Context(), "peer refused", "err", err)
		return nil, http.StatusForbidden
	case !chain.Leaf().Equal(leaf): // the TLS handshake proved the peer holds this leaf's key
		return nil, http.StatusForbidden
	}
	return chain, http.StatusOK
}

// learn verifies and caches the chain a peer presented.
func (s *service) learn(ctx context.Context, presented []*x509.Certificate) (*certcache.Chain, error) {
	chain, err := certcache.NewChain(presented, nil)
	if err != nil {
		return nil, fmt.Errorf("presented chain: %w", err)
	}
	if err := s.certs.Put(ctx, chain); err != nil {
		return nil, err
	}
	return chain, nil
}
