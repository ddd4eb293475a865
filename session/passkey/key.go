package passkey

import (
	"fmt"
	"math/big"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// MinRSABits is the smallest RSA modulus Sesame accepts, at registration and
// in a stored record.
const MinRSABits = 2048

// algorithm describes one of webauthn-rs's COSEAlgorithm names.
type algorithm struct {
	name  string                               // webauthn-rs's type_, as written
	alias string                               // the serde alias also read
	id    webauthncose.COSEAlgorithmIdentifier // COSE alg
	key   string                               // the key variant it needs
	curve string                               // the curve it needs (EC keys)
}

// algorithmByName and algorithmByID are the one table of algorithms; webauthn-rs's
// INSECURE_RS1 is refused. algorithmByName also reads the serde aliases of
// webauthn-rs's COSEAlgorithm (ECDSA_SHA256, ECDSA_SHA384, ECDSA_SHA512); the
// algorithm it returns carries the canonical name, the one written.
func algorithmByName(name string) (algorithm, bool) {
	for _, a := range algorithms() {
		if a.name == name || (a.alias != "" && a.alias == name) {
			return a, true
		}
	}
	return algorithm{}, false
}

func algorithmByID(id int64) (algorithm, bool) {
	for _, a := range algorithms() {
		if int64(a.id) == id {
			return a, true
		}
	}
	return algorithm{}, false
}

func algorithms() []algorithm {
	return []algorithm{
		{"ES256", "ECDSA_SHA256", webauthncose.AlgES256, "EC_EC2", "SECP256R1"},
		{"ES384", "ECDSA_SHA384", webauthncose.AlgES384, "EC_EC2", "SECP384R1"},
		{"ES512", "ECDSA_SHA512", webauthncose.AlgES512, "EC_EC2", "SECP521R1"},
		{"RS256", "", webauthncose.AlgRS256, "RSA", ""},
		{"RS384", "", webauthncose.AlgRS384, "RSA", ""},
		{"RS512", "", webauthncose.AlgRS512, "RSA", ""},
		{"PS256", "", webauthncose.AlgPS256, "RSA", ""},
		{"PS384", "", webauthncose.AlgPS384, "RSA", ""},
		{"PS512", "", webauthncose.AlgPS512, "RSA", ""},
		{"EDDSA", "", webauthncose.AlgEdDSA, "EC_OKP", "ED25519"},
	}
}

// curveInfo gives a webauthn-rs curve's COSE id and coordinate size.
func curveInfo(name string) (crv int64, size int, ok bool) {
	switch name {
	case "SECP256R1":
		return 1, 32, true
	case "SECP384R1":
		return 2, 48, true
	case "SECP521R1":
		return 3, 66, true
	case "ED25519":
		return 6, 32, true
	}
	return 0, 0, false
}

func curveName(crv int64) string {
	for _, n := range []string{"SECP256R1", "SECP384R1", "SECP521R1", "ED25519"} {
		if c, _, _ := curveInfo(n); c == crv {
			return n
		}
	}
	return ""
}

// readCOSE reads webauthn-rs's COSEKey {"type_", "key"} into COSE_Key bytes,
// checked as go-webauthn checks a key at registration.
func readCOSE(o *object) ([]byte, error) {
	typ, err := o.str("type_")
	if err != nil {
		return nil, err
	}
	alg, ok := algorithmByName(typ)
	if !ok {
		return nil, fmt.Errorf("%w: %s.type_ = %s is not a supported algorithm", ErrFormat, o.path, quote(typ))
	}
	kv, err := o.get("key")
	if err != nil {
		return nil, err
	}
	name, val, err := variant(kv, o.path+".key")
	if err != nil {
		return nil, err
	}
	if val == nil {
		return nil, fmt.Errorf("%w: %s.key = %s has no value", ErrFormat, o.path, quote(name))
	}
	if name != alg.key {
		return nil, fmt.Errorf("%w: %s.key is %s, %s needs %s", ErrFormat, o.path, quote(name), typ, alg.key)
	}
	k, err := asObject(val, o.path+".key."+name)
	if err != nil {
		return nil, err
	}
	pk := webauthncose.PublicKeyData{Algorithm: int64(alg.id)}
	var v any
	switch name {
	case "EC_EC2":
		curve, err := k.oneOf("curve", alg.curve)
		if err != nil {
			return nil, err
		}
		crv, size, _ := curveInfo(curve)
		x, err := k.sizedBytes("x", size)
		if err != nil {
			return nil, err
		}
		y, err := k.sizedBytes("y", size)
		if err != nil {
			return nil, err
		}
		pk.KeyType = int64(webauthncose.EllipticKey)
		v = webauthncose.EC2PublicKeyData{PublicKeyData: pk, Curve: crv, XCoord: x, YCoord: y}
	case "RSA":
		n, err := k.bytes("n", 1024)
		if err != nil {
			return nil, err
		}
		e, err := k.fixedBytes("e", 3)
		if err != nil {
			return nil, err
		}
		pk.KeyType = int64(webauthncose.RSAKey)
		v = webauthncose.RSAPublicKeyData{PublicKeyData: pk, Modulus: n, Exponent: e}
	case "EC_OKP":
		curve, err := k.oneOf("curve", alg.curve)
		if err != nil {
			return nil, err
		}
		crv, size, _ := curveInfo(curve)
		x, err := k.fixedBytes("x", size)
		if err != nil {
			return nil, err
		}
		pk.KeyType = int64(webauthncose.OctetKey)
		v = webauthncose.OKPPublicKeyData{PublicKeyData: pk, Curve: crv, XCoord: x}
	}
	b, err := webauthncbor.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrFormat, o.path, err)
	}
	if _, _, err := checkKey(b); err != nil {
		return nil, fmt.Errorf("%s: %w", o.path, err)
	}
	return b, nil
}

// checkKey parses COSE_Key bytes and applies Sesame's key rules: an algorithm
// webauthn-rs knows, a valid point, RSA of MinRSABits or more.
func checkKey(cose []byte) (any, algorithm, error) {
	key, err := webauthncose.ParsePublicKey(cose)
	if err != nil {
		return nil, algorithm{}, fmt.Errorf("%w: %w", ErrWeakKey, err)
	}
	var id int64
	switch k := key.(type) {
	case webauthncose.EC2PublicKeyData:
		id = k.Algorithm
	case webauthncose.OKPPublicKeyData:
		id = k.Algorithm
		if k.Curve != 6 {
			return nil, algorithm{}, fmt.Errorf("%w: OKP curve %d", ErrWeakKey, k.Curve)
		}
	case webauthncose.RSAPublicKeyData:
		id = k.Algorithm
		if bits := new(big.Int).SetBytes(k.Modulus).BitLen(); bits < MinRSABits {
			return nil, algorithm{}, fmt.Errorf("%w: RSA key of %d bits, under %d", ErrWeakKey, bits, MinRSABits)
		}
		if len(k.Exponent) > 3 {
			return nil, algorithm{}, fmt.Errorf("%w: RSA exponent of %d bytes (webauthn-rs holds 3)", ErrWeakKey, len(k.Exponent))
		}
	default:
		return nil, algorithm{}, fmt.Errorf("%w: key type %T", ErrWeakKey, key)
	}
	alg, ok := algorithmByID(id)
	if !ok {
		return nil, algorithm{}, fmt.Errorf("%w: COSE algorithm %d", ErrWeakKey, id)
	}
	return key, alg, nil
}

// Wire shapes of webauthn-rs's COSEKey, written in its member order.
type wireCOSE struct {
	Type string  `json:"type_"`
	Key  wireKey `json:"key"`
}

type wireKey struct {
	EC2 *wireEC2 `json:"EC_EC2,omitempty"`
	RSA *wireRSA `json:"RSA,omitempty"`
	OKP *wireOKP `json:"EC_OKP,omitempty"`
}

type wireEC2 struct {
	Curve string `json:"curve"`
	X     b64    `json:"x"`
	Y     b64    `json:"y"`
}

type wireRSA struct {
	N b64       `json:"n"`
	E byteArray `json:"e"`
}

type wireOKP struct {
	Curve string    `json:"curve"`
	X     byteArray `json:"x"`
}

// writeCOSE turns COSE_Key bytes into webauthn-rs's COSEKey.
func writeCOSE(cose []byte) (wireCOSE, error) {
	key, alg, err := checkKey(cose)
	if err != nil {
		return wireCOSE{}, err
	}
	w := wireCOSE{Type: alg.name}
	switch k := key.(type) {
	case webauthncose.EC2PublicKeyData:
		w.Key.EC2 = &wireEC2{Curve: curveName(k.Curve), X: k.XCoord, Y: k.YCoord}
	case webauthncose.OKPPublicKeyData:
		w.Key.OKP = &wireOKP{Curve: curveName(k.Curve), X: k.XCoord}
	case webauthncose.RSAPublicKeyData:
		e := make([]byte, 3)
		copy(e[3-len(k.Exponent):], k.Exponent)
		w.Key.RSA = &wireRSA{N: k.Modulus, E: e}
	}
	return w, nil
}
