package certcache

import (
	"crypto/ed25519"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// rootCommonName is the subject CN of every MilleGrille root.
const rootCommonName = "MilleGrille"

// Verify checks the chain at time now against roots, the trusted MilleGrille root
// certificates. In order:
//
//  1. now is within the validity of every certificate of the chain (ErrExpired);
//  2. the chain, leaf first and in the stored order, leads through its own
//     intermediates to one of roots, every signature valid and the root valid at
//     now (ErrChain, ErrExpired); the record's "ca" is never trusted;
//  3. that root is a self-signed Ed25519 certificate with CN=MilleGrille (ErrChain);
//  4. the leaf's subject O equals IDMG(root) (ErrIDMG).
//
// Extended key usages are not restricted: MilleGrilles certificates sign messages,
// they do not serve TLS.
func (c *Chain) Verify(roots *x509.CertPool, now time.Time) error {
	_, err := c.verify(roots, now)
	return err
}

// verify is Verify returning the root the chain leads to.
func (c *Chain) verify(roots *x509.CertPool, now time.Time) (*x509.Certificate, error) {
	if roots == nil {
		return nil, fmt.Errorf("%w: no roots", ErrChain)
	}
	if err := c.checkDates(now); err != nil {
		return nil, err
	}
	paths, err := c.certs[0].Verify(c.options(roots, now))
	if err != nil {
		var invalid x509.CertificateInvalidError
		if errors.As(err, &invalid) && invalid.Reason == x509.Expired {
			return nil, fmt.Errorf("%w: %w", ErrExpired, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrChain, err)
	}
	err = fmt.Errorf("%w: no path through the chain in its order", ErrChain)
	for _, path := range paths {
		if err = c.checkPath(path); err == nil {
			return path[len(path)-1], nil
		}
	}
	return nil, err
}

// checkDates refuses a chain with a certificate not valid at now.
func (c *Chain) checkDates(now time.Time) error {
	for i, cert := range c.certs {
		if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
			return fmt.Errorf("%w: certificate %d (%s) valid %v to %v, now %v",
				ErrExpired, i, cert.Subject.CommonName, cert.NotBefore, cert.NotAfter, now)
		}
	}
	return nil
}

func (c *Chain) options(roots *x509.CertPool, now time.Time) x509.VerifyOptions {
	inter := x509.NewCertPool()
	for _, cert := range c.certs[1:] {
		inter.AddCert(cert)
	}
	return x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
}

// checkPath accepts a verified path (leaf … root) that begins with the chain's
// certificates in their order and ends in a MilleGrille root whose IDMG is the
// leaf's O.
func (c *Chain) checkPath(path []*x509.Certificate) error {
	if len(path) < len(c.certs) {
		return fmt.Errorf("%w: path shorter than the chain", ErrChain)
	}
	for i, cert := range c.certs {
		if !cert.Equal(path[i]) {
			return fmt.Errorf("%w: certificate %d is out of order", ErrChain, i)
		}
	}
	root := path[len(path)-1]
	if err := checkRoot(root); err != nil {
		return err
	}
	idmg, err := IDMG(root)
	if err != nil {
		return err
	}
	if idmg != c.IDMG() {
		return fmt.Errorf("%w: leaf O %q, root IDMG %q", ErrIDMG, c.IDMG(), idmg)
	}
	return nil
}

// checkRoot accepts a self-signed Ed25519 root named CN=MilleGrille.
func checkRoot(root *x509.Certificate) error {
	if _, ok := root.PublicKey.(ed25519.PublicKey); !ok {
		return fmt.Errorf("%w: root key is %T, not Ed25519", ErrChain, root.PublicKey)
	}
	if root.Subject.CommonName != rootCommonName {
		return fmt.Errorf("%w: root CN %q, not %q", ErrChain, root.Subject.CommonName, rootCommonName)
	}
	if err := root.CheckSignatureFrom(root); err != nil {
		return fmt.Errorf("%w: root is not self-signed: %v", ErrChain, err)
	}
	return nil
}
