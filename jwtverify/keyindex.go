package jwtverify

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// keyIndex is a jwk.Set checked and converted once, looked up by kid.
type keyIndex struct {
	set     jwk.Set
	size    int
	byKid   map[string]*preparedKey
	anon    []*preparedKey   // keys without a kid
	refused map[string]error // kid -> why the key was refused
}

// newKeyIndex prepares every key of set. Refused keys are remembered so a token
// naming one gets ErrWeakKey rather than a misleading ErrUnknownKey. A key equal
// to one of prev (same kid, alg and key material) keeps prev's *preparedKey, so
// cache entries survive a refresh that did not change their key.
func newKeyIndex(set jwk.Set, log *slog.Logger, prev *keyIndex) *keyIndex {
	idx := &keyIndex{set: set, size: set.Len(), byKid: make(map[string]*preparedKey, set.Len())}
	for i := 0; i < set.Len(); i++ {
		jk, _ := set.Key(i)
		pk, err := prepareJWK(jk)
		switch {
		case errors.Is(err, errNotForSignatures):
			continue
		case err != nil:
			log.Warn("jwtverify: key refused", "kid", jk.KeyID(), "err", err)
			if idx.refused == nil {
				idx.refused = map[string]error{}
			}
			idx.refused[jk.KeyID()] = err
			delete(idx.byKid, jk.KeyID()) // a good key sharing the kid is ambiguous too
		case pk.kid == "":
			if prev != nil {
				for _, old := range prev.anon {
					if old.equal(pk) {
						pk = old
						break
					}
				}
			}
			idx.anon = append(idx.anon, pk)
		default:
			if prev != nil {
				if old, ok := prev.byKid[pk.kid]; ok && old.equal(pk) {
					pk = old
				}
			}
			if _, dup := idx.byKid[pk.kid]; dup {
				// Two keys under one kid: neither can be chosen safely.
				delete(idx.byKid, pk.kid)
				if idx.refused == nil {
					idx.refused = map[string]error{}
				}
				idx.refused[pk.kid] = fmt.Errorf("%w: several keys share kid %s", ErrUnknownKey, quote(pk.kid))
				continue
			}
			if _, bad := idx.refused[pk.kid]; !bad {
				idx.byKid[pk.kid] = pk
			}
		}
	}
	return idx
}

// lookup picks the key for a token's kid and algorithm. A kid is only ever a map
// key, and a token without kid never matches a key that has one. A key without
// kid (from PEM, say) is used only when the set names none of its keys and it is
// the one key of the set that fits the algorithm.
func (idx *keyIndex) lookup(kid string, a algorithm) (*preparedKey, error) {
	if kid != "" {
		if pk, ok := idx.byKid[kid]; ok {
			if err := a.fits(pk); err != nil {
				return nil, err
			}
			return pk, nil
		}
		if err, ok := idx.refused[kid]; ok {
			return nil, err
		}
		if len(idx.byKid) > 0 { // the issuer names its keys: an unknown kid is unknown
			return nil, fmt.Errorf("%w: kid %s", ErrUnknownKey, quote(kid))
		}
		return idx.only(a, idx.anon, kid)
	}
	return idx.only(a, idx.anon, "")
}

func (idx *keyIndex) only(a algorithm, keys []*preparedKey, kid string) (*preparedKey, error) {
	var found *preparedKey
	for _, pk := range keys {
		if a.fits(pk) != nil {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("%w: kid %s fits several %s keys", ErrUnknownKey, quote(kid), a.name)
		}
		found = pk
	}
	if found == nil {
		return nil, fmt.Errorf("%w: kid %s, alg %s", ErrUnknownKey, quote(kid), a.name)
	}
	return found, nil
}

// chooses reports whether a token with this kid and algorithm would still be
// verified with pk: a cache entry lives only while its key would be chosen
// again, so adding a named key beside a kid-less one, or a second kid-less key of
// the same algorithm, or changing a key, drops the entries it made.
func (idx *keyIndex) chooses(kid string, a algorithm, pk *preparedKey) bool {
	if kid != "" {
		if k, ok := idx.byKid[kid]; ok {
			return k == pk // fits passed when the entry was made, and k is unchanged
		}
		if len(idx.byKid) > 0 || idx.refused[kid] != nil {
			return false
		}
	}
	var found *preparedKey
	for _, k := range idx.anon {
		if a.fits(k) != nil {
			continue
		}
		if found != nil {
			return false // ambiguous now
		}
		found = k
	}
	return found == pk
}

// equal reports whether two prepared keys are the same key for the same use.
func (k *preparedKey) equal(o *preparedKey) bool {
	if k.kid != o.kid || k.alg != o.alg || k.kty != o.kty || k.curve != o.curve {
		return false
	}
	switch k.kty {
	case ktyRSA:
		return k.rsa.Equal(o.rsa)
	case ktyEC:
		return k.ec.Equal(o.ec)
	case ktyOKP:
		return k.ed.Equal(o.ed)
	case ktyOct:
		return subtle.ConstantTimeCompare(k.secret, o.secret) == 1
	}
	return false
}
