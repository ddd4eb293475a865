package jwtverify_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/sesame-go/sesame/jwtverify"
)

// FuzzIntrospection feeds the introspection answer parser arbitrary bodies:
// never a panic; every failure is ErrInactive or ErrUnavailable; and an
// accepted answer is one encoding/json reads as an object whose active is
// true, with the subject the token reports.
func FuzzIntrospection(f *testing.F) {
	for _, seed := range []string{
		`{"active":true,"sub":"alice","scope":"a b","client_id":"c","exp":1800003600,"aud":["api"],"cnf":{"jkt":"x"}}`,
		`{"active":false}`,
		`{"active":true,"ext":{"deep":[1,{"a":null}]},"username":"u","token_type":"Bearer"}`,
		`{"active":"true"}`,
		`{"active":true,"active":false}`,
		`{"active":true,"exp":"soon"}`,
		`{"active":true,"scope":["a"]}`,
		`{"active":true,"sub":"\u00e9\ud83d\ude00"}`,
		`[true]`,
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, err := jwtverify.ParseIntrospection("opaque", body)
		if err != nil {
			if !errors.Is(err, jwtverify.ErrInactive) && !errors.Is(err, jwtverify.ErrUnavailable) {
				t.Fatalf("%q: %v is neither ErrInactive nor ErrUnavailable", body, err)
			}
			return
		}
		var m map[string]any
		if jerr := json.Unmarshal(body, &m); jerr != nil || m["active"] != true {
			t.Fatalf("%q accepted; encoding/json: %v, active %v", body, jerr, m["active"])
		}
		if sub, _ := m["sub"].(string); sub != tok.Subject() {
			t.Fatalf("%q: subject %q, encoding/json %q", body, tok.Subject(), sub)
		}
	})
}
