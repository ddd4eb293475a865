package certcache

import (
	"encoding/json"
	"strings"
	"testing"
)

// Records as MilleGrilles' services write them, each read as their own readers
// (Python's json.loads, Node's JSON.parse) read them: members Sesame does not
// know are ignored, "ca" may be absent or null, any whitespace and escaping the
// JSON writers produce is accepted. Written from the writers' rules, not from
// EncodeRecord.
func TestDecodeRecordPeerSpellings(t *testing.T) {
	c := seedChain(t)
	pems := make([]string, len(c.certs))
	for i, cert := range c.certs {
		pems[i] = encodePEM(cert)
	}
	js := func(v any) string {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	list := js(pems)
	// Python's json.dumps escapes "/" never and non-ASCII always; Node escapes
	// neither. A writer may still escape any character: \u002d is "-".
	escaped := strings.ReplaceAll(list, "-----BEGIN", `\u002d----BEGIN`)
	tests := []struct {
		name   string
		record string
	}{
		{"python json.dumps", `{"pems": ` + strings.ReplaceAll(list, `","`, `", "`) + `, "ca": null}`},
		{"node JSON.stringify", `{"pems":` + list + `,"ca":null}`},
		{"ca absent", `{"pems":` + list + `}`},
		{"ca first", `{"ca": null, "pems": ` + list + `}`},
		{"indented", "{\n  \"pems\": " + list + ",\n  \"ca\": null\n}\n"},
		{"an added member", `{"pems": ` + list + `, "ca": null, "date_expiration": 1717000000}`},
		{"added members of every type", `{"x": {"y": [1, 2.5, null, true]}, "pems": ` + list + `, "ca": null, "z": "é", "n": null}`},
		{"escaped characters", `{"pems": ` + escaped + `, "ca": null}`},
		{"literal backslash-n, as the document shows", string(seedRecord(t))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeRecord([]byte(tt.record))
			if err != nil {
				t.Fatalf("DecodeRecord = %v", err)
			}
			if got.Fingerprint() != c.Fingerprint() || len(got.certs) != len(c.certs) {
				t.Fatalf("DecodeRecord = chain of %s, want %s", got.Fingerprint(), c.Fingerprint())
			}
		})
	}
}
