package certcache

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testNow is the clock of the tests that build their own certificates.
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// pki is a MilleGrille of the tests' own: a self-signed Ed25519 root
// (CN=MilleGrille), an intermediate, and leaves issued on demand.
type pki struct {
	root, inter *x509.Certificate
	rootKey     crypto.Signer
	interKey    ed25519.PrivateKey
	idmg        string
}

// leafSpec describes a leaf; zero fields take the usual values.
type leafSpec struct {
	org                 string            // default: the pki's IDMG
	key                 crypto.PublicKey  // default: a new Ed25519 key
	notBefore, notAfter time.Time         // default: testNow ± 1 h / + 24 h
	extensions          []pkix.Extension  // default: exchanges and roles
	issuer              *x509.Certificate // default: the intermediate
	issuerKey           crypto.Signer
}

func newPKI(t testing.TB) *pki {
	t.Helper()
	return newPKIWithRoot(t, rootCommonName, newEd25519(t))
}

// newPKIWithRoot is newPKI with a root named cn, of key rootKey.
func newPKIWithRoot(t testing.TB, cn string, rootKey crypto.Signer) *pki {
	t.Helper()
	p := &pki{rootKey: rootKey, interKey: newEd25519(t)}
	p.root = issue(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             testNow.Add(-24 * time.Hour),
		NotAfter:              testNow.Add(365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil, p.rootKey.Public(), p.rootKey)
	var err error
	if p.idmg, err = IDMG(p.root); err != nil {
		t.Fatal(err)
	}
	p.inter = issue(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "5cb9d50e-0000", Organization: []string{p.idmg}},
		NotBefore:             testNow.Add(-24 * time.Hour),
		NotAfter:              testNow.Add(300 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, p.root, p.interKey.Public(), p.rootKey)
	return p
}

func (p *pki) roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root)
	return pool
}

// leaf issues a leaf for s.
func (p *pki) leaf(t testing.TB, s leafSpec) *x509.Certificate {
	t.Helper()
	if s.org == "" {
		s.org = p.idmg
	}
	if s.key == nil {
		s.key = newEd25519(t).Public()
	}
	if s.notBefore.IsZero() {
		s.notBefore = testNow.Add(-time.Hour)
	}
	if s.notAfter.IsZero() {
		s.notAfter = testNow.Add(24 * time.Hour)
	}
	if s.extensions == nil {
		s.extensions = []pkix.Extension{
			{Id: mgOID(oidExchanges), Value: []byte("2.prive,1.public")},
			{Id: mgOID(oidRoles), Value: []byte("maitrecomptes")},
		}
	}
	if s.issuer == nil {
		s.issuer, s.issuerKey = p.inter, p.interKey
	}
	return issue(t, &x509.Certificate{
		Subject: pkix.Name{
			CommonName:         "instance-1",
			OrganizationalUnit: []string{"maitrecomptes"},
			Organization:       []string{s.org},
		},
		NotBefore:       s.notBefore,
		NotAfter:        s.notAfter,
		ExtraExtensions: s.extensions,
	}, s.issuer, s.key, s.issuerKey)
}

// chain issues a leaf for s and returns it with the intermediate.
func (p *pki) chain(t testing.TB, s leafSpec) *Chain {
	t.Helper()
	c, err := NewChain([]*x509.Certificate{p.leaf(t, s), p.inter}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// chainCerts issues a leaf and returns it with the intermediate.
func (p *pki) chainCerts(t testing.TB) []*x509.Certificate {
	t.Helper()
	return []*x509.Certificate{p.leaf(t, leafSpec{}), p.inter}
}

// mgOID parses one of the MilleGrilles extension OIDs.
func mgOID(s string) asn1.ObjectIdentifier {
	var oid asn1.ObjectIdentifier
	for _, part := range strings.Split(s, ".") {
		n, _ := strconv.Atoi(part)
		oid = append(oid, n)
	}
	return oid
}

func newEd25519(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newP256(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// issue signs tmpl with signer as parent (tmpl itself when parent is nil).
func issue(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = serial
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
