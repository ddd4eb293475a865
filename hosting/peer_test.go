package hosting

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// Records as MilleGrilles' services write them, read as their own readers
// (Python's json.loads, Node's JSON.parse) read them: members Sesame does not
// know are ignored, member order and whitespace are free, any JSON escape is
// read. Written from the writers' rules, not from EncodeRecord.
func TestDecodeRecordPeerSpellings(t *testing.T) {
	tok := tokens(t, time.Hour, time.Hour)
	q := func(v string) string { b, _ := json.Marshal(v); return string(b) }
	ro, rw, u := q(tok.ReadOnly), q(tok.ReadWrite), q(consURL)
	tests := []struct {
		name   string
		record string
	}{
		{"python json.dumps", `{"jwt_readonly": ` + ro + `, "jwt_readwrite": ` + rw + `, "url": ` + u + `}`},
		{"node JSON.stringify", `{"jwt_readonly":` + ro + `,"jwt_readwrite":` + rw + `,"url":` + u + `}`},
		{"other order, indented", "{\n  \"url\": " + u + ",\n  \"jwt_readwrite\": " + rw + ",\n  \"jwt_readonly\": " + ro + "\n}"},
		{"an added member", `{"jwt_readonly": ` + ro + `, "jwt_readwrite": ` + rw + `, "url": ` + u + `, "expiration": 1717501500}`},
		{"added members of every type", `{"a": null, "jwt_readonly": ` + ro + `, "b": [1, {"c": true}], "jwt_readwrite": ` + rw + `, "url": ` + u + `, "d": "\u00e9"}`},
		{"escaped slashes", `{"jwt_readonly": ` + ro + `, "jwt_readwrite": ` + rw + `, "url": ` + strings.ReplaceAll(u, "/", `\/`) + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeRecord([]byte(tt.record))
			if err != nil {
				t.Fatalf("DecodeRecord = %v", err)
			}
			if *got != tok {
				t.Fatalf("DecodeRecord = %+v, want %+v", got, tok)
			}
		})
	}
}

// A record over MaxRecordSize is refused by Get without being transferred, and
// a key of another type is a malformed record, not an outage.
func TestGetBoundedRead(t *testing.T) {
	e := newEnv(t)
	c := e.cache(t, Config{})
	ctx := context.Background()
	big := `{"url": "` + strings.Repeat("a", MaxRecordSize) + `"}`
	if err := e.raw.Set(ctx, Key(instance), big, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	before := e.srv.NetOutputBytes(t)
	if _, err := c.Get(ctx, instance); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Get = %v, want ErrTooLarge", err)
	}
	if sent := e.srv.NetOutputBytes(t) - before; sent > 4096 {
		t.Fatalf("the server sent %d bytes for a refused record of %d", sent, len(big))
	}
	if err := e.raw.Del(ctx, Key(instance)).Err(); err != nil {
		t.Fatal(err)
	}
	if err := e.raw.RPush(ctx, Key(instance), "x").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, instance); !errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get of a list = %v, want ErrMalformed", err)
	}
}
