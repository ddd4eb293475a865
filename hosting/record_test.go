package hosting

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/sesame-go/sesame/internal/redistest"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

// pyRoundTrip: json.loads then json.dumps, as MilleGrilles' Python services read
// and write the record.
const pyRoundTrip = `
import json, sys
r = json.loads(sys.stdin.read())
assert list(r) == ["jwt_readonly", "jwt_readwrite", "url"], r.keys()
sys.stdout.write(json.dumps(r))
`

// A record written by Put is, as parsed JSON, the shape of the documentation,
// Python reads it, and json.dumps of what Python read is the same bytes (a
// non-ASCII URL included: ensure_ascii escapes).
func TestPutRecordIsPythonsShape(t *testing.T) {
	py := redistest.Python3(t)
	e := newEnv(t)
	c := e.cache(t, Config{})
	for _, u := range []string{consURL, "https://hébergement.example/📁/x?a=<b>&c"} {
		tok := tokens(t, time.Hour, time.Hour)
		tok.URL = u
		if err := c.Put(context.Background(), instance, tok); err != nil {
			t.Fatal(err)
		}
		stored, err := e.raw.Get(context.Background(), Key(instance)).Bytes()
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		want := map[string]any{"jwt_readonly": tok.ReadOnly, "jwt_readwrite": tok.ReadWrite, "url": u}
		if err := json.Unmarshal(stored, &got); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("stored %s parses to %v (%v)", stored, got, err)
		}
		cmd := exec.Command(py, "-c", pyRoundTrip)
		cmd.Stdin = bytes.NewReader(stored)
		out, err := cmd.CombinedOutput()
		if err != nil || !bytes.Equal(out, stored) {
			t.Fatalf("python json.dumps(json.loads(record)):\n%s (%v)\ngo:\n%s", out, err, stored)
		}
	}
}

// Every malformed record is refused by DecodeRecord with its sentinel.
func TestDecodeRecordRefuses(t *testing.T) {
	ro, rw := expiring(t, time.Hour), expiring(t, time.Hour)
	rec := func(fields ...string) []byte {
		return []byte("{" + strings.Join(fields, ", ") + "}")
	}
	q := func(name, v string) string { b, _ := json.Marshal(v); return `"` + name + `": ` + string(b) }
	okRO, okRW, okURL := q("jwt_readonly", ro), q("jwt_readwrite", rw), q("url", consURL)
	tests := []struct {
		name   string
		record []byte
		want   error
	}{
		{"not JSON", []byte("hebergement"), ErrMalformed},
		{"JSON null", []byte("null"), ErrMalformed},
		{"JSON array", []byte(`["a"]`), ErrMalformed},
		{"missing read-write token", rec(okRO, okURL), ErrMalformed},
		{"missing read-only token", rec(okRW, okURL), ErrMalformed},
		{"missing url", rec(okRO, okRW), ErrMalformed},
		{"empty token", rec(q("jwt_readonly", ""), okRW, okURL), ErrMalformed},
		{"token null", rec(`"jwt_readonly": null`, okRW, okURL), ErrMalformed},
		{"token a number", rec(`"jwt_readonly": 1`, okRW, okURL), ErrMalformed},
		{"token not a JWT", rec(q("jwt_readonly", "abc"), okRW, okURL), ErrMalformed},
		{"repeated token", rec(okRO, okRW, okURL, okRO), ErrMalformed},
		{"repeated url", rec(okRO, okRW, okURL, q("url", "https://evil.example/")), ErrMalformed},
		{"url null", rec(okRO, okRW, `"url": null`), ErrMalformed},
		{"only a member in another case", rec(q("JWT_READONLY", ro), okRW, okURL), ErrMalformed},
		{"http url", rec(okRO, okRW, q("url", "http://h/x")), ErrMalformed},
		{"relative url", rec(okRO, okRW, q("url", "/fichiers")), ErrMalformed},
		{"url with credentials", rec(okRO, okRW, q("url", "https://u:p@h/")), ErrMalformed},
		{"trailing data", append(rec(okRO, okRW, okURL), '1'), ErrMalformed},
		{"token over the bound", rec(q("jwt_readonly", "a.b."+strings.Repeat("c", MaxTokenSize)), okRW, okURL), ErrTooLarge},
		{"10 MB", []byte(`{"url": "` + strings.Repeat("a", 10<<20) + `"}`), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := DecodeRecord(tt.record); !errors.Is(err, tt.want) || got != nil {
				t.Fatalf("DecodeRecord = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	if got, err := DecodeRecord(rec(okRO, okRW, okURL)); err != nil || got.ReadOnly != ro || got.ReadWrite != rw || got.URL != consURL {
		t.Fatalf("DecodeRecord(good) = %+v, %v", got, err)
	}
}
