package beswarm_test

import (
	"strings"
	"testing"

	"github.com/sesame-go/sesame/jwtverify/beswarm"
)

func TestDecodeScope(t *testing.T) {
	r, err := beswarm.DecodeScope(seedScope)
	if err != nil || len(r) != 3 || r["userbankaccount"] != (beswarm.Right{Read: true, Write: true}) {
		t.Fatalf("seed scope: %v, %v", r, err)
	}
	for _, ok := range []string{
		`{}`, ` { } `,
		`{"a":{"delete":false,"write":true,"read":true}}`,
		"{\n \"a\" : { \"read\" : true , \"write\" : false , \"delete\" : false } }",
		`{"caf\u00e9":{"read":true,"write":true,"delete":true}}`,
	} {
		if _, err := beswarm.DecodeScope(ok); err != nil {
			t.Errorf("DecodeScope(%s): %v", ok, err)
		}
	}
	if r, _ := beswarm.DecodeScope(`{"caf\u00e9":{"read":true,"write":false,"delete":false}}`); !r.Can("café", beswarm.Read) {
		t.Error("escaped resource name not decoded")
	}
	for _, bad := range []string{
		``, `null`, `[]`, `"x"`, `{`, `{"a"}`, `{"a":1}`, `{"a":null}`, `{"a":{}}`,
		`{"a":{"read":true,"write":true}}`,
		`{"a":{"read":true,"write":true,"delete":true,"share":true}}`,
		`{"a":{"read":true,"read":false,"write":true,"delete":true}}`,
		`{"a":{"READ":true,"write":true,"delete":true}}`,
		`{"a":{"read":1,"write":true,"delete":true}}`,
		`{"a":{"read":"true","write":true,"delete":true}}`,
		`{"a":{"read":true,"write":true,"delete":true},"a":{"read":false,"write":false,"delete":false}}`,
		`{"a":{"read":true,"write":true,"delete":true},}`,
		`{"a":{"read":true,"write":true,"delete":true}} x`,
		`{"a":{"read":true,"write":true,"delete":true}}{}`,
		`{"a` + "\x01" + `":{"read":true,"write":true,"delete":true}}`,
		`{"` + "\xff" + `":{"read":true,"write":true,"delete":true}}`,
		`{"a\x":{"read":true,"write":true,"delete":true}}`,
		`{'a':{"read":true,"write":true,"delete":true}}`,
		`{"a":{"read":truex,"write":true,"delete":true}}`,
		"{" + strings.Repeat(" ", beswarm.MaxScopeSize) + "}",
		"{" + strings.Repeat(`"a":{"read":true,"write":true,"delete":true},`, 1<<20/45) + "}",
	} {
		r, err := beswarm.DecodeScope(bad)
		wantErr(t, err, beswarm.ErrScope)
		if r != nil {
			t.Errorf("DecodeScope(%.40q) granted %v", bad, r)
		}
	}
}

func TestDecodeFuncs(t *testing.T) {
	for in, n := range map[string]int{`[]`: 0, ` [ ] `: 0, `["a"]`: 1, `["a","b\n"]`: 2} {
		f, err := beswarm.DecodeFuncs(in)
		if err != nil || len(f) != n {
			t.Errorf("DecodeFuncs(%s) = %q, %v", in, f, err)
		}
	}
	for _, bad := range []string{``, `{}`, `[1]`, `[null]`, `["a",]`, `[`, `"[]"`, `[]]`, "[" + strings.Repeat(`"a",`, beswarm.MaxScopeSize) + `"a"]`} {
		_, err := beswarm.DecodeFuncs(bad)
		wantErr(t, err, beswarm.ErrScope)
	}
}

func TestRights(t *testing.T) {
	r := beswarm.Rights{"a": {Read: true}}
	if !r.Can("a", beswarm.Read) || r.Can("a", beswarm.Write) || r.Can("b", beswarm.Read) || r.Can("a", beswarm.Op("READ")) {
		t.Fatal("Rights.Can")
	}
	all := beswarm.Right{Read: true, Write: true, Delete: true}
	if !all.Allows(beswarm.Delete) || all.Allows("admin") {
		t.Fatal("Right.Allows")
	}
	var c *beswarm.Claims
	if c.Can("a", beswarm.Read) {
		t.Fatal("nil claims grant")
	}
}

func TestCheckNonce(t *testing.T) {
	const cc = "the secret code challenge"
	h := beswarm.CodeChallengeHash(cc)
	for nonce, want := range map[string]error{
		h:                  nil,
		strings.ToUpper(h): nil, // BeSwarm's .NET client writes uppercase hex
		beswarm.CodeChallengeHash("THE SECRET CODE CHALLENGE"): beswarm.ErrNonce,
		h[:63]:                  beswarm.ErrNonce,
		h + "0":                 beswarm.ErrNonce,
		"":                      beswarm.ErrNonce,
		h[:62] + "zz":           beswarm.ErrNonce,
		strings.Repeat("0", 64): beswarm.ErrNonce,
	} {
		err := beswarm.CheckNonce(&beswarm.Claims{Nonce: nonce}, cc)
		if want == nil && err != nil {
			t.Errorf("nonce %q: %v", nonce, err)
		}
		if want != nil && !errorsIs(err, want) {
			t.Errorf("nonce %q: err = %v", nonce, err)
		}
	}
	wantErr(t, beswarm.CheckNonce(nil, cc), beswarm.ErrNonce)
	wantErr(t, beswarm.CheckNonce(&beswarm.Claims{Nonce: h}, ""), beswarm.ErrNonce)
}
