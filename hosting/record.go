package hosting

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf16"

	"github.com/sesame-go/sesame/internal/jsonobj"
)

// Bounds of a hosting record.
const (
	// MaxRecordSize bounds a record in bytes; larger ones are refused before
	// parsing.
	MaxRecordSize = 64 << 10
	// MaxTokenSize bounds each token in bytes.
	MaxTokenSize = 16 << 10
)

// KeyPrefix starts the Redis key of every hosting record: hebergement:<instance_id>.
const KeyPrefix = "hebergement:"

// Key returns the Redis key of instanceID's record.
func Key(instanceID string) string { return KeyPrefix + instanceID }

// Tokens are an instance's hosting tokens and the URL of its consignation
// (file storage) service, as MilleGrilles stores them.
type Tokens struct {
	// ReadOnly is the read-only JWT ("jwt_readonly").
	ReadOnly string `json:"jwt_readonly"`
	// ReadWrite is the read-write JWT ("jwt_readwrite").
	ReadWrite string `json:"jwt_readwrite"`
	// URL is the consignation URL ("url"), an absolute https URL.
	URL string `json:"url"`
}

// DecodeRecord reads a hosting record as MilleGrilles' own services read it,
// tolerant of additions and exact in meaning: members other than
// "jwt_readonly", "jwt_readwrite" and "url" are ignored, and those three are
// required non-empty strings. Strict where it guards something: at most
// MaxRecordSize bytes, one JSON object without repeated names, the tokens
// compact JWTs of at most MaxTokenSize bytes, the URL absolute https. The
// tokens' exp are not checked here: Cache.Get does that.
func DecodeRecord(b []byte) (*Tokens, error) {
	if len(b) > MaxRecordSize {
		return nil, fmt.Errorf("%w: %d bytes (max %d)", ErrTooLarge, len(b), MaxRecordSize)
	}
	members, err := jsonobj.Members(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var t Tokens
	for _, f := range []struct {
		name string
		dst  *string
	}{{"jwt_readonly", &t.ReadOnly}, {"jwt_readwrite", &t.ReadWrite}, {"url", &t.URL}} {
		raw, ok := members[f.name]
		if !ok {
			return nil, fmt.Errorf("%w: no %s", ErrMalformed, f.name)
		}
		if jsonobj.IsNull(raw) || json.Unmarshal(raw, f.dst) != nil {
			return nil, fmt.Errorf("%w: %s is not a string", ErrMalformed, f.name)
		}
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	return &t, nil
}

// check validates the shape of t (not its tokens' claims).
func (t *Tokens) check() error {
	for _, f := range [...]struct{ name, tok string }{{"jwt_readonly", t.ReadOnly}, {"jwt_readwrite", t.ReadWrite}} {
		name, tok := f.name, f.tok
		switch {
		case tok == "":
			return fmt.Errorf("%w: no %s", ErrMalformed, name)
		case len(tok) > MaxTokenSize:
			return fmt.Errorf("%w: %s of %d bytes (max %d)", ErrTooLarge, name, len(tok), MaxTokenSize)
		case strings.Count(tok, ".") != 2:
			return fmt.Errorf("%w: %s is not a compact JWT", ErrMalformed, name)
		}
	}
	u, err := url.Parse(t.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return fmt.Errorf("%w: url %s is not an absolute https URL", ErrMalformed, jsonobj.Quote(t.URL))
	}
	return nil
}

// EncodeRecord writes t byte for byte as Python's json.dumps does:
//
//	{"jwt_readonly": "…", "jwt_readwrite": "…", "url": "…"}
func EncodeRecord(t *Tokens) []byte {
	var b strings.Builder
	b.Grow(64 + len(t.ReadOnly) + len(t.ReadWrite) + len(t.URL))
	b.WriteString(`{"jwt_readonly": `)
	b.WriteString(pyQuote(t.ReadOnly))
	b.WriteString(`, "jwt_readwrite": `)
	b.WriteString(pyQuote(t.ReadWrite))
	b.WriteString(`, "url": `)
	b.WriteString(pyQuote(t.URL))
	b.WriteString("}")
	return []byte(b.String())
}

// pyQuote quotes s as Python's json.dumps (ensure_ascii) does: encoding/json
// without HTML escaping, then every non-ASCII rune as \uXXXX (surrogate pairs
// beyond the BMP).
func pyQuote(s string) string {
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	q := strings.TrimSuffix(buf.String(), "\n")
	var out strings.Builder
	for _, r := range q {
		switch {
		case r < 0x80:
			out.WriteRune(r)
		case r < 0x10000:
			fmt.Fprintf(&out, `\u%04x`, r)
		default:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(&out, `\u%04x\u%04x`, hi, lo)
		}
	}
	return out.String()
}
