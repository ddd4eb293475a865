package passkey

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Bounds of the strict JSON reader: stored records are untrusted.
const (
	// MaxRecordSize bounds a webauthn-rs record (ceremony state, credential,
	// stored user) in bytes.
	MaxRecordSize = 256 << 10
	maxDepth      = 16
	maxCredID     = 1023 // WebAuthn §5.8.3: credential ids are at most 1023 bytes
	maxCreds      = 64   // credentials in one ceremony or one user
)

// object is a JSON object as serde reads it without deny_unknown_fields:
// names unique (serde refuses a repeated known field; Sesame refuses any
// repeated name), members the reader does not ask for ignored.
type object struct {
	path string
	vals map[string]any
}

// parseObject reads data as one JSON object (see parseStrict).
func parseObject(data []byte) (*object, error) {
	v, err := parseStrict(data)
	if err != nil {
		return nil, err
	}
	return asObject(v, "$")
}

// parseStrict reads one JSON value: no duplicate names, bounded depth and size,
// nothing after it. Numbers stay json.Number, objects *object.
func parseStrict(data []byte) (any, error) {
	if len(data) > MaxRecordSize {
		return nil, fmt.Errorf("%w: %d bytes, over %d", ErrFormat, len(data), MaxRecordSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := readValue(dec, "$", 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the value", ErrFormat)
	}
	return v, nil
}

func readValue(dec *json.Decoder, path string, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: %s nested too deep", ErrFormat, path)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrFormat, path, err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{path: path, vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, fmt.Errorf("%w: %s: %w", ErrFormat, path, err)
				}
				k, _ := kt.(string)
				if _, dup := o.vals[k]; dup {
					return nil, fmt.Errorf("%w: %s: duplicate member %s", ErrFormat, path, quote(k))
				}
				v, err := readValue(dec, path+"."+k, depth+1)
				if err != nil {
					return nil, err
				}
				o.vals[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrFormat, path, err)
			}
			return o, nil
		case '[':
			var a []any
			for dec.More() {
				v, err := readValue(dec, fmt.Sprintf("%s[%d]", path, len(a)), depth+1)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, fmt.Errorf("%w: %s: %w", ErrFormat, path, err)
			}
			if a == nil {
				a = []any{}
			}
			return a, nil
		}
		return nil, fmt.Errorf("%w: %s: unexpected %v", ErrFormat, path, t)
	default:
		return tok, nil
	}
}

// quote quotes an attacker-chosen value for an error, clipped to 64 bytes.
func quote(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strconv.Quote(s)
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case *object:
		return "an object"
	}
	return "?"
}

func asObject(v any, path string) (*object, error) {
	o, ok := v.(*object)
	if !ok {
		return nil, fmt.Errorf("%w: %s is %s, want an object", ErrFormat, path, kind(v))
	}
	return o, nil
}

// get returns the required member k.
func (o *object) get(k string) (any, error) {
	v, ok := o.vals[k]
	if !ok {
		return nil, fmt.Errorf("%w: %s: missing %s", ErrFormat, o.path, k)
	}
	return v, nil
}

// opt returns the member k of an Option type: absent and null are both None
// (serde reads a missing Option field as None).
func (o *object) opt(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok && v != nil
}

// names lists the object's member names in sorted order, so that an error
// naming them says the same thing every time.
func (o *object) names() []string {
	return slices.Sorted(maps.Keys(o.vals))
}

func (o *object) obj(k string) (*object, error) {
	v, err := o.get(k)
	if err != nil {
		return nil, err
	}
	return asObject(v, o.path+"."+k)
}

func (o *object) str(k string) (string, error) {
	v, err := o.get(k)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%w: %s.%s is %s, want a string", ErrFormat, o.path, k, kind(v))
	}
	return s, nil
}

func (o *object) boolean(k string) (bool, error) {
	v, err := o.get(k)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%w: %s.%s is %s, want a boolean", ErrFormat, o.path, k, kind(v))
	}
	return b, nil
}

func (o *object) uint32(k string) (uint32, error) {
	u, err := o.unsigned(k, 32)
	return uint32(u), err
}

// unsigned reads a member that is a Rust unsigned integer of bits bits:
// serde refuses a negative, a fraction or an exponent.
func (o *object) unsigned(k string, bits int) (uint64, error) {
	v, err := o.get(k)
	if err != nil {
		return 0, err
	}
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("%w: %s.%s is %s, want a number", ErrFormat, o.path, k, kind(v))
	}
	u, err := strconv.ParseUint(string(n), 10, bits)
	if err != nil {
		return 0, fmt.Errorf("%w: %s.%s = %s is not a u%d", ErrFormat, o.path, k, quote(string(n)), bits)
	}
	return u, nil
}

// oneOf reads a member that is a serde unit variant, one of names: "name" or
// {"name": null}.
func (o *object) oneOf(k string, names ...string) (string, error) {
	v, err := o.get(k)
	if err != nil {
		return "", err
	}
	return unitVariant(v, o.path+"."+k, names...)
}

// variant reads a serde externally tagged enum as serde_json does: a bare
// name, or an object of one member whose value is the variant's (null for a
// unit variant: serde_json reads {"None": null} as None).
func variant(v any, path string) (name string, val any, err error) {
	switch t := v.(type) {
	case string:
		return t, nil, nil
	case *object:
		if len(t.vals) != 1 {
			return "", nil, fmt.Errorf("%w: %s: an enum object has %d members (%s), want 1", ErrFormat, path, len(t.vals), quoteList(t.names()))
		}
		for k, x := range t.vals {
			return k, x, nil
		}
	}
	return "", nil, fmt.Errorf("%w: %s is %s, want an enum variant", ErrFormat, path, kind(v))
}

// quoteList quotes up to four names, clipped, for an error.
func quoteList(names []string) string {
	q := make([]string, 0, 5)
	for i, n := range names {
		if i == 4 {
			q = append(q, "…")
			break
		}
		q = append(q, quote(n))
	}
	return strings.Join(q, ", ")
}

// readBytes reads webauthn-rs's Base64UrlSafeData: base64 url or standard,
// padded or not, or an array of numbers 0-255. max bounds the length.
func readBytes(v any, path string, max int) ([]byte, error) {
	switch t := v.(type) {
	case string:
		if len(t) > (max+2)/3*4+4 {
			return nil, fmt.Errorf("%w: %s longer than %d bytes", ErrFormat, path, max)
		}
		s := strings.TrimRight(t, "=")
		if pad := len(t) - len(s); pad > 2 || (pad > 0 && len(t)%4 != 0) {
			return nil, fmt.Errorf("%w: %s is not base64: bad padding", ErrFormat, path)
		}
		enc := base64.RawURLEncoding
		if strings.ContainsAny(s, "+/") {
			enc = base64.RawStdEncoding
		}
		b, err := enc.Strict().DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("%w: %s is not base64: %w", ErrFormat, path, err)
		}
		if len(b) > max {
			return nil, fmt.Errorf("%w: %s longer than %d bytes", ErrFormat, path, max)
		}
		return b, nil
	case []any:
		return readByteArray(t, path, max)
	}
	return nil, fmt.Errorf("%w: %s is %s, want bytes", ErrFormat, path, kind(v))
}

// readByteArray reads an array of numbers 0-255, at most max of them.
func readByteArray(t []any, path string, max int) ([]byte, error) {
	{
		if len(t) > max {
			return nil, fmt.Errorf("%w: %s longer than %d bytes", ErrFormat, path, max)
		}
		b := make([]byte, len(t))
		for i, x := range t {
			n, ok := x.(json.Number)
			if !ok {
				return nil, fmt.Errorf("%w: %s[%d] is %s, want a byte", ErrFormat, path, i, kind(x))
			}
			u, err := strconv.ParseUint(string(n), 10, 8)
			if err != nil {
				return nil, fmt.Errorf("%w: %s[%d] = %s is not a byte", ErrFormat, path, i, quote(string(n)))
			}
			b[i] = byte(u)
		}
		return b, nil
	}
}

func (o *object) bytes(k string, max int) ([]byte, error) {
	v, err := o.get(k)
	if err != nil {
		return nil, err
	}
	return readBytes(v, o.path+"."+k, max)
}

// sizedBytes reads Base64UrlSafeData that must be exactly n bytes long.
func (o *object) sizedBytes(k string, n int) ([]byte, error) {
	b, err := o.bytes(k, n)
	if err != nil {
		return nil, err
	}
	if len(b) != n {
		return nil, fmt.Errorf("%w: %s.%s is %d bytes, want %d", ErrFormat, o.path, k, len(b), n)
	}
	return b, nil
}

// fixedBytes reads a Rust [u8; n]: serde reads a fixed-size array from a JSON
// array of exactly n numbers, never from a string.
func (o *object) fixedBytes(k string, n int) ([]byte, error) {
	v, err := o.get(k)
	if err != nil {
		return nil, err
	}
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s.%s is %s, want an array of %d numbers", ErrFormat, o.path, k, kind(v), n)
	}
	b, err := readByteArray(a, o.path+"."+k, n)
	if err != nil {
		return nil, err
	}
	if len(b) != n {
		return nil, fmt.Errorf("%w: %s.%s is %d bytes, want %d", ErrFormat, o.path, k, len(b), n)
	}
	return b, nil
}

// b64 writes bytes as webauthn-rs does: base64url without padding.
type b64 []byte

// MarshalJSON writes b as an unpadded base64url string.
func (b b64) MarshalJSON() ([]byte, error) {
	return json.Marshal(base64.RawURLEncoding.EncodeToString(b))
}

// byteArray writes bytes as webauthn-rs writes fixed-size arrays: numbers.
type byteArray []byte

// MarshalJSON writes b as an array of numbers.
func (b byteArray) MarshalJSON() ([]byte, error) {
	n := make([]int, len(b))
	for i, x := range b {
		n[i] = int(x)
	}
	return json.Marshal(n)
}

// marshal writes v as serde_json does, which Go's json.Marshal does not do
// by default: '<', '>' and '&' are written as themselves, not \u003c….
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
