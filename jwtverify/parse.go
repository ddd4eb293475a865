package jwtverify

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// b64 is the only base64 alphabet a compact JWS may use: URL-safe, unpadded, with
// zero trailing bits (Strict), so every token has exactly one encoding.
var b64 = base64.RawURLEncoding.Strict()

// compact is a token split into its three decoded segments.
type compact struct {
	header, payload, sig []byte
	headerSeg            []byte // the header segment as received
	signingInput         []byte // header "." payload, as received
	cached               *parsedHeader
}

// cut splits a compact JWS into its three segments, as received, refusing
// anything else: another number of dots, an empty header or payload, a line
// break (which base64 would skip).
func cut(raw []byte) (h, p, s []byte, err error) {
	h, rest, ok := bytes.Cut(raw, []byte{'.'})
	p, s, ok2 := bytes.Cut(rest, []byte{'.'})
	if !ok || !ok2 || bytes.IndexByte(s, '.') >= 0 {
		return nil, nil, nil, fmt.Errorf("%w: want 3 dot-separated segments", ErrMalformed)
	}
	if len(h) == 0 || len(p) == 0 {
		return nil, nil, nil, fmt.Errorf("%w: empty segment", ErrMalformed)
	}
	if bytes.IndexByte(raw, '\n') >= 0 || bytes.IndexByte(raw, '\r') >= 0 { // base64 would skip them
		return nil, nil, nil, fmt.Errorf("%w: line break in token", ErrMalformed)
	}
	return h, p, s, nil
}

// splitCompact decodes the segments of a compact JWS into one buffer. A header
// segment found in hc is not decoded again: c.cached holds its parsed form.
func splitCompact(raw []byte, hc *headerCache) (compact, error) {
	var c compact
	h, p, s, err := cut(raw)
	if err != nil {
		return c, err
	}
	c.headerSeg, c.signingInput = h, raw[:len(h)+1+len(p)]
	if hc != nil {
		c.cached = hc.get(h)
	}
	hlen := 0
	if c.cached == nil {
		hlen = b64.DecodedLen(len(h))
	}
	buf := make([]byte, hlen+b64.DecodedLen(len(p))+b64.DecodedLen(len(s)))
	if c.cached == nil {
		if c.header, buf, err = decodeSeg(buf, h, "header"); err != nil {
			return c, err
		}
	}
	if c.payload, buf, err = decodeSeg(buf, p, "payload"); err != nil {
		return c, err
	}
	// An empty signature decodes to nothing and fails verification, after the
	// header's alg has been judged (so "alg":"none" reports ErrAlgorithm).
	c.sig, _, err = decodeSeg(buf, s, "signature")
	return c, err
}

func decodeSeg(buf, seg []byte, name string) (out, rest []byte, err error) {
	n, err := b64.Decode(buf, seg)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s is not unpadded base64url", ErrMalformed, name)
	}
	return buf[:n:n], buf[n:], nil
}

// linearMembers is how many members a linear duplicate scan handles before
// members switches to a map.
const linearMembers = 32

// member is one top-level name/value pair of a JSON object, as raw bytes.
type member struct {
	name  string
	value []byte // raw JSON; a sub-slice of the decoded segment
}

// members splits a JSON object into its top-level members. It refuses anything
// that is not a single valid JSON object in valid UTF-8, and duplicate names
// (compared after unescaping), which encoding/json would silently accept with the
// last one winning: a classic way to make two parsers disagree about a claim.
//
// The top level is read strictly here (strings, numbers and literals checked to
// the JSON grammar) because it is the hot path of every verification; nested
// arrays and objects, rare in claims, are checked by json.Valid. FuzzMembers
// holds this to encoding/json's verdict on every input.
func members(doc []byte, what string, ms []member) ([]member, error) {
	if !utf8.Valid(doc) {
		return nil, fmt.Errorf("%w: %s is not valid UTF-8", ErrMalformed, what)
	}
	i := skipSpace(doc, 0)
	if i >= len(doc) || doc[i] != '{' {
		return nil, fmt.Errorf("%w: %s is not a JSON object", ErrMalformed, what)
	}
	var seen map[string]struct{} // once there are more than linearMembers members
	i = skipSpace(doc, i+1)
	if i < len(doc) && doc[i] == '}' {
		return ms, trailing(doc, i+1, what)
	}
	for {
		end, ok := scanString(doc, i)
		if !ok {
			return nil, fmt.Errorf("%w: %s: bad member name at offset %d", ErrMalformed, what, i)
		}
		name, err := unquote(doc[i:end])
		if err != nil {
			return nil, fmt.Errorf("%w: %s member name: %w", ErrMalformed, what, err)
		}
		if i = skipSpace(doc, end); i >= len(doc) || doc[i] != ':' {
			return nil, fmt.Errorf("%w: %s: want ':' at offset %d", ErrMalformed, what, i)
		}
		i = skipSpace(doc, i+1)
		vend, ok := scanValue(doc, i)
		if !ok {
			return nil, fmt.Errorf("%w: %s: bad value of %s", ErrMalformed, what, quote(name))
		}
		if seen == nil {
			for _, m := range ms {
				if m.name == name {
					return nil, fmt.Errorf("%w: %s has duplicate member %s", ErrMalformed, what, quote(name))
				}
			}
			if len(ms) == linearMembers { // past this, a linear scan is quadratic work an attacker controls
				seen = make(map[string]struct{}, 4*linearMembers)
				for _, m := range ms {
					seen[m.name] = struct{}{}
				}
			}
		} else if _, dup := seen[name]; dup {
			return nil, fmt.Errorf("%w: %s has duplicate member %s", ErrMalformed, what, quote(name))
		}
		if seen != nil {
			seen[name] = struct{}{}
		}
		ms = append(ms, member{name: name, value: doc[i:vend]})
		i = skipSpace(doc, vend)
		switch {
		case i < len(doc) && doc[i] == ',':
			i = skipSpace(doc, i+1)
		case i < len(doc) && doc[i] == '}':
			return ms, trailing(doc, i+1, what)
		default:
			return nil, fmt.Errorf("%w: %s: want ',' or '}' at offset %d", ErrMalformed, what, i)
		}
	}
}

// trailing refuses anything but whitespace after the object.
func trailing(doc []byte, i int, what string) error {
	if skipSpace(doc, i) != len(doc) {
		return fmt.Errorf("%w: %s has data after the object", ErrMalformed, what)
	}
	return nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// unquote returns the string a raw JSON string literal denotes. Without escapes
// the result shares raw's memory: callers only pass bytes of decoded token
// segments, which are never written after decoding.
func unquote(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", fmt.Errorf("not a string")
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 {
		return unsafe.String(unsafe.SliceData(body), len(body)), nil
	}
	// The payload was validated as JSON: decode the short escapes by hand
	// (one allocation; a JSON-in-a-string claim such as BeSwarm's scope is
	// full of \"), and leave \uXXXX to encoding/json.
	out := make([]byte, len(body)) // the decoded string is never longer
	w := 0
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c == '\\' {
			if i++; i == len(body) {
				return "", fmt.Errorf("not a string")
			}
			if c = shortEscape(body[i]); c == 0 { // \uXXXX, or not JSON
				var s string
				err := json.Unmarshal(raw, &s)
				return s, err
			}
		}
		out[w] = c
		w++
	}
	out = out[:w]
	return unsafe.String(unsafe.SliceData(out), len(out)), nil
}

// shortEscape returns the byte a one-letter JSON escape (\" \\ \/ \b \f \n
// \r \t) stands for, 0 for any other letter.
func shortEscape(c byte) byte {
	switch c {
	case '"', '\\', '/':
		return c
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return 0
}

// maxPeek bounds the tokens peek looks into.
const maxPeek = 64 << 10

// peek returns the kid and iss of a token that failed verification, for the
// refusal's log line: decoded without any check, clipped, "" when unreadable.
// The token itself is never logged.
func peek(raw string) (kid, iss string) {
	if raw == "" || len(raw) > maxPeek {
		return "", ""
	}
	parts := strings.SplitN(raw, ".", 3)
	if len(parts) != 3 {
		return "", ""
	}
	if h, err := base64.RawURLEncoding.DecodeString(parts[0]); err == nil {
		if ms, err := members(h, "header", nil); err == nil {
			if raw, ok := find(ms, "kid"); ok {
				kid, _ = unquote(raw)
			}
		}
	}
	if p, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
		if ms, err := members(p, "payload", nil); err == nil {
			if raw, ok := find(ms, "iss"); ok {
				iss, _ = unquote(raw)
			}
		}
	}
	return clipLog(kid), clipLog(iss)
}

// UnverifiedStringClaim reads one string claim of a compact token WITHOUT
// verifying anything, for choosing among configured key sources by iss before
// verification (a profile's multi-issuer routing). Never trust its answer: only
// use it to pick what you have configured, then Verify. ok is false when the
// token or claim is unreadable or over 64 KiB. ParseUnverified does the same
// and lets the chosen Verifier reuse the decoded token (VerifyParsed).
//
//	iss, _ := jwtverify.UnverifiedStringClaim(raw, "iss") // then: sources[iss].Verify(ctx, raw)
func UnverifiedStringClaim(raw, name string) (string, bool) {
	if len(raw) > maxPeek {
		return "", false
	}
	first := strings.IndexByte(raw, '.')
	if first < 0 {
		return "", false
	}
	second := strings.IndexByte(raw[first+1:], '.')
	if second < 0 {
		return "", false
	}
	p, err := base64.RawURLEncoding.DecodeString(raw[first+1 : first+1+second])
	if err != nil {
		return "", false
	}
	var buf [16]member
	ms, err := members(p, "payload", buf[:0])
	if err != nil {
		return "", false
	}
	for _, m := range ms {
		if m.name == name {
			s, err := unquote(m.value)
			return s, err == nil
		}
	}
	return "", false
}
