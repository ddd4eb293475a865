package certcache

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sesame-go/sesame/internal/jsonobj"
)

// MaxRecordSize bounds a certificate record in bytes. Larger records are refused
// (ErrTooLarge) before any parsing; a chain of 8 Ed25519 certificates is under
// 8 KiB.
const MaxRecordSize = 64 << 10

// KeyPrefix starts the Redis key of every certificate record:
// certificat_v1:<fingerprint>.
const KeyPrefix = "certificat_v1:"

// Key returns the Redis key of the record of fingerprint fp.
func Key(fp string) string { return KeyPrefix + fp }

// DecodeRecord reads a certificate record, the JSON
//
//	{"pems": ["<leaf PEM>", "<intermediate PEM>", …], "ca": null | "<root PEM>"}
//
// as MilleGrilles' own services read it, tolerant of additions and exact in
// meaning: members other than "pems" and "ca" are ignored (a service that
// adds one does not break every lookup), "ca" may be absent or null. Strict
// where it guards something: at most MaxRecordSize bytes, one JSON object
// without repeated names, "pems" a list of one to MaxChainLength strings,
// each one CERTIFICATE block with real or literal `\n` line breaks, an
// Ed25519 leaf. The chain is not verified: call Chain.Verify.
func DecodeRecord(b []byte) (*Chain, error) {
	if len(b) > MaxRecordSize {
		return nil, fmt.Errorf("%w: %d bytes (max %d)", ErrTooLarge, len(b), MaxRecordSize)
	}
	members, err := jsonobj.Members(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	pems, err := decodePEMs(members["pems"])
	if err != nil {
		return nil, err
	}
	var ca *string
	if raw, ok := members["ca"]; ok {
		if err := json.Unmarshal(raw, &ca); err != nil {
			return nil, fmt.Errorf("%w: ca is neither null nor a string", ErrMalformed)
		}
	}
	if ca != nil && *ca == "" {
		return nil, fmt.Errorf("%w: empty ca", ErrMalformed)
	}
	return ParseChain(pems, deref(ca))
}

func decodePEMs(raw json.RawMessage) ([]string, error) {
	if raw == nil {
		return nil, fmt.Errorf("%w: no pems", ErrMalformed)
	}
	var pems []string
	if err := json.Unmarshal(raw, &pems); err != nil {
		return nil, fmt.Errorf("%w: pems is not a list of strings", ErrMalformed)
	}
	if len(pems) == 0 {
		return nil, fmt.Errorf("%w: empty pems", ErrMalformed)
	}
	return pems, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// EncodeRecord writes c's record byte for byte as Python's json.dumps does:
//
//	{"pems": ["-----BEGIN CERTIFICATE-----\nMII…\n-----END CERTIFICATE-----\n", …], "ca": null}
//
// with ", " and ": " separators and real line breaks (escaped as \n) in the
// PEMs; "ca" is the root PEM when the chain carries one.
func EncodeRecord(c *Chain) []byte {
	quoted := make([]string, len(c.certs))
	for i, cert := range c.certs {
		quoted[i] = quote(encodePEM(cert))
	}
	ca := "null"
	if c.ca != nil {
		ca = quote(encodePEM(c.ca))
	}
	var b strings.Builder
	b.Grow(64 + len(ca) + len(quoted)*1024)
	b.WriteString(`{"pems": [`)
	b.WriteString(strings.Join(quoted, ", "))
	b.WriteString(`], "ca": `)
	b.WriteString(ca)
	b.WriteString("}")
	return []byte(b.String())
}

// quote writes a PEM as a JSON string. PEMs are ASCII (base64, dashes, letters,
// spaces and line breaks), which json.Marshal and Python's ensure_ascii escape
// alike.
func quote(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}
