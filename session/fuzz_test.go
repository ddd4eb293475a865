package session

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"testing"

	"golang.org/x/crypto/nacl/secretbox"
)

// FuzzAiohttpCodec: Decode never panics, fails only with ErrCorrupt, and what it
// accepts re-encodes to JSON that decodes to the same record.
func FuzzAiohttpCodec(f *testing.F) {
	seed, _ := os.ReadFile("testdata/seed_aiohttp.json")
	for _, s := range [][]byte{seed, []byte(`{}`), []byte(`{"created": 1, "session": {"a": "\ud800\u00e9", "b": [1e5, -0.0]}}`),
		[]byte(`{"created": 1, "session": {}, "x": null}`), []byte(`{"created": "1"}`), []byte(`[`), []byte(`{"created": 1, "session": {"a": 1, "a": 2}}`)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := AiohttpCodec{}.Decode(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error not ErrCorrupt: %v", err)
			}
			return
		}
		out, err := AiohttpCodec{}.Encode(rec)
		if err != nil || !json.Valid(out) {
			t.Fatalf("re-encoding %q: %v %q", data, err, out)
		}
		again, err := AiohttpCodec{}.Decode(out)
		if err != nil {
			t.Fatalf("re-decoding %q: %v", out, err)
		}
		out2, _ := AiohttpCodec{}.Encode(again)
		if !bytes.Equal(out, out2) {
			t.Fatalf("not stable: %q then %q", out, out2)
		}
	})
}

// sessionIDSpec is the cookie value contract, written independently of validID:
// exactly 32 lowercase hex characters.
var sessionIDSpec = regexp.MustCompile(`^[0-9a-f]{32}$`)

// FuzzSessionCookie: a cookie value is accepted as the session id exactly when
// it is 32 lowercase hex characters; anything else is ErrCookie.
func FuzzSessionCookie(f *testing.F) {
	for _, s := range []string{"7921068508b74c788097805da46c95d7", "", "ZZ", "7921068508B74C788097805DA46C95D7", "7921068508b74c788097805da46c95d7a", "7921068508b74c788097805da46c95dg"} {
		f.Add(s)
	}
	m, _ := NewManager(NewMemoryStore(nil), Config{})
	f.Fuzz(func(t *testing.T, v string) {
		r, _ := newCookieRequest(m.cfg.CookieName, v)
		if r == nil {
			return
		}
		sent := r.CookiesNamed(m.cfg.CookieName) // what net/http parsed, if anything
		id, err := m.cookieID(r)
		switch {
		case len(sent) == 0:
			if id != "" || err != nil {
				t.Fatalf("no cookie parsed from %q, yet id %q, %v", v, id, err)
			}
		case sessionIDSpec.MatchString(sent[0].Value):
			if err != nil || id != sent[0].Value {
				t.Fatalf("valid id %q refused: %q, %v", sent[0].Value, id, err)
			}
		default:
			if id != "" || !errors.Is(err, ErrCookie) {
				t.Fatalf("invalid id %q: accepted %q, %v", sent[0].Value, id, err)
			}
		}
	})
}

// FuzzMGRecord: decodeMG, and its cookie variant, never panic and fail with
// ErrCorrupt or ErrRevoked.
func FuzzMGRecord(f *testing.F) {
	seed, _ := os.ReadFile("testdata/seed_mgsession.json")
	f.Add(seed)
	f.Add([]byte(`{"invalide": true}`))
	f.Add([]byte(`{"invalide": false}`))
	f.Add([]byte(`{"user_id": 1}`))
	f.Add([]byte(`{"user_id": "u", "hostname": "h", "challenge": "c", "expiration": 1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := decodeMGFields(data, true); err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrRevoked) {
			t.Fatalf("sealed: %v", err)
		}
		rec, err := decodeMG(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrRevoked) {
				t.Fatal(err)
			}
			return
		}
		if back, err := decodeMG(encodeMG(rec)); err != nil || *back != *rec {
			t.Fatalf("round trip of %+v: %+v %v", rec, back, err)
		}
	})
}

// FuzzMGCookie: Open never panics on any cookie value; it fails with
// ErrCookie or ErrCorrupt, or returns a record only for a cookie that really
// opens with the key. It needs no Redis once the secret is cached.
func FuzzMGCookie(f *testing.F) {
	g := newMG(f, nil, MGConfig{})
	key := [32]byte{7}
	g.secrets = &secretState{cur: &key, read: g.cfg.Now().Add(1e18)} // never stale: no Redis reload
	valid := MGRecord{UserID: "u", Hostname: "h", Challenge: seedChallenge, Expiration: 1}
	var nonce [24]byte
	f.Add(base64.StdEncoding.EncodeToString(secretbox.Seal(nonce[:], encodeMGCookie(&valid), &nonce, &key)))
	f.Add(base64.StdEncoding.EncodeToString(secretbox.Seal(nonce[:], []byte(`{"user_id": 1}`), &nonce, &key)))
	f.Add("")
	f.Add("AAAA")
	f.Add(string(bytes.Repeat([]byte("A"), 80)))
	f.Add("not base64!")
	f.Fuzz(func(t *testing.T, v string) {
		rec, err := g.Open(t.Context(), v)
		if err != nil {
			if !errors.Is(err, ErrCookie) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open(%q) = %v", v, err)
			}
			return
		}
		box, _ := base64.StdEncoding.DecodeString(v)
		copy(nonce[:], box)
		if _, ok := secretbox.Open(nil, box[24:], &nonce, &key); !ok || !validChallenge(rec.Challenge) || rec.UserID == "" {
			t.Fatalf("Open(%q) accepted %+v", v, rec)
		}
	})
}
