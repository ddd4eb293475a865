package jwtverify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unsafe"
)

// Header is the part of a verified token's JOSE header that callers need. Other
// header fields are available through Token.HeaderField.
type Header struct {
	// Alg is the algorithm as written in the token (before any alias was
	// applied), one of Config.Algorithms or its aliases.
	Alg string
	// Kid is the key id the token names ("" when it names none).
	Kid string
	// Typ is the media type of the token ("JWT", "at+jwt", …; "" when absent).
	Typ string
}

// tokenStorage holds a Token with room for its header and claims, so a typical
// token costs one allocation.
type tokenStorage struct {
	tok    Token
	hdr    [4]member
	claims [12]member
}

// Token is a verified JWT. It is immutable and safe to share: a repeat token may
// be answered with the same *Token from the verified-signature cache.
type Token struct {
	raw     string
	header  Header
	hdr     []member
	payload []byte
	claims  []member

	iss, sub, jti string
	aud           []string
	aud1          [1]string // backs aud when the token wrote a single string
	exp, nbf, iat time.Time
	// Presence flags: a NumericDate may denote time.Time's zero value
	// (-62135596800), so IsZero cannot tell "absent" from "present".
	hasExp, hasNbf, hasIat bool
}

// Raw returns the compact token as received.
func (t *Token) Raw() string { return t.raw }

// Header returns alg, kid and typ.
func (t *Token) Header() Header { return t.header }

// HeaderField returns the raw JSON of one header field.
func (t *Token) HeaderField(name string) (json.RawMessage, bool) { return find(t.hdr, name) }

// Issuer returns iss ("" when absent).
func (t *Token) Issuer() string { return t.iss }

// Subject returns sub ("" when absent).
func (t *Token) Subject() string { return t.sub }

// ID returns jti ("" when absent).
func (t *Token) ID() string { return t.jti }

// Audience returns aud as a list, whether the token wrote a string or an array.
func (t *Token) Audience() []string { return append([]string(nil), t.aud...) }

// Expiry returns exp (zero when absent).
func (t *Token) Expiry() time.Time { return t.exp }

// NotBefore returns nbf (zero when absent).
func (t *Token) NotBefore() time.Time { return t.nbf }

// IssuedAt returns iat (zero when absent).
func (t *Token) IssuedAt() time.Time { return t.iat }

// Claim returns a copy of the raw JSON of one claim.
func (t *Token) Claim(name string) (json.RawMessage, bool) { return find(t.claims, name) }

// StringClaim returns a string claim; ok is false when the claim is absent or
// not a JSON string.
//
//	email, ok := tok.StringClaim("email")
func (t *Token) StringClaim(name string) (string, bool) {
	for _, m := range t.claims {
		if m.name == name {
			s, err := unquote(m.value) // no copy: the token is immutable
			return s, err == nil
		}
	}
	return "", false
}

// Claims returns a copy of every claim as raw JSON.
func (t *Token) Claims() map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(t.claims))
	for _, m := range t.claims {
		out[m.name] = append(json.RawMessage(nil), m.value...)
	}
	return out
}

// Decode unmarshals the payload into v, typically a struct of the claims an
// application uses:
//
//	var c struct{ Email string `json:"email"` }
//	err := tok.Decode(&c)
//
// encoding/json matches member names case-insensitively and lets the last of
// two equal names win, so a payload with both "sub" and "SUB" would decode to a
// different subject than Subject reports. Decode refuses such payloads (an
// object, at any depth, with two names equal under case folding) with
// ErrMalformed.
func (t *Token) Decode(v any) error {
	if err := t.checkFold(); err != nil {
		return err
	}
	return json.Unmarshal(t.payload, v)
}

// checkFold refuses names that encoding/json would fold into one field. A flat
// payload (one object, the common case) is checked on the members already split;
// nested objects take the full pass.
func (t *Token) checkFold() error {
	if bytes.Count(t.payload, []byte{'{'}) > 1 {
		return foldDuplicates(t.payload)
	}
	if len(t.claims) > 32 {
		return foldDuplicates(t.payload)
	}
	for i, a := range t.claims {
		for _, b := range t.claims[i+1:] {
			if strings.EqualFold(a.name, b.name) {
				return fmt.Errorf("%w: payload has members %s and %s, which decode into one field", ErrMalformed, quote(a.name), quote(b.name))
			}
		}
	}
	return nil
}

// foldDuplicates reports an object anywhere in doc (valid JSON) holding two
// member names that encoding/json would map to the same struct field.
func foldDuplicates(doc []byte) error {
	type frame struct {
		obj, wantName bool
		names         map[string]string // folded -> as written
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: payload: %w", ErrMalformed, err)
		}
		top := len(stack) - 1
		switch tok := tok.(type) {
		case json.Delim:
			switch tok {
			case '{', '[':
				stack = append(stack, frame{obj: tok == '{', wantName: tok == '{'})
				continue
			default:
				stack = stack[:top]
			}
		case string:
			if top < 0 {
				continue // a bare string document
			}
			if f := &stack[top]; f.obj && f.wantName {
				k := foldKey(tok)
				if prev, dup := f.names[k]; dup {
					return fmt.Errorf("%w: payload has members %s and %s, which decode into one field", ErrMalformed, quote(prev), quote(tok))
				}
				if f.names == nil {
					f.names = map[string]string{}
				}
				f.names[k], f.wantName = tok, false
				continue
			}
		}
		// A value ended: the enclosing object expects a name next.
		if top = len(stack) - 1; top >= 0 && stack[top].obj {
			stack[top].wantName = true
		}
	}
}

// foldKey maps every rune to the smallest rune of its case-folding orbit, so
// foldKey(a) == foldKey(b) exactly when strings.EqualFold(a, b), the matching
// encoding/json applies to field names.
func foldKey(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

func find(ms []member, name string) (json.RawMessage, bool) {
	for _, m := range ms {
		if m.name == name {
			return append(json.RawMessage(nil), m.value...), true
		}
	}
	return nil, false
}

// newToken reads the registered claims out of the payload members; a registered
// claim of the wrong JSON type makes the token malformed.
func newToken(t *Token, raw string, header Header, hdr []member, payload []byte, claims []member) (*Token, error) {
	*t = Token{raw: raw, header: header, hdr: hdr, payload: payload, claims: claims}
	var err error
	for _, m := range claims {
		switch m.name {
		case "iss":
			t.iss, err = stringClaim(m)
		case "sub":
			t.sub, err = stringClaim(m)
		case "jti":
			t.jti, err = stringClaim(m)
		case "aud":
			t.aud, err = audClaim(m, &t.aud1)
		case "exp":
			t.exp, err = timeClaim(m)
			t.hasExp = true
		case "nbf":
			t.nbf, err = timeClaim(m)
			t.hasNbf = true
		case "iat":
			t.iat, err = timeClaim(m)
			t.hasIat = true
		}
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

func stringClaim(m member) (string, error) {
	s, err := unquote(m.value)
	if err != nil {
		return "", fmt.Errorf("%w: claim %s is not a string", ErrMalformed, quote(m.name))
	}
	return s, nil
}

func audClaim(m member, one *[1]string) ([]string, error) {
	if len(m.value) > 0 && m.value[0] == '"' {
		s, err := stringClaim(m)
		one[0] = s
		return one[:], err
	}
	var aud []string
	if err := json.Unmarshal(m.value, &aud); err != nil || aud == nil || hasNull(m.value) {
		return nil, fmt.Errorf("%w: claim \"aud\" is neither a string nor an array of strings", ErrMalformed)
	}
	return aud, nil
}

// hasNull reports a null anywhere in a valid JSON value (encoding/json decodes a
// null array element into "" silently).
func hasNull(v []byte) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			end, _ := scanString(v, i)
			i = end - 1
		case 'n':
			return true
		}
	}
	return false
}

// timeClaim reads a NumericDate: a JSON number of seconds, possibly fractional.
func timeClaim(m member) (time.Time, error) {
	v := m.value
	if len(v) == 0 || !(v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) {
		return time.Time{}, fmt.Errorf("%w: claim %s is not a number", ErrMalformed, quote(m.name))
	}
	if isInteger(v) {
		n, err := strconv.ParseInt(unsafe.String(&v[0], len(v)), 10, 64)
		if err == nil && n >= -1<<40 && n <= 1<<40 {
			return time.Unix(n, 0), nil
		}
	}
	f, err := strconv.ParseFloat(unsafe.String(&v[0], len(v)), 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > 1<<40 {
		return time.Time{}, fmt.Errorf("%w: claim %s is out of range", ErrMalformed, quote(m.name))
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), nil
}

func isInteger(v []byte) bool {
	for _, c := range v {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}
