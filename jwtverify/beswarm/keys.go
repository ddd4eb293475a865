package beswarm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/sesame-go/sesame/jwtverify"
)

// PathPublicKey is where a BeSwarm service publishes its token keys.
const PathPublicKey = "/api/v1/core/publickey"

// maxKeys bounds the keys of one publickey answer.
const maxKeys = 64

// PublicKeys returns the key source of the BeSwarm service at serviceURL: it
// fetches <serviceURL>/api/v1/core/publickey, decodes it with
// DecodePublicKeys, and follows exactly jwtverify.NewRemoteJWKS's rules
// (Cache-Control max-age, stale-while-error, single-flight, back-off,
// unknown-kid refetch at most once per RefreshCooldown, same-origin redirects
// only, https unless InsecureAllowHTTP). serviceURL is configuration: never
// take it from a callback.
//
//	keys, err := beswarm.PublicKeys("https://dev.beswarm.net", jwtverify.RemoteKeysConfig{})
func PublicKeys(serviceURL string, cfg jwtverify.RemoteKeysConfig) (*jwtverify.RemoteKeys, error) {
	return jwtverify.NewRemoteKeys(strings.TrimRight(serviceURL, "/")+PathPublicKey, DecodePublicKeys, "application/json", cfg)
}

// publicKeyAnswer is the publickey document:
// {"datas":[{"indice":"k1","key":"<RSAKeyValue>…</RSAKeyValue>"}],"status":200,"error":…}.
type publicKeyAnswer struct {
	Datas  *[]publicKey `json:"datas"`
	Status *int         `json:"status"`
}

type publicKey struct {
	Indice *string `json:"indice"`
	Key    *string `json:"key"`
}

// DecodePublicKeys reads BeSwarm's publickey answer,
//
//	{"datas":[{"indice":"k1","key":"<RSAKeyValue><Modulus>…</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>"}]}
//
// into a key set with each indice as kid. "status", when present, must be 200.
// A document without datas, an entry without indice or key, a duplicate
// indice, or more than 64 keys is jwtverify.ErrMalformed. Keys that fail
// jwtverify.ParseRSAKeyValue (under 2048 bits, a DOCTYPE, not base64, ...) are
// left out; when none is left the error is that key's (ErrWeakKey,
// ErrMalformed, ErrTooLarge).
func DecodePublicKeys(body []byte) (jwk.Set, error) {
	var a publicKeyAnswer
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&a); err != nil {
		return nil, fmt.Errorf("%w: publickey answer: %w", jwtverify.ErrMalformed, err)
	}
	if d.More() {
		return nil, fmt.Errorf("%w: publickey answer: trailing data", jwtverify.ErrMalformed)
	}
	if a.Status != nil && *a.Status != 200 {
		return nil, fmt.Errorf("%w: publickey answer with status %d", jwtverify.ErrMalformed, *a.Status)
	}
	if a.Datas == nil || len(*a.Datas) == 0 {
		return nil, fmt.Errorf("%w: publickey answer without datas", jwtverify.ErrMalformed)
	}
	if len(*a.Datas) > maxKeys {
		return nil, fmt.Errorf("%w: publickey answer with %d keys, limit %d", jwtverify.ErrMalformed, len(*a.Datas), maxKeys)
	}
	set := jwk.NewSet()
	seen := map[string]bool{}
	var firstErr error
	for _, k := range *a.Datas {
		if k.Indice == nil || *k.Indice == "" || k.Key == nil {
			return nil, fmt.Errorf("%w: publickey entry without indice or key", jwtverify.ErrMalformed)
		}
		kid := *k.Indice
		if seen[kid] {
			return nil, fmt.Errorf("%w: duplicate indice %s", jwtverify.ErrMalformed, quote(kid))
		}
		seen[kid] = true
		pub, err := jwtverify.ParseRSAKeyValue([]byte(*k.Key))
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("key %s: %w", quote(kid), err)
			}
			continue
		}
		jk, err := jwk.FromRaw(pub)
		if err != nil {
			return nil, fmt.Errorf("%w: key %s: %w", jwtverify.ErrMalformed, quote(kid), err)
		}
		_ = jk.Set(jwk.KeyIDKey, kid)
		_ = jk.Set(jwk.KeyUsageKey, "sig")
		if err := set.AddKey(jk); err != nil {
			return nil, fmt.Errorf("%w: key %s: %w", jwtverify.ErrMalformed, quote(kid), err)
		}
	}
	if set.Len() == 0 {
		return nil, firstErr
	}
	return set, nil
}
