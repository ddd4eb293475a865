package main

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/certcache"
	"github.com/sesame-go/sesame/hosting"
	"github.com/sesame-go/sesame/internal/redistest"
)

var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

const instance = "5cb9d50e-110e-421a-b944-523b60af4c3b"

// A peer is served according to its certificate, whose chain is learned from the
// TLS handshake or read from Redis where another service stored it; strangers and
// anonymous clients are refused; tokens are fetched once.
func TestHebergement(t *testing.T) {
	srv := redistest.Start(t)
	certsDB := redis.NewClient(&redis.Options{Addr: srv.Addr, DB: 0})
	tokensDB := redis.NewClient(&redis.Options{Addr: srv.Addr, DB: 3})
	t.Cleanup(func() { _ = certsDB.Close(); _ = tokensDB.Close() })

	mg, stranger := newMilleGrille(t, "MilleGrille"), newMilleGrille(t, "MilleGrille")
	prive, public, foreign := mg.peer(t, "2.prive,1.public"), mg.peer(t, "1.public"), stranger.peer(t, "2.prive")
	stored, err := certcache.NewChain(certs(t, public), nil) // stored by another service
	if err != nil {
		t.Fatal(err)
	}
	if err := certsDB.Set(context.Background(), certcache.Key(stored.Fingerprint()), certcache.EncodeRecord(stored), 0).Err(); err != nil {
		t.Fatal(err)
	}

	want := hosting.Tokens{ReadOnly: token(t, "ro"), ReadWrite: token(t, "rw"), URL: "https://consignation.example/fichiers"}
	fetches := 0
	svc, err := newService(config{
		certs: certsDB, tokens: tokensDB, roots: mg.roots(), instance: instance,
		fetcher: hosting.FetcherFunc(func(context.Context, string) (*hosting.Tokens, error) {
			fetches++
			t := want
			return &t, nil
		}),
		now:    func() time.Time { return testNow },
		logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(svc.routes())
	ts.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	ts.StartTLS()
	t.Cleanup(ts.Close)

	tests := []struct {
		name   string
		peer   *tls.Certificate
		status int
		want   hosting.Tokens
	}{
		{"2.prive, chain learned from TLS", prive, http.StatusOK, want},
		{"2.prive again, chain from the cache", prive, http.StatusOK, want},
		{"1.public, chain stored in Redis", public, http.StatusOK, hosting.Tokens{ReadOnly: want.ReadOnly, URL: want.URL}},
		{"another MilleGrille", foreign, http.StatusForbidden, hosting.Tokens{}},
		{"no client certificate", nil, http.StatusUnauthorized, hosting.Tokens{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := get(t, ts, tt.peer)
			if status != tt.status || got != tt.want {
				t.Fatalf("status %d, tokens %+v; want %d, %+v", status, got, tt.status, tt.want)
			}
		})
	}
	if fetches != 1 {
		t.Errorf("%d fetches, want 1", fetches)
	}
	if n := certsDB.Exists(context.Background(), certcache.Key(fingerprint(prive))).Val(); n != 1 {
		t.Error("the learned chain was not written to Redis")
	}
}

// get requests /hebergement as peer (nil: no client certificate).
func get(t *testing.T, ts *httptest.Server, peer *tls.Certificate) (int, hosting.Tokens) {
	t.Helper()
	tr := ts.Client().Transport.(*http.Transport).Clone()
	if peer != nil {
		tr.TLSClientConfig.Certificates = []tls.Certificate{*peer}
	}
	c := &http.Client{Transport: tr}
	res, err := c.Get(ts.URL + "/hebergement")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var tok hosting.Tokens
	if res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(res.Body).Decode(&tok); err != nil {
			t.Fatal(err)
		}
	}
	return res.StatusCode, tok
}

// token is an unsigned JWT expiring an hour after testNow.
func token(t *testing.T, sub string) string {
	t.Helper()
	enc := base64.RawURLEncoding
	payload := fmt.Sprintf(`{"sub":%q,"exp":%d}`, sub, testNow.Add(time.Hour).Unix())
	return enc.EncodeToString([]byte(`{"alg":"EdDSA"}`)) + "." + enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString([]byte("sig"))
}

// milleGrille is a root, an intermediate, and the IDMG.
type milleGrille struct {
	root, inter       *x509.Certificate
	rootKey, interKey ed25519.PrivateKey
	idmg              string
}

func newMilleGrille(t *testing.T, cn string) *milleGrille {
	t.Helper()
	m := &milleGrille{rootKey: newKey(t), interKey: newKey(t)}
	m.root = issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	}, nil, m.rootKey.Public(), m.rootKey)
	var err error
	if m.idmg, err = certcache.IDMG(m.root); err != nil {
		t.Fatal(err)
	}
	m.inter = issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: instance, Organization: []string{m.idmg}}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}, m.root, m.interKey.Public(), m.rootKey)
	return m
}

func (m *milleGrille) roots() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(m.root)
	return p
}

// peer issues a client certificate with the given exchanges (extension 1.2.3.4.0).
func (m *milleGrille) peer(t *testing.T, exchanges string) *tls.Certificate {
	t.Helper()
	key := newKey(t)
	leaf := issue(t, &x509.Certificate{
		Subject:         pkix.Name{CommonName: "peer", OrganizationalUnit: []string{"media"}, Organization: []string{m.idmg}},
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4, 0}, Value: []byte(exchanges)}},
	}, m.inter, key.Public(), m.interKey)
	return &tls.Certificate{Certificate: [][]byte{leaf.Raw, m.inter.Raw}, PrivateKey: key, Leaf: leaf}
}

func certs(t *testing.T, c *tls.Certificate) []*x509.Certificate {
	t.Helper()
	out := make([]*x509.Certificate, len(c.Certificate))
	for i, der := range c.Certificate {
		var err error
		if out[i], err = x509.ParseCertificate(der); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func fingerprint(c *tls.Certificate) string {
	return fmt.Sprintf("%x", []byte(c.Leaf.PublicKey.(ed25519.PublicKey)))
}

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// issue signs tmpl (valid a day around testNow) under parent (itself when nil).
func issue(t *testing.T, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = testNow.Add(-24*time.Hour), testNow.Add(24*time.Hour)
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
