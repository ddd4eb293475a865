package jwttest_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// segment returns the decoded n-th segment (0 header, 1 payload, 2 signature)
// of a compact token.
func segment(t *testing.T, tok string, n int) []byte {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d segments, want 3", tok, len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[n])
	if err != nil {
		t.Fatalf("segment %d of %q: %v", n, tok, err)
	}
	return b
}

// verifyRS256 checks the RS256 signature of tok with pub, whatever its header
// says.
func verifyRS256(t *testing.T, pub crypto.PublicKey, tok string) {
	t.Helper()
	rsaPub, ok := pub.(*rsa.PublicKey)
	if !ok {
		t.Fatalf("public key is %T, want *rsa.PublicKey", pub)
	}
	cut := strings.LastIndexByte(tok, '.')
	if err := rsa.VerifyPKCS1v15(rsaPub, crypto.SHA256, sha256Sum(tok[:cut]), segment(t, tok, 2)); err != nil {
		t.Fatalf("RS256 signature of %q: %v", tok, err)
	}
}

// sha256Sum returns the SHA-256 digest of s.
func sha256Sum(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}

// headerKid returns the kid in the header of tok.
func headerKid(t *testing.T, tok string) string {
	t.Helper()
	var h struct{ Kid string }
	if err := json.Unmarshal(segment(t, tok, 0), &h); err != nil {
		t.Fatalf("header of %q: %v", tok, err)
	}
	return h.Kid
}
