package certcache

import (
	"crypto/x509"
	"os"
	"testing"
	"time"
)

// Facts of the seed record (testdata/seed-record.json, copied from the source
// document with its literal \n) and its root (testdata/millegrille-root.pem).
const (
	seedFingerprint = "e47052a4ec2461152f0efe577305a0dc16836dfea36b4bd7d5ec6f875b0497b6"
	seedIDMG        = "zeYncRqEqZ6eTEmUZ8whJFuHG796eSvCTWE4M432izXrp22bAtwGm7Jf"
	seedInstance    = "5cb9d50e-110e-421a-b944-523b60af4c3b"
)

// seedTime is a moment when the seed chain was valid (2024-05-29).
var seedTime = time.Unix(1717000000, 0)

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func seedRecord(t testing.TB) []byte {
	t.Helper()
	return readFile(t, "testdata/seed-record.json")
}

func seedChain(t testing.TB) *Chain {
	t.Helper()
	c, err := DecodeRecord(seedRecord(t))
	if err != nil {
		t.Fatalf("DecodeRecord(seed): %v", err)
	}
	return c
}

func seedRootCert(t testing.TB) *x509.Certificate {
	t.Helper()
	c, err := parsePEM(string(readFile(t, "testdata/millegrille-root.pem")))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func seedRoots(t testing.TB) *x509.CertPool {
	t.Helper()
	p := x509.NewCertPool()
	p.AddCert(seedRootCert(t))
	return p
}
