package certcache

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// record marshals a certificate record of pems (and ca when not "").
func record(t testing.TB, ca string, pems ...string) []byte {
	t.Helper()
	r := map[string]any{"pems": pems, "ca": nil}
	if ca != "" {
		r["ca"] = ca
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withMember adds member to the JSON object rec.
func withMember(rec []byte, member string) []byte {
	return append(bytes.Clone(rec[:len(rec)-1]), ", "+member+"}"...)
}

// Every malformed record is refused with its sentinel by DecodeRecord.
func TestDecodeRecordRefuses(t *testing.T) {
	p := newPKI(t)
	leaf, inter := encodePEM(p.leaf(t, leafSpec{})), encodePEM(p.inter)
	p256 := encodePEM(p.leaf(t, leafSpec{key: newP256(t).Public()}))
	notUTF8 := encodePEM(p.leaf(t, leafSpec{extensions: []pkix.Extension{{Id: mgOID(oidRoles), Value: []byte{0xff, 0xfe}}}}))
	nine := make([]string, MaxChainLength+1)
	for i := range nine {
		nine[i] = leaf
	}
	tests := []struct {
		name   string
		record []byte
		want   error
	}{
		{"not JSON", []byte("certificat"), ErrMalformed},
		{"JSON null", []byte("null"), ErrMalformed},
		{"JSON array", []byte(`["` + leaf + `"]`), ErrMalformed},
		{"trailing data", append(record(t, "", leaf, inter), "{}"...), ErrMalformed},
		{"no pems", []byte(`{"ca": null}`), ErrMalformed},
		{"pems null", []byte(`{"pems": null, "ca": null}`), ErrMalformed},
		{"empty pems", []byte(`{"pems": [], "ca": null}`), ErrMalformed},
		{"pems not strings", []byte(`{"pems": [1, 2], "ca": null}`), ErrMalformed},
		{"repeated pems", withMember(record(t, "", leaf, inter), `"pems": []`), ErrMalformed},
		{"repeated ca", withMember(record(t, "", leaf, inter), `"ca": null`), ErrMalformed},
		{"ca a number", []byte(`{"pems": ["x"], "ca": 1}`), ErrMalformed},
		{"ca empty string", []byte(strings.Replace(string(record(t, "", leaf, inter)), `"ca":null`, `"ca":""`, 1)), ErrMalformed},
		{"not a PEM", record(t, "", "MIICkTCCAkOgAwIBAgIU"), ErrMalformed},
		{"PEM of a key", record(t, "", strings.ReplaceAll(leaf, "CERTIFICATE", "PRIVATE KEY")), ErrMalformed},
		{"two certificates in one PEM", record(t, "", leaf+inter), ErrMalformed},
		{"text before the PEM", record(t, "", "hello\n"+leaf), ErrMalformed},
		{"broken block before the PEM", record(t, "", "-----BEGIN CERTIFICATE-----\n!!!\n"+leaf), ErrMalformed},
		{"text after the PEM", record(t, "", leaf+"hello"), ErrMalformed},
		{"PEM headers", record(t, "", strings.Replace(leaf, "-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1)), ErrMalformed},
		{"DER not a certificate", record(t, "", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), ErrMalformed},
		{"ca not a PEM", record(t, "junk", leaf, inter), ErrMalformed},
		{"extension not UTF-8", record(t, "", notUTF8, inter), ErrMalformed},
		{"leaf not Ed25519", record(t, "", p256, inter), ErrKeyType},
		{"too many certificates", record(t, "", nine...), ErrTooLarge},
		{"10 MB", append(append([]byte(`{"pems": ["`), strings.Repeat("A", 10<<20)...), `"]}`...), ErrTooLarge},
		{"one byte over the bound", append(record(t, "", leaf), make([]byte, MaxRecordSize)...), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := DecodeRecord(tt.record)
			if !errors.Is(err, tt.want) || c != nil {
				t.Fatalf("DecodeRecord = %v, %v; want %v", c, err, tt.want)
			}
		})
	}
}

// Every chain that must not be trusted is refused with its sentinel by Verify.
func TestVerifyRefuses(t *testing.T) {
	p, other := newPKI(t), newPKI(t)
	leaf := p.leaf(t, leafSpec{})
	autre := newPKIWithRoot(t, "Autre", newEd25519(t))
	ecRoot := newPKIWithRoot(t, rootCommonName, newP256(t))
	notSelfSigned := newPKI(t)
	notSelfSigned.root = issue(t, &x509.Certificate{ // same name and key, signed by another root
		Subject: notSelfSigned.root.Subject, NotBefore: notSelfSigned.root.NotBefore, NotAfter: notSelfSigned.root.NotAfter,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}, other.root, notSelfSigned.rootKey.Public(), other.rootKey)
	notSelfSigned.idmg, _ = IDMG(notSelfSigned.root)
	tests := []struct {
		name  string
		certs []*x509.Certificate
		roots *x509.CertPool
		now   time.Time
		want  error
	}{
		{"wrong order", []*x509.Certificate{p.inter, leaf}, p.roots(), testNow, ErrChain},
		{"leaf twice", []*x509.Certificate{leaf, leaf, p.inter}, p.roots(), testNow, ErrChain},
		{"no intermediate", []*x509.Certificate{leaf}, p.roots(), testNow, ErrChain},
		{"another MilleGrille's roots", []*x509.Certificate{leaf, p.inter}, other.roots(), testNow, ErrChain},
		{"no roots", []*x509.Certificate{leaf, p.inter}, nil, testNow, ErrChain},
		{"intermediate of another MilleGrille", []*x509.Certificate{leaf, other.inter}, p.roots(), testNow, ErrChain},
		{"root not named MilleGrille", []*x509.Certificate{autre.leaf(t, leafSpec{}), autre.inter}, autre.roots(), testNow, ErrChain},
		{"root not self-signed", notSelfSigned.chainCerts(t), notSelfSigned.roots(), testNow, ErrChain},
		{"root not Ed25519", []*x509.Certificate{ecRoot.leaf(t, leafSpec{}), ecRoot.inter}, ecRoot.roots(), testNow, ErrChain},
		{"expired leaf", []*x509.Certificate{p.leaf(t, leafSpec{notAfter: testNow.Add(-time.Second)}), p.inter}, p.roots(), testNow, ErrExpired},
		{"leaf not yet valid", []*x509.Certificate{p.leaf(t, leafSpec{notBefore: testNow.Add(time.Minute)}), p.inter}, p.roots(), testNow, ErrExpired},
		{"expired intermediate", []*x509.Certificate{leaf, p.inter}, p.roots(), p.inter.NotAfter.Add(time.Second), ErrExpired},
		{"O is not the IDMG", []*x509.Certificate{p.leaf(t, leafSpec{org: other.idmg}), p.inter}, p.roots(), testNow, ErrIDMG},
		{"no O", []*x509.Certificate{p.leaf(t, leafSpec{org: " "}), p.inter}, p.roots(), testNow, ErrIDMG},
		{"leaf signed by the root directly, O of another", []*x509.Certificate{p.leaf(t, leafSpec{org: other.idmg, issuer: p.root, issuerKey: p.rootKey})}, p.roots(), testNow, ErrIDMG},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewChain(tt.certs, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Verify(tt.roots, tt.now); !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}
