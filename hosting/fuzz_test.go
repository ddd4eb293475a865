package hosting

import (
	"errors"
	"testing"
	"time"
)

// FuzzDecodeRecord: any input is either Tokens whose record decodes to the same
// Tokens, or an error wrapping ErrMalformed or ErrTooLarge; never a panic. The
// seed corpus runs in every go test.
func FuzzDecodeRecord(f *testing.F) {
	good := tokens(f, time.Hour, time.Hour)
	f.Add(EncodeRecord(&good))
	f.Add([]byte(`{"jwt_readonly":"a.b.c","jwt_readwrite":"a.b.c","url":"https://h/"}`))
	f.Add([]byte(`{"jwt_readonly":"a.b.c","url":"https://h/"}`))
	f.Add([]byte(`{"jwt_readonly":"a.b.c","jwt_readwrite":"a.b.c","url":"http://h/","x":1}`))
	f.Add([]byte(`{"jwt_readonly":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := DecodeRecord(b)
		if err != nil {
			if got != nil || !(errors.Is(err, ErrMalformed) || errors.Is(err, ErrTooLarge)) {
				t.Fatalf("DecodeRecord = %v, %v", got, err)
			}
			return
		}
		back, err := DecodeRecord(EncodeRecord(got))
		if err != nil || *back != *got {
			t.Fatalf("round trip: %+v, %v; want %+v", back, err, got)
		}
	})
}
