package certcache

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/sesame-go/sesame/internal/redistest"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// pyCheck reads a record as Python's json.loads does, checks its shape, and
// writes it back with json.dumps.
const pyCheck = `
import json, sys
r = json.loads(sys.stdin.read())
assert set(r) == {"pems", "ca"}, r.keys()
assert r["ca"] is None or r["ca"].startswith("-----BEGIN CERTIFICATE-----\n")
for p in r["pems"]:
    assert p.startswith("-----BEGIN CERTIFICATE-----\n") and p.endswith("-----END CERTIFICATE-----\n"), p
sys.stdout.write(json.dumps(r))
`

// A record written by RedisCache.Put is, as parsed JSON, the shape Python's
// json.dumps writes, Python's json.loads reads it back, and json.dumps of what
// it read is the same bytes.
func TestPutRecordIsPythonsShape(t *testing.T) {
	py := redistest.Python3(t)
	p := newPKI(t)
	e := newRedisEnv(t)
	for _, withCA := range []bool{false, true} {
		chain := p.chain(t, leafSpec{})
		want := map[string]any{"pems": []any{encodePEM(chain.Leaf()), encodePEM(p.inter)}, "ca": nil}
		if withCA {
			chain, _ = NewChain(chain.Certificates(), p.root)
			want["ca"] = encodePEM(p.root)
		}
		if err := e.cache(t, Config{Roots: p.roots()}, testNow).Put(context.Background(), chain); err != nil {
			t.Fatal(err)
		}
		stored, err := e.raw.Get(context.Background(), Key(chain.Fingerprint())).Bytes()
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(stored, &got); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("stored record %s\nparses to %v (%v), want %v", stored, got, err, want)
		}
		cmd := exec.Command(py, "-c", pyCheck)
		cmd.Stdin = bytes.NewReader(stored)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("python3 json.loads: %v\n%s", err, out)
		}
		if !bytes.Equal(out, stored) {
			t.Fatalf("json.dumps(json.loads(record)) differs:\npython %s\ngo     %s", out, stored)
		}
	}
}

// A chain survives EncodeRecord and DecodeRecord, and the seed's literal \n
// comes back as real line breaks.
func TestRecordRoundTrip(t *testing.T) {
	p := newPKI(t)
	chains := map[string]*Chain{"seed": seedChain(t), "own": p.chain(t, leafSpec{})}
	withCA, err := NewChain(chains["own"].Certificates(), p.root)
	if err != nil {
		t.Fatal(err)
	}
	chains["own with ca"] = withCA
	for name, c := range chains {
		t.Run(name, func(t *testing.T) {
			b := EncodeRecord(c)
			if strings.Contains(string(b), `\\n`) || !strings.HasPrefix(string(b), `{"pems": ["-----BEGIN CERTIFICATE-----\nMII`) {
				t.Fatalf("record %s", b)
			}
			back, err := DecodeRecord(b)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(EncodeRecord(back), b) || back.Fingerprint() != c.Fingerprint() {
				t.Fatal("the record changed through a round trip")
			}
			if (c.CA() == nil) != (back.CA() == nil) || (c.CA() != nil && !c.CA().Equal(back.CA())) {
				t.Fatal("ca changed through a round trip")
			}
		})
	}
}
