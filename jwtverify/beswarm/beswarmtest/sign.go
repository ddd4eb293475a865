package beswarmtest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/sesame-go/sesame/jwtverify/beswarm"
)

// hashOf returns the hash an alg spelling signs with.
func hashOf(alg string) (crypto.Hash, bool) {
	switch alg {
	case beswarm.AlgRSASHA256, "RS256":
		return crypto.SHA256, true
	case beswarm.AlgRSASHA384, "RS384":
		return crypto.SHA384, true
	case beswarm.AlgRSASHA512, "RS512":
		return crypto.SHA512, true
	}
	return 0, false
}

// Kid returns the indice of the key that signs now.
func (s *Server) Kid() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[len(s.keys)-1].kid
}

// PublicKeyXML returns the RSAKeyValue of the key kid, as the publickey
// endpoint publishes it ("" for an unknown kid).
func (s *Server) PublicKeyXML(kid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		if k.kid == kid {
			return RSAKeyValue(&k.key.PublicKey)
		}
	}
	return ""
}

// RSAKeyValue writes pub as a .NET RSAKeyValue document (standard base64 with
// padding).
func RSAKeyValue(pub *rsa.PublicKey) string {
	e := big.NewInt(int64(pub.E)).Bytes()
	return "<RSAKeyValue><Modulus>" + base64.StdEncoding.EncodeToString(pub.N.Bytes()) +
		"</Modulus><Exponent>" + base64.StdEncoding.EncodeToString(e) + "</Exponent></RSAKeyValue>"
}

// RotateKey adds a fresh key under a new indice ("k2", "k3", …) that signs
// from now on; the older keys stay published until RemoveKey.
func (s *Server) RotateKey() (string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	kid := fmt.Sprintf("k%d", len(s.keys)+1)
	for s.hasKid(kid) {
		kid += "x"
	}
	s.keys = append(s.keys, signingKey{kid, key})
	return kid, nil
}

func (s *Server) hasKid(kid string) bool {
	for _, k := range s.keys {
		if k.kid == kid {
			return true
		}
	}
	return false
}

// RemoveKey stops publishing kid; the newest key is never removed.
func (s *Server) RemoveKey(kid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range s.keys[:len(s.keys)-1] {
		if k.kid == kid {
			s.keys = append(s.keys[:i:i], s.keys[i+1:]...)
			return
		}
	}
}

// Sign signs the exact header and payload bytes with the current key (RSA
// PKCS #1 v1.5 with hash) and returns the compact token. Nothing is checked,
// so tests can sign any header: the example header of BeSwarm's
// documentation, an alg that lies about the hash, …
func (s *Server) Sign(hash crypto.Hash, header, payload []byte) (string, error) {
	s.mu.Lock()
	key := s.keys[len(s.keys)-1].key
	bad := s.faults.BadSignature
	s.mu.Unlock()
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	h := hash.New()
	h.Write([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, hash, h.Sum(nil))
	if err != nil {
		return "", err
	}
	if bad {
		sig[len(sig)-1] ^= 1
	}
	return input + "." + enc.EncodeToString(sig), nil
}

// Mint signs claims as BeSwarm does: header {"alg":<Config.Alg>,"typ":"JWT",
// "kid":<Kid()>}.
func (s *Server) Mint(claims map[string]any) (string, error) {
	header, _ := json.Marshal(map[string]string{"alg": s.cfg.Alg, "typ": "JWT", "kid": s.Kid()})
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	hash, _ := hashOf(s.cfg.Alg)
	return s.Sign(hash, header, payload)
}

// Claims returns the claims of a user or application token as BeSwarm writes
// them (every claim a string but nbf and exp; scope and funcs JSON in a
// string), for a login whose code challenge hashes to challengeHash.
func (s *Server) Claims(typ beswarm.TokenType, challengeHash string) map[string]any {
	now := s.cfg.Now()
	private := make([]byte, 180)
	_, _ = rand.Read(private)
	scope := "{}"
	if typ == beswarm.User {
		scope = EncodeScope(s.cfg.Rights)
	}
	return map[string]any{
		"tokentype": string(typ), "iss": s.cfg.Issuer, "nonce": challengeHash,
		"scope": scope, "funcs": "[]", "aud": beswarm.AnyAudience,
		"swarmid": s.cfg.Swarm, "lang": s.cfg.Lang,
		"private": "@" + base64.StdEncoding.EncodeToString(private),
		"nbf":     now.Unix(), "exp": now.Add(s.cfg.Lifetime).Unix(),
	}
}

// EncodeScope writes rights as BeSwarm's scope string:
// {"resource":{"read":true,"write":true,"delete":false},…}.
func EncodeScope(r beswarm.Rights) string {
	type right struct {
		Read   bool `json:"read"`
		Write  bool `json:"write"`
		Delete bool `json:"delete"`
	}
	m := make(map[string]right, len(r))
	for k, v := range r {
		m[k] = right{v.Read, v.Write, v.Delete}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// expiresOn is the expires_on BeSwarm's server writes: the issue time minus
// the lifetime, in Unix seconds (a bug clients must not rely on).
func expiresOn(now time.Time, ttl time.Duration) string {
	return fmt.Sprint(now.Add(-ttl).Unix())
}

// bearerless strips a "Bearer " prefix (BeSwarm's own client sends the
// refresh token with it).
func bearerless(tok string) string {
	if len(tok) > 7 && strings.EqualFold(tok[:7], "bearer ") {
		return tok[7:]
	}
	return tok
}
