package jwtverify

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzMembers checks the object splitter against encoding/json: whenever it
// accepts a document, encoding/json reads the same names to the same values.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{
		`{}`, ` { "a" : 1 , "b":[1,{"c":"}"}],"d":"x\"y" } `, `{"a":1,"a":2}`, `{"\u0061":1,"a":2}`,
		`{"a":{"b":{"c":[[]]}}}`, `[1]`, `"s"`, `{"a":1}x`, "{\"\xff\":1}", `{"a":true,"b":null,"c":-1.5e3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		ms, err := members(doc, "doc")
		var want map[string]json.RawMessage
		jerr := json.Unmarshal(doc, &want)
		if err != nil {
			return
		}
		if jerr != nil {
			t.Fatalf("members accepted what encoding/json refuses: %v", jerr)
		}
		if len(ms) != len(want) {
			t.Fatalf("%d members, encoding/json sees %d", len(ms), len(want))
		}
		for _, m := range ms {
			w, ok := want[m.name]
			if !ok {
				t.Fatalf("member %q unknown to encoding/json", m.name)
			}
			var a, b any
			if json.Unmarshal(m.value, &a) != nil || json.Unmarshal(w, &b) != nil {
				t.Fatalf("member %q: value %q does not parse", m.name, m.value)
			}
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if !bytes.Equal(ja, jb) {
				t.Fatalf("member %q = %s, encoding/json says %s", m.name, ja, jb)
			}
		}
	})
}
