package jwtverify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// TestHeaderCache: headers of verified tokens are remembered (bounded), forged
// tokens never enter, and a remembered header changes no verdict.
func TestHeaderCache(t *testing.T) {
	iss := jwttest.Start(t)
	evil := jwttest.Start(t)
	now := time.Unix(1_800_000_000, 0)
	keys, err := jwtverify.NewStaticKeys(iss.PublicJWKS())
	if err != nil {
		t.Fatal(err)
	}
	v, _ := jwtverify.New(keys, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Now: func() time.Time { return now }, CacheSize: -1})
	ctx := context.Background()
	claims := func() map[string]any { return jwttest.ClaimsAt(now, "iss", "alice") }

	if _, err := v.Verify(ctx, evil.Mint(claims())); !errors.Is(err, jwtverify.ErrSignature) {
		t.Fatalf("forged: %v", err)
	}
	if n := jwtverify.CachedHeaders(v); n != 0 {
		t.Fatalf("a forged token's header entered the cache (%d entries)", n)
	}
	good := iss.Mint(claims())
	if _, err := v.Verify(ctx, good); err != nil {
		t.Fatal(err)
	}
	if n := jwtverify.CachedHeaders(v); n != 1 {
		t.Fatalf("%d cached headers after one good token, want 1", n)
	}
	// Same header, now from the cache: forged and expired tokens still fail.
	if _, err := v.Verify(ctx, evil.Mint(claims())); !errors.Is(err, jwtverify.ErrSignature) {
		t.Fatalf("forged with a cached header: %v", err)
	}
	late := jwttest.ClaimsAt(now.Add(-3*time.Hour), "iss", "alice")
	if _, err := v.Verify(ctx, iss.Mint(late)); !errors.Is(err, jwtverify.ErrExpired) {
		t.Fatalf("expired with a cached header: %v", err)
	}
	tok, err := v.Verify(ctx, iss.Mint(claims()))
	if err != nil || tok.Header().Kid != jwttest.KidRSA {
		t.Fatalf("good token with a cached header: %v, header %+v", err, tok.Header())
	}
	if raw, ok := tok.HeaderField("typ"); !ok || string(raw) != `"JWT"` {
		t.Fatalf("HeaderField(typ) from a cached header = %s", raw)
	}
	// Bounded.
	for i := range 2 * jwtverify.MaxCachedHeaders {
		if _, err := v.Verify(ctx, iss.Mint(claims(), jwttest.WithHeader("x", fmt.Sprint(i)))); err != nil {
			t.Fatal(err)
		}
	}
	if n := jwtverify.CachedHeaders(v); n != jwtverify.MaxCachedHeaders {
		t.Fatalf("%d cached headers, want the bound %d", n, jwtverify.MaxCachedHeaders)
	}
	// A full cache still takes a new header (after a key rotation, say).
	rotated := iss.Mint(claims(), jwttest.WithHeader("x", "rotated"))
	if _, err := v.Verify(ctx, rotated); err != nil {
		t.Fatal(err)
	}
	if jwtverify.CachedHeader(v, rotated[:strings.IndexByte(rotated, '.')]) == nil {
		t.Fatal("a full header cache refused a new verified header")
	}
	if n := jwtverify.CachedHeaders(v); n != jwtverify.MaxCachedHeaders {
		t.Fatalf("%d cached headers after eviction, want %d", n, jwtverify.MaxCachedHeaders)
	}
	// A token with a cached header really takes its header from the cache
	// (its Header strings are the cached entry's), and its payload is still
	// covered by the signature.
	again := iss.Mint(claims(), jwttest.WithHeader("x", "rotated"))
	tok, err = v.Verify(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	entry := jwtverify.CachedHeader(v, again[:strings.IndexByte(again, '.')])
	if entry == nil || unsafe.StringData(tok.Header().Kid) != unsafe.StringData(entry.Kid) {
		t.Fatal("a token with a cached header did not use the cached parse")
	}
	parts := strings.Split(again, ".")
	other := strings.Split(iss.Mint(jwttest.ClaimsAt(now, "iss", "mallory")), ".")
	if _, err := v.Verify(ctx, parts[0]+"."+other[1]+"."+parts[2]); !errors.Is(err, jwtverify.ErrSignature) {
		t.Fatalf("cached header, swapped payload: err = %v, want jwtverify.ErrSignature", err)
	}
}

// TestHeaderCacheOwnsItsBytes: a cached header does not alias the buffer of the
// token that put it there (which would keep its payload alive).
func TestHeaderCacheOwnsItsBytes(t *testing.T) {
	iss := jwttest.Start(t)
	now := time.Unix(1_800_000_000, 0)
	keys, err := jwtverify.NewStaticKeys(iss.PublicJWKS())
	if err != nil {
		t.Fatal(err)
	}
	v, _ := jwtverify.New(keys, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Now: func() time.Time { return now }, CacheSize: -1})
	tok, err := v.Verify(context.Background(), iss.Mint(jwttest.ClaimsAt(now, "iss", "alice")))
	if err != nil {
		t.Fatal(err)
	}
	ph := jwtverify.AnyCachedHeader(v)
	if ph == nil {
		t.Fatal("no cached header")
	}
	first := unsafe.StringData(tok.Header().Kid)
	for _, s := range []string{ph.Alg, ph.Kid, ph.Typ} {
		if s == "" {
			t.Fatal("empty header field")
		}
	}
	if unsafe.StringData(ph.Kid) == first {
		t.Fatal("the cached header's kid aliases the first token's decoded header")
	}
}

// TestB64TokenTable: the table of b64token characters is RFC 6750 §2.1's
// ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", byte for byte.
func TestB64TokenTable(t *testing.T) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		want := 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("-._~+/", b) >= 0
		if jwtverify.IsB64Char(b) != want {
			t.Errorf("%#02x: %v, want %v", c, !want, want)
		}
	}
}
