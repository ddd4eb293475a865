package certcache

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
)

// parsePEM reads exactly one CERTIFICATE block, without headers, from s, whose
// line breaks may be real or literal `\n`. Anything but whitespace around the
// block is refused.
func parsePEM(s string) (*x509.Certificate, error) {
	s = strings.ReplaceAll(s, `\n`, "\n")
	block, rest := pem.Decode([]byte(s))
	switch {
	case block == nil:
		return nil, fmt.Errorf("%w: not a PEM block", ErrMalformed)
	case block.Type != "CERTIFICATE":
		return nil, fmt.Errorf("%w: PEM type %q", ErrMalformed, block.Type)
	case len(block.Headers) != 0:
		return nil, fmt.Errorf("%w: PEM headers", ErrMalformed)
	case len(bytes.TrimSpace(rest)) != 0:
		return nil, fmt.Errorf("%w: data after the PEM block", ErrMalformed)
	case !strings.HasPrefix(strings.TrimSpace(s), "-----BEGIN") || strings.Count(s, "-----BEGIN") != 1:
		return nil, fmt.Errorf("%w: data before the PEM block", ErrMalformed)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return cert, nil
}

// encodePEM writes cert as the PEM every MilleGrilles encoder writes: 64-column
// base64 with real line breaks, ending in a line break.
func encodePEM(cert *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
}
