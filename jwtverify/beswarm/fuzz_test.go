package beswarm_test

import (
	"errors"
	"testing"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/beswarm"
)

// FuzzDecodeScope: any input either decodes to rights that re-encode the same
// way, or fails with ErrScope and no rights; never a panic.
func FuzzDecodeScope(f *testing.F) {
	for _, s := range []string{seedScope, `{}`, `{"a":{"read":true,"write":false,"delete":true}}`, `{"a\u0041":{"read":true,"write":true,"delete":true}}`, `[]`, `{"a":1}`, `{"a":{"read":true}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := beswarm.DecodeScope(s)
		if err != nil {
			if !errors.Is(err, beswarm.ErrScope) || r != nil {
				t.Fatalf("DecodeScope(%q) = %v, %v", s, r, err)
			}
			return
		}
		if len(s) > beswarm.MaxScopeSize {
			t.Fatalf("accepted %d bytes", len(s))
		}
		for name := range r {
			if !r.Can(name, beswarm.Read) && !r.Can(name, beswarm.Write) && !r.Can(name, beswarm.Delete) && r[name] != (beswarm.Right{}) {
				t.Fatal("inconsistent right")
			}
		}
		if _, err := beswarm.DecodeFuncs(s); err == nil {
			t.Fatalf("%q is both an object and an array", s)
		}
	})
}

// FuzzDecodePublicKeys: a key set with at least one usable key, or an error
// wrapping one of jwtverify's sentinels; never a panic.
func FuzzDecodePublicKeys(f *testing.F) {
	for _, s := range []string{
		`{"datas":[{"indice":"k1","key":"` + seedKeyXML + `"}]}`,
		`{"datas":[{"indice":"k1","key":"` + seedKeyXML + `"}],"status":200,"error":{"errorCode":0}}`,
		`{"datas":[]}`, `{}`, `{"datas":[{"indice":"k1","key":""}]}`,
		`{"datas":[{"indice":"k1","key":"<!DOCTYPE x><RSAKeyValue/>"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		set, err := beswarm.DecodePublicKeys(body)
		if err != nil {
			if set != nil || !(errors.Is(err, jwtverify.ErrKeyDocument) || errors.Is(err, jwtverify.ErrWeakKey) || errors.Is(err, jwtverify.ErrTooLarge)) || errors.Is(err, jwtverify.ErrMalformed) {
				t.Fatalf("DecodePublicKeys: %v, %v", set, err)
			}
			return
		}
		if set.Len() == 0 {
			t.Fatal("empty set without an error")
		}
		if _, err := jwtverify.NewStaticKeys(set); err != nil {
			t.Fatalf("decoded set unusable: %v", err)
		}
	})
}
