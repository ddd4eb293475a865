package certcache

import (
	"errors"
	"testing"
)

// FuzzDecodeRecord: any input is either a chain whose record decodes to the same
// chain, or an error wrapping a sentinel; never a panic. The seed corpus (run by
// every go test) holds the seed record and broken variants.
func FuzzDecodeRecord(f *testing.F) {
	seed := seedRecord(f)
	f.Add(seed)
	f.Add(EncodeRecord(seedChain(f)))
	f.Add(seed[:len(seed)/2])
	f.Add([]byte(`{"pems": [], "ca": null}`))
	f.Add([]byte(`{"pems": ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"], "ca": 1}`))
	f.Add([]byte(`{"pems": ["x"], "ca": "y", "z": 0}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeRecord(b)
		if err != nil {
			if c != nil || !isSentinel(err) {
				t.Fatalf("DecodeRecord = %v, %v", c, err)
			}
			return
		}
		back, err := DecodeRecord(EncodeRecord(c))
		if err != nil || back.Fingerprint() != c.Fingerprint() {
			t.Fatalf("re-encoded record: %v", err)
		}
	})
}

func isSentinel(err error) bool {
	for _, s := range []error{ErrMalformed, ErrTooLarge, ErrKeyType} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
