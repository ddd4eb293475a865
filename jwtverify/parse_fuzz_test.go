package jwtverify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// manyNames is an object of n distinct members, then extra.
func manyNames(n int, extra string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, `"n%d":%d,`, i, i)
	}
	return b.String() + extra + "}"
}

// FuzzMembers checks the object splitter against encoding/json: it accepts a
// document exactly when encoding/json finds it a valid UTF-8 JSON object without
// duplicate names, and then reads the same names to the same values.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{
		`{}`, ` { "a" : 1 , "b":[1,{"c":"}"}],"d":"x\"y" } `, `{"a":1,"a":2}`, `{"\u0061":1,"a":2}`,
		`{"a":{"b":{"c":[[]]}}}`, `[1]`, `"s"`, `{"a":1}x`, "{\"\xff\":1}", `{"a":true,"b":null,"c":-1.5e3}`,
		manyNames(40, `"n3":2`), manyNames(40, `"z":2`),
		// Long strings, read eight bytes at a time: specials at every offset of a word.
		`{"private":"@Ak40sVSIEA9yEs68SXFG+ASLIE2J45MVsGFZQrszBxQ","scope":"{\"a\":{\"read\":true,\"write\":false}}"}`,
		"{\"a\":\"0123456\x01789abcdef\"}", "{\"a\":\"01234567\xc3\xa9\xe2\x82\xac89abcdef\u00e9\"}", `{"a":"0123456789abcde\"}`,
		`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":-}`, `{"a":tru}`, `{"a":nul}`, `{"a":"\x"}`, `{"a":"\u12"}`,
		"{\"a\":\"\t\"}", `{"a":1,}`, `{,"a":1}`, `{"a" 1}`, `{"a":[1,]}`, `{"a":{"b":1,}}`, `{"a":"\ud800"}`,
		`{"a":-0.0e-0}`, `{"a":[]} `, "\t{}\n", `{"a":[1]]}`, `{"a":{]}`, `{"a":"]"}`, `{"a":1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		ms, err := members(doc, "doc", nil)
		var want map[string]json.RawMessage
		jerr := json.Unmarshal(doc, &want)
		if err != nil {
			if utf8.Valid(doc) && jerr == nil && want != nil && topLevelNames(doc) == len(want) {
				t.Fatalf("members refused a valid object without duplicates: %v", err)
			}
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

// topLevelNames counts the members of a valid JSON object, duplicates included.
func topLevelNames(doc []byte) int {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if _, err := dec.Token(); err != nil {
		return -1
	}
	n := 0
	for dec.More() {
		if _, err := dec.Token(); err != nil {
			return -1
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return -1
		}
		n++
	}
	return n
}

// FuzzFoldKey checks that foldKey matches strings.EqualFold, the equivalence
// encoding/json uses to match member names to struct fields.
func FuzzFoldKey(f *testing.F) {
	for _, p := range [][2]string{{"sub", "SUB"}, {"sub", "ſub"}, {"k", "\u212a"}, {"σ", "ς"}, {"a", "b"}, {"ǅ", "ǆ"}, {"", ""}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if (foldKey(a) == foldKey(b)) != strings.EqualFold(a, b) {
			t.Fatalf("foldKey(%q) = %q, foldKey(%q) = %q, EqualFold %v", a, foldKey(a), b, foldKey(b), strings.EqualFold(a, b))
		}
	})
}

// FuzzFoldDuplicates checks the duplicate finder of Token.Decode against a
// pairwise EqualFold over an object's top-level names.
func FuzzFoldDuplicates(f *testing.F) {
	for _, s := range []string{`{"a":1,"A":2}`, `{"a":{"b":1,"B":2}}`, `{"a":[{"b":1},{"b":2}]}`, `{"s":1,"ſ":2}`, manyNames(40, `"N7":1`), `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var top map[string]json.RawMessage
		if !json.Valid(doc) {
			return
		}
		err := foldDuplicates(doc)
		ms, merr := members(doc, "doc", nil)
		if json.Unmarshal(doc, &top) != nil || merr != nil {
			return // not an object, or exact duplicates (members refuses those)
		}
		dup := false
		for i := range ms {
			for j := i + 1; j < len(ms); j++ {
				dup = dup || strings.EqualFold(ms[i].name, ms[j].name)
			}
		}
		if dup && err == nil {
			t.Fatalf("top-level folded duplicate not found in %q", doc)
		}
		if !dup && err != nil {
			for _, m := range ms {
				if foldDuplicates(m.value) != nil {
					return // a nested duplicate
				}
			}
			t.Fatalf("false duplicate in %q: %v", doc, err)
		}
	})
}

// FuzzUnquote: for every JSON string literal encoding/json accepts, unquote
// (with its hand-decoded short escapes) returns what encoding/json returns.
func FuzzUnquote(f *testing.F) {
	for _, s := range []string{`""`, `"a"`, `"{\"a\":{\"read\":true}}"`, `"\\\/\b\f\n\r\t"`, `"\u00e9\"x"`, `"tail\\"`, `"é"`, `"\ud83d\ude00"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var want string
		if json.Unmarshal(raw, &want) != nil || len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' || !utf8.Valid(raw) {
			return // unquote is only given string literals the scanner accepted: valid UTF-8, no surrounding space
		}
		got, err := unquote(bytes.Clone(raw))
		if err != nil || got != want {
			t.Fatalf("unquote(%q) = %q, %v; encoding/json reads %q", raw, got, err, want)
		}
	})
}
