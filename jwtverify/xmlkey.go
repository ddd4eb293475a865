package jwtverify

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// MaxRSAKeyValueSize bounds an RSAKeyValue document.
const MaxRSAKeyValueSize = 8 << 10

// ParseRSAKeyValue reads a .NET / XML-DSig public key:
//
//	<RSAKeyValue><Modulus>…</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>
//
// Values are standard base64 with padding; whitespace inside them is tolerated,
// and elements it does not know are ignored. A document that carries a private
// member (D, P, Q, DP, DQ, InverseQ) is refused with ErrWeakKey, as a JWK with
// "d" is: a published private key lets anyone mint tokens. The document is
// bounded (8 KiB, ErrTooLarge); DOCTYPE, entities and processing instructions
// other than the XML declaration are refused (ErrKeyDocument). The key must
// pass the RSA checks (ErrWeakKey).
func ParseRSAKeyValue(doc []byte) (*rsa.PublicKey, error) {
	if len(doc) > MaxRSAKeyValueSize {
		return nil, fmt.Errorf("%w: RSAKeyValue of %d bytes, limit %d", ErrTooLarge, len(doc), MaxRSAKeyValueSize)
	}
	mod, exp, err := rsaKeyValueParts(doc)
	if err != nil {
		return nil, err
	}
	n, err := xmlBase64Int(mod, "Modulus")
	if err != nil {
		return nil, err
	}
	e, err := xmlBase64Int(exp, "Exponent")
	if err != nil {
		return nil, err
	}
	if !e.IsInt64() || e.Int64() > maxRSAExp {
		return nil, fmt.Errorf("%w: RSA exponent too large", ErrWeakKey)
	}
	pub := &rsa.PublicKey{N: n, E: int(e.Int64())}
	if err := checkRSA(pub); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWeakKey, err)
	}
	return pub, nil
}

// privateRSAMember reports whether an RSAKeyValue element is part of a
// private key (.NET's RSAParameters).
func privateRSAMember(name string) bool {
	switch name {
	case "D", "P", "Q", "DP", "DQ", "InverseQ":
		return true
	}
	return false
}

// rsaKeyValueParts walks the document and returns the Modulus and Exponent text.
func rsaKeyValueParts(doc []byte) (mod, exp []byte, err error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	d.Entity = map[string]string{} // no entities beyond XML's five
	var depth int
	var cur string
	var seenRoot bool
	for {
		tok, terr := d.Token()
		if terr == io.EOF {
			break
		}
		if terr != nil {
			return nil, nil, fmt.Errorf("%w: RSAKeyValue: %w", ErrKeyDocument, terr)
		}
		switch t := tok.(type) {
		case xml.Directive, xml.ProcInst:
			if pi, ok := t.(xml.ProcInst); ok && pi.Target == "xml" && !seenRoot {
				continue
			}
			return nil, nil, fmt.Errorf("%w: RSAKeyValue: DOCTYPE, entity or processing instruction refused", ErrKeyDocument)
		case xml.StartElement:
			depth++
			switch {
			case depth == 1 && t.Name.Local == "RSAKeyValue" && !seenRoot:
				seenRoot = true
			case depth == 1:
				return nil, nil, fmt.Errorf("%w: root element %s, want <RSAKeyValue>", ErrKeyDocument, quote(t.Name.Local))
			case depth == 2:
				cur = t.Name.Local
				if privateRSAMember(cur) {
					return nil, nil, fmt.Errorf("%w: RSAKeyValue carries the private member %s", ErrWeakKey, quote(cur))
				}
				if (cur == "Modulus" && mod != nil) || (cur == "Exponent" && exp != nil) {
					return nil, nil, fmt.Errorf("%w: RSAKeyValue: duplicate %s", ErrKeyDocument, quote(cur))
				}
			default:
				return nil, nil, fmt.Errorf("%w: RSAKeyValue: unexpected nested %s", ErrKeyDocument, quote(t.Name.Local))
			}
		case xml.EndElement:
			depth--
			if depth == 1 {
				if cur == "Modulus" && mod == nil {
					mod = []byte{}
				} else if cur == "Exponent" && exp == nil {
					exp = []byte{}
				}
				cur = ""
			}
		case xml.CharData:
			switch {
			case depth == 2 && cur == "Modulus":
				mod = append(mod, t...)
			case depth == 2 && cur == "Exponent":
				exp = append(exp, t...)
			case depth != 2 && len(bytes.TrimSpace(t)) > 0:
				return nil, nil, fmt.Errorf("%w: RSAKeyValue: stray text", ErrKeyDocument)
			}
		}
	}
	if !seenRoot || len(mod) == 0 || len(exp) == 0 {
		return nil, nil, fmt.Errorf("%w: RSAKeyValue needs <Modulus> and <Exponent>", ErrKeyDocument)
	}
	return mod, exp, nil
}

func xmlBase64Int(text []byte, name string) (*big.Int, error) {
	clean := strings.Join(strings.Fields(string(text)), "")
	b, err := base64.StdEncoding.Strict().DecodeString(clean)
	if err != nil {
		return nil, fmt.Errorf("%w: RSAKeyValue %s is not standard base64: %w", ErrKeyDocument, quote(name), err)
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: RSAKeyValue %s is empty", ErrKeyDocument, quote(name))
	}
	return new(big.Int).SetBytes(b), nil
}

// NewXMLKeys builds a key source from RSAKeyValue documents by kid (as BeSwarm's
// publickey endpoint lists them). Every key is parsed and checked; the failure
// of the first kid in sorted order is returned (ErrWeakKey, ErrKeyDocument,
// ErrTooLarge).
func NewXMLKeys(docs map[string][]byte) (*StaticKeys, error) {
	set := jwk.NewSet()
	for _, kid := range slices.Sorted(maps.Keys(docs)) {
		doc := docs[kid]
		pub, err := ParseRSAKeyValue(doc)
		if err != nil {
			return nil, fmt.Errorf("key %s: %w", quote(kid), err)
		}
		jk, err := jwk.FromRaw(pub)
		if err != nil {
			return nil, errors.Join(ErrConfig, err)
		}
		if kid != "" {
			_ = jk.Set(jwk.KeyIDKey, kid)
		}
		_ = set.AddKey(jk)
	}
	if set.Len() == 0 {
		return nil, fmt.Errorf("%w: no keys", ErrConfig)
	}
	return &StaticKeys{set: set}, nil
}
