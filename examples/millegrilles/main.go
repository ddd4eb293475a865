// Command millegrilles is a MilleGrilles service that hands its hosting tokens to
// peers it recognises by their certificate: a peer connects with TLS and its
// MilleGrilles client certificate, the service looks the peer's chain up in
// Redis (certificat_v1:<fingerprint>, DB 0; the chain the peer presented is
// verified and cached when Redis has none), checks it against the MilleGrille
// root, and answers GET /hebergement with the tokens stored under
// hebergement:<instance_id> (DB 3), asking a hosting service for new ones when
// they have expired.
//
//	go run ./examples/millegrilles -redis 127.0.0.1:6379 \
//	    -root millegrille-root.pem -cert server.pem -key server.key \
//	    -instance 5cb9d50e-110e-421a-b944-523b60af4c3b -fetch https://hebergement.example/tokens
//
// A peer whose certificate grants exchange 2.prive gets both tokens; one with
// only 1.public gets the read-only token.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
)

func main() {
	addr := flag.String("addr", "localhost:8443", "listen address (HTTPS)")
	redisAddr := flag.String("redis", "127.0.0.1:6379", "Redis address (DB 0 certificates, DB 3 tokens)")
	rootFile := flag.String("root", "millegrille-root.pem", "the MilleGrille root certificate (PEM)")
	certFile := flag.String("cert", "server.pem", "this service's TLS certificate (PEM)")
	keyFile := flag.String("key", "server.key", "this service's TLS key (PEM)")
	instance := flag.String("instance", "", "this instance's id (key of its hosting tokens)")
	fetchURL := flag.String("fetch", "", "https URL answering a hosting record with fresh tokens")
	flag.Parse()

	rootPEM, err := os.ReadFile(*rootFile)
	if err != nil {
		log.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(rootPEM) {
		log.Fatalf("%s: no certificate", *rootFile)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	svc, err := newService(config{
		certs:    redis.NewClient(&redis.Options{Addr: *redisAddr, DB: 0}),
		tokens:   redis.NewClient(&redis.Options{Addr: *redisAddr, DB: 3}),
		roots:    roots,
		instance: *instance,
		fetcher:  &httpFetcher{url: *fetchURL, client: &http.Client{Timeout: 10 * time.Second}},
		logger:   logger,
	})
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{
		Addr:              *addr,
		Handler:           svc.routes(),
		ReadHeaderTimeout: 5 * time.Second,
		// The peer's chain is verified by certcache against the MilleGrille root,
		// not by the TLS stack against the system roots.
		TLSConfig: &tls.Config{ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS13},
	}
	log.Printf("listening on https://%s/hebergement", *addr)
	log.Fatal(srv.ListenAndServeTLS(*certFile, *keyFile))
}
