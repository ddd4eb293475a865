package app

import (
	"context"
	"crypto/x509"
	"embed"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sesame-go/sesame/certcache"
	"github.com/sesame-go/sesame/hosting"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

//go:embed data/seed-record.json data/millegrille-root.pem
var millegrillesData embed.FS

// seedUnix is when the seed's chain was valid (its leaf expired on 2024-06-23):
// the certificate cache of the demo runs on that clock.
const seedUnix = 1717000000

// hostingInstance is the instance whose hosting tokens the demo caches.
const hostingInstance = "5cb9d50e-110e-421a-b944-523b60af4c3b"

// millegrilles wires the certificate cache (the seed's chain) and the hosting
// token cache.
func (a *App) millegrilles(ctx context.Context) error {
	record, _ := millegrillesData.ReadFile("data/seed-record.json")
	rootPEM, _ := millegrillesData.ReadFile("data/millegrille-root.pem")
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(rootPEM) {
		return errors.New("demo: bad root PEM")
	}
	root, err := parseRoot(rootPEM)
	if err != nil {
		return err
	}
	ccfg := certcache.Config{Roots: roots, Now: func() time.Time { return time.Unix(seedUnix, 0) }, Logger: a.cfg.Logger}
	var certs certcache.Cache
	if a.cfg.Redis != nil {
		certs, err = certcache.NewRedisCache(a.redis(0), ccfg)
	} else {
		certs, err = certcache.NewMemoryCache(ccfg)
	}
	if err != nil {
		return err
	}
	chain, err := certcache.DecodeRecord(record)
	if err != nil {
		return err
	}
	if err := certs.Put(ctx, chain); err != nil {
		return fmt.Errorf("demo: storing the seed's chain: %w", err)
	}
	hcache, source, err := a.hostingSource()
	if err != nil {
		return err
	}
	a.mux.HandleFunc("GET /millegrilles", func(w http.ResponseWriter, r *http.Request) {
		data := map[string]any{"Fingerprint": chain.Fingerprint(), "Instance": hostingInstance}
		if fp := strings.TrimSpace(r.URL.Query().Get("empreinte")); fp != "" {
			data["Asked"] = fp
			c, err := certs.Get(r.Context(), fp)
			if err != nil {
				data["CertError"] = err.Error()
			} else {
				idmg, _ := certcache.IDMG(root)
				data["Chain"], data["RootIDMG"], data["IDMGMatches"] = c, idmg, idmg == c.IDMG()
				if err := c.Verify(roots, time.Now().Round(0)); err != nil {
					data["TodayError"] = err.Error()
				}
			}
		}
		a.render(w, r, http.StatusOK, "millegrilles", "MilleGrilles", data)
	})
	a.post("/millegrilles/hebergement", func(w http.ResponseWriter, r *http.Request) {
		before := source.Fetches()
		t, err := source.Tokens(r.Context(), hostingInstance)
		data := map[string]any{"Fingerprint": chain.Fingerprint(), "Instance": hostingInstance}
		if err != nil {
			data["HostingError"] = err.Error()
		} else {
			ttl, _ := hcache.TTL(r.Context(), hostingInstance)
			data["Tokens"], data["TTL"], data["Fetched"] = t, ttl.Round(time.Second), source.Fetches() > before
		}
		a.render(w, r, http.StatusOK, "millegrilles", "MilleGrilles", data)
	})
	return nil
}

// hostingSource returns the hosting cache and a source filling it from a
// fake issuer: tokens for one hour (read-only) and 50 minutes (read-write).
func (a *App) hostingSource() (*hosting.Cache, *hosting.CachedSource, error) {
	var c *hosting.Cache
	var err error
	if a.cfg.Redis != nil {
		c, err = hosting.NewCache(a.redis(3), hosting.Config{Logger: a.cfg.Logger})
	} else {
		c, err = hosting.NewMemoryCache(hosting.Config{Logger: a.cfg.Logger})
	}
	if err != nil {
		return nil, nil, err
	}
	iss, err := jwttest.New()
	if err != nil {
		return nil, nil, err
	}
	fetch := hosting.FetcherFunc(func(_ context.Context, instance string) (*hosting.Tokens, error) {
		now := time.Now()
		claims := func(d time.Duration, role string) map[string]any {
			return map[string]any{"sub": instance, "role": role, "iat": now.Unix(), "exp": now.Add(d).Unix()}
		}
		return &hosting.Tokens{ReadOnly: iss.Mint(claims(time.Hour, "lecture"), jwttest.WithAlg("EdDSA")),
			ReadWrite: iss.Mint(claims(50*time.Minute, "ecriture"), jwttest.WithAlg("EdDSA")),
			URL:       "https://consignation.demo.sesame/fichiers_transfert"}, nil
	})
	s, err := hosting.NewTokenSource(c, fetch)
	return c, s, err
}

// parseRoot reads the root certificate.
func parseRoot(pemBytes []byte) (*x509.Certificate, error) {
	chain, err := certcache.ParseChain([]string{string(pemBytes)}, "")
	if err == nil {
		return chain.Leaf(), nil
	}
	// The root is not an Ed25519 leaf with MilleGrilles' subject: parse it plainly.
	certs, perr := x509.ParseCertificates(pemBlock(pemBytes))
	if perr != nil || len(certs) == 0 {
		return nil, fmt.Errorf("demo: root: %w", errors.Join(err, perr))
	}
	return certs[0], nil
}
