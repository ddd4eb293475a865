package googlecse

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sesame-go/sesame/jwtverify"
)

// FuzzParseUnverified: parseUnverified never panics, refuses only with
// jwtverify.ErrMalformed or ErrTooLarge, and what it accepts is three
// segments whose header and payload are JSON objects.
func FuzzParseUnverified(f *testing.F) {
	b64 := base64.RawURLEncoding.EncodeToString
	for _, s := range []string{
		b64([]byte(`{"alg":"RS256"}`)) + "." + b64([]byte(`{"iss":"a"}`)) + ".c2ln",
		b64([]byte(`{"alg":"RS256"}`)) + "." + b64([]byte(`{"iss":"a","iss":"b"}`)) + ".c2ln",
		b64([]byte(`[]`)) + "." + b64([]byte(`{}`)) + ".",
		"a.b.c", "..", "not a token", "", "eyJ9.eyJ9.\n", strings.Repeat("A", maxTokenSize+1),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := parseUnverified(raw)
		if err != nil {
			if !errors.Is(err, jwtverify.ErrMalformed) && !errors.Is(err, jwtverify.ErrTooLarge) {
				t.Fatalf("err = %v", err)
			}
			return
		}
		if strings.Count(raw, ".") != 2 || u.header == nil || u.claims == nil {
			t.Fatalf("accepted %q: header %v, claims %v", raw, u.header, u.claims)
		}
	})
}

// FuzzDecodeDiscovery: a discovery document either decodes to an https
// jwks_uri and an issuer, or is refused as the IdP's configuration error.
func FuzzDecodeDiscovery(f *testing.F) {
	fuzzDecoder(f, decodeDiscovery(false), func(d *discoveryDocument) bool {
		return d.Issuer != "" && strings.HasPrefix(d.JWKSURI, "https://")
	},
		`{"issuer":"https://idp.example","jwks_uri":"https://idp.example/jwks","token_endpoint":null}`,
		`{"issuer":"https://idp.example","issuer":"https://evil.example","jwks_uri":"https://idp.example/jwks"}`,
		`{"issuer":"https://idp.example","jwks_uri":"http://idp.example/jwks"}`,
		`{"issuer":7}`, `[]`, `{} {}`, `{"jwks_uri":"https://idp.example/jwks"}`)
}

// FuzzDecodeCSEConfiguration: a cse-configuration either decodes to a
// client_id among its audiences and an https discovery_uri, or is refused as
// the IdP's configuration error.
func FuzzDecodeCSEConfiguration(f *testing.F) {
	fuzzDecoder(f, decodeCSEConfiguration(false), func(c *cseConfiguration) bool {
		return c.ClientID != "" && c.auds[0] == c.ClientID && strings.HasPrefix(c.DiscoveryURI, "https://")
	},
		`{"name":"idp","client_id":"c","discovery_uri":"https://idp.example/.well-known/openid-configuration","grant_type":"implicit"}`,
		`{"client_id":"c","discovery_uri":"https://idp.example/.well-known/openid-configuration","applications":{"drive":{"client_id":"d"},"meet":{"client_id":"c"}}}`,
		`{"client_id":"c","client_id":"d","discovery_uri":"https://idp.example/.well-known/openid-configuration"}`,
		`{"client_id":"","discovery_uri":"https://idp.example"}`, `{"client_id":"c","discovery_uri":"ftp://x"}`, `null`)
}

// fuzzDecoder runs dec on the seeds and on fuzzed bodies: a refusal must be
// ErrIdPConfiguration, an accepted document must satisfy ok.
func fuzzDecoder[T any](f *testing.F, dec func([]byte) (T, error), ok func(T) bool, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		doc, err := dec(body)
		if err != nil {
			if !errors.Is(err, ErrIdPConfiguration) {
				t.Fatalf("err = %v", err)
			}
			return
		}
		if !ok(doc) {
			t.Fatalf("accepted %+v", doc)
		}
	})
}

// TestCheckIssuer: the discovery document's issuer is the one whose
// well-known URL it came from, with or without a trailing slash.
func TestCheckIssuer(t *testing.T) {
	const uri = "https://idp.example/realms/a" + wellKnown
	for _, c := range []struct {
		uri, issuer string
		ok          bool
	}{
		{uri, "https://idp.example/realms/a", true},
		{uri, "https://idp.example/realms/a/", true},
		{uri, "https://idp.example/realms/b", false},
		{uri, "https://idp.example", false},
		{uri, "https://idp.example/realms/a//", false},
		{"https://idp.example/discovery.json", "https://idp.example", false},
	} {
		err := (&discoveryDocument{Issuer: c.issuer}).checkIssuer(c.uri)
		if (err == nil) != c.ok || err != nil && !errors.Is(err, ErrIdPConfiguration) {
			t.Errorf("%s at %s: %v", c.issuer, c.uri, err)
		}
	}
}

// TestClipTo: values are cut on a UTF-8 boundary, within three bytes back, and
// marked.
func TestClipTo(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "abc…"},
		{"aé", 2, "a…"},
		{"a€", 3, "a…"},
		{"a𝄞", 4, "a…"},
		{"\x80\x80\x80\x80\x80", 4, "\x80\x80\x80\x80…"},
	} {
		got := clipTo(c.in, c.n)
		if got != c.want {
			t.Errorf("clipTo(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
		if utf8.ValidString(c.in) && !utf8.ValidString(got) {
			t.Errorf("clipTo(%q, %d) = %q: invalid UTF-8", c.in, c.n, got)
		}
	}
}
