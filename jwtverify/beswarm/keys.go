package beswarm

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/sesame-go/sesame/internal/jsonobj"
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

// DecodePublicKeys reads BeSwarm's publickey answer,
//
//	{"datas":[{"indice":"k1","key":"<RSAKeyValue><Modulus>…</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>"}]}
//
// into a key set with each indice as kid, as BeSwarm's own client reads it:
// members it does not know are ignored, "status" may be absent or null and
// is otherwise 200. A document that is not that JSON, repeats a member, has
// no datas, an entry without a string indice or key, a repeated indice, or
// more than 64 keys is jwtverify.ErrKeyDocument (fetched by PublicKeys, it
// is wrapped in jwtverify.ErrUnavailable: a 503, never a verdict on a token).
// A key jwtverify.ParseRSAKeyValue refuses (under 2048 bits, carrying
// private members, not base64, ...) stays in the set as a
// jwtverify.RefusedKey, so a token naming it is ErrWeakKey as with a JWKS;
// when no key is usable the error is the first refused key's (ErrWeakKey,
// ErrKeyDocument, ErrTooLarge), as DecodeJWKS's is.
func DecodePublicKeys(body []byte) (jwk.Set, error) {
	entries, err := publicKeyEntries(body)
	if err != nil {
		return nil, err
	}
	set := jwk.NewSet()
	seen := map[string]bool{}
	var usable int
	var firstErr error
	for _, e := range entries {
		if seen[e.kid] {
			return nil, fmt.Errorf("%w: duplicate indice %s", jwtverify.ErrKeyDocument, quote(e.kid))
		}
		seen[e.kid] = true
		jk, err := publicKeyJWK(e)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("no usable signature key: key %s: %w", quote(e.kid), err)
			}
			jk = jwtverify.RefusedKey(e.kid, err)
		} else {
			usable++
		}
		if err := set.AddKey(jk); err != nil {
			return nil, fmt.Errorf("%w: key %s: %w", jwtverify.ErrKeyDocument, quote(e.kid), err)
		}
	}
	if usable == 0 {
		return nil, firstErr
	}
	return set, nil
}

type publicKeyEntry struct{ kid, key string }

// publicKeyEntries reads the answer's envelope and entries.
func publicKeyEntries(body []byte) ([]publicKeyEntry, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: publickey answer: %s", jwtverify.ErrKeyDocument, fmt.Sprintf(format, args...))
	}
	top, err := jsonobj.Members(body)
	if err != nil {
		return nil, bad("%v", err)
	}
	if raw, ok := top["status"]; ok && !jsonobj.IsNull(raw) && string(raw) != "200" {
		return nil, bad("status %.16s", raw)
	}
	var datas []json.RawMessage
	if err := json.Unmarshal(top["datas"], &datas); err != nil || len(datas) == 0 {
		return nil, bad("no datas list")
	}
	if len(datas) > maxKeys {
		return nil, bad("%d keys, limit %d", len(datas), maxKeys)
	}
	out := make([]publicKeyEntry, 0, len(datas))
	for i, d := range datas {
		m, err := jsonobj.Members(d)
		if err != nil {
			return nil, bad("entry %d: %v", i, err)
		}
		var e publicKeyEntry
		if json.Unmarshal(m["indice"], &e.kid) != nil || e.kid == "" || jsonobj.IsNull(m["indice"]) ||
			json.Unmarshal(m["key"], &e.key) != nil || jsonobj.IsNull(m["key"]) {
			return nil, bad("entry %d without a string indice and key", i)
		}
		out = append(out, e)
	}
	return out, nil
}

// publicKeyJWK turns one entry into a signature key.
func publicKeyJWK(e publicKeyEntry) (jwk.Key, error) {
	pub, err := jwtverify.ParseRSAKeyValue([]byte(e.key))
	if err != nil {
		return nil, err
	}
	jk, err := jwk.FromRaw(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", jwtverify.ErrKeyDocument, err)
	}
	_ = jk.Set(jwk.KeyIDKey, e.kid)
	_ = jk.Set(jwk.KeyUsageKey, "sig")
	return jk, nil
}
