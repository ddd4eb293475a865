package passkey

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// soft is a software authenticator for the ceremony tests: P-256 (or a weak
// RSA key at registration), "none" attestation, its flags and counter set by
// the test.
type soft struct {
	rpID, origin string
	key          *ecdsa.PrivateKey
	rsaKey       *rsa.PrivateKey // registers an RSA key instead
	credID       []byte
	userHandle   []byte
	counter      uint32
	flags        protocol.AuthenticatorFlags // added to UP (UV, BE, BS)
	clientType   string                      // overrides the client data type
	challenge    string                      // overrides the challenge
}

func newSoft(t testing.TB) *soft {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 32)
	_, _ = rand.Read(id)
	return &soft{rpID: "example.test", origin: "https://example.test", key: k, credID: id, flags: protocol.FlagUserVerified}
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		User      struct {
			ID string `json:"id"`
		} `json:"user"`
		AllowCredentials []struct {
			ID string `json:"id"`
		} `json:"allowCredentials"`
	} `json:"publicKey"`
}

func (a *soft) clientData(t testing.TB, typ, challenge string) []byte {
	if a.clientType != "" {
		typ = a.clientType
	}
	if a.challenge != "" {
		challenge = a.challenge
	}
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.origin, "crossOrigin": false})
	return b
}

func (a *soft) authData(attested []byte) []byte {
	h := sha256.Sum256([]byte(a.rpID))
	d := append(h[:], byte(protocol.FlagUserPresent|a.flags))
	d = binary.BigEndian.AppendUint32(d, a.counter)
	if attested != nil {
		d[32] |= byte(protocol.FlagAttestedCredentialData)
		d = append(d, attested...)
	}
	return d
}

func (a *soft) coseKey(t testing.TB) []byte {
	var v any
	if a.rsaKey != nil {
		v = webauthncose.RSAPublicKeyData{
			PublicKeyData: webauthncose.PublicKeyData{KeyType: int64(webauthncose.RSAKey), Algorithm: int64(webauthncose.AlgRS256)},
			Modulus:       a.rsaKey.N.Bytes(), Exponent: []byte{1, 0, 1},
		}
	} else {
		v = webauthncose.EC2PublicKeyData{
			PublicKeyData: webauthncose.PublicKeyData{KeyType: int64(webauthncose.EllipticKey), Algorithm: int64(webauthncose.AlgES256)},
			Curve:         1, XCoord: a.key.X.FillBytes(make([]byte, 32)), YCoord: a.key.Y.FillBytes(make([]byte, 32)),
		}
	}
	b, err := webauthncbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// create answers credential creation options with a registration response.
func (a *soft) create(t testing.TB, opts []byte) []byte {
	t.Helper()
	var o options
	if err := json.Unmarshal(opts, &o); err != nil {
		t.Fatalf("%v: %s", err, opts)
	}
	a.userHandle, _ = base64.RawURLEncoding.DecodeString(o.PublicKey.User.ID)
	att := make([]byte, 16) // AAGUID
	att = binary.BigEndian.AppendUint16(att, uint16(len(a.credID)))
	att = append(att, a.credID...)
	att = append(att, a.coseKey(t)...)
	obj, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": a.authData(att)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{
		"id": b64u(a.credID), "rawId": b64u(a.credID), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON":    b64u(a.clientData(t, "webauthn.create", o.PublicKey.Challenge)),
			"attestationObject": b64u(obj),
			"transports":        []string{"internal"},
		},
		"clientExtensionResults": map[string]any{},
	})
	return b
}

// get answers assertion options with an assertion.
func (a *soft) get(t testing.TB, opts []byte) []byte {
	t.Helper()
	var o options
	if err := json.Unmarshal(opts, &o); err != nil {
		t.Fatalf("%v: %s", err, opts)
	}
	cd := a.clientData(t, "webauthn.get", o.PublicKey.Challenge)
	ad := a.authData(nil)
	h := sha256.Sum256(cd)
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, sha256Sum(append(append([]byte{}, ad...), h[:]...)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{
		"id": b64u(a.credID), "rawId": b64u(a.credID), "type": "public-key",
		"response": map[string]any{
			"clientDataJSON": b64u(cd), "authenticatorData": b64u(ad),
			"signature": b64u(sig), "userHandle": b64u(a.userHandle),
		},
		"clientExtensionResults": map[string]any{},
	})
	return b
}

func sha256Sum(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}
