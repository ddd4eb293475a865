package passkey

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// FuzzDecodeAuthentication: any input either decodes to a state that
// re-encodes and decodes to the same value, or fails with ErrFormat or
// ErrWeakKey; never a panic.
func FuzzDecodeAuthentication(f *testing.F) {
	f.Add(readSeed(f))
	f.Add([]byte(`{"ast":{"credentials":[],"policy":"required","challenge":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16],"appid":"https://a","allow_backup_eligible_upgrade":false}}`))
	f.Add([]byte(`{"ast":{}}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeAuthentication(data)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrWeakKey) {
				t.Fatalf("error %v is neither ErrFormat nor ErrWeakKey", err)
			}
			return
		}
		out, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("re-encoding a decoded state: %v", err)
		}
		b, err := DecodeAuthentication(out)
		if err != nil {
			t.Fatalf("decoding %s: %v", out, err)
		}
		out2, _ := json.Marshal(b)
		if !reflect.DeepEqual(jsonValue(t, out), jsonValue(t, out2)) {
			t.Fatalf("not stable:\n%s\n%s", out, out2)
		}
	})
}

// FuzzDecodeCredential: the same for one credential record.
func FuzzDecodeCredential(f *testing.F) {
	c, _ := json.Marshal(seedCredential(f))
	f.Add(c)
	f.Add([]byte(`{"cred_id":[1]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCredential(data)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrWeakKey) {
				t.Fatalf("error %v is neither ErrFormat nor ErrWeakKey", err)
			}
			return
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatalf("re-encoding a decoded credential: %v", err)
		}
	})
}
