// Package jsonobj reads one JSON object written by another system into its raw
// members, the way Sesame reads every peer's record: unknown members are the
// caller's to ignore, but the object itself is strict. It must be a single JSON
// object, with no repeated member name (Python's json.loads and JSON.parse keep
// the last one silently, which would let two readers see two values) and
// nothing after it.
package jsonobj

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// ErrSyntax is wrapped by every error of Members.
var ErrSyntax = errors.New("jsonobj: not one JSON object")

// Members reads data as one JSON object and returns its members, undecoded.
// Names are compared exactly (JSON is case-sensitive, unlike encoding/json's
// struct matching). A repeated name, a value that is not an object, invalid
// JSON or trailing data is an error wrapping ErrSyntax; a repeated name is
// quoted and clipped to 64 bytes.
func Members(data []byte) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("%w: not a JSON object", ErrSyntax)
	}
	members := make(map[string]json.RawMessage, 4)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSyntax, err)
		}
		name, _ := tok.(string) // inside an object, the decoder yields names as strings
		if _, dup := members[name]; dup {
			return nil, fmt.Errorf("%w: member %s repeated", ErrSyntax, Quote(name))
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%w: value of %s: %w", ErrSyntax, Quote(name), err)
		}
		members[name] = v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, fmt.Errorf("%w: unterminated object", ErrSyntax)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the object", ErrSyntax)
	}
	return members, nil
}

// IsNull reports whether a raw member is JSON null.
func IsNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// Quote quotes a peer-chosen value for an error message, clipped to 64 bytes.
func Quote(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strconv.Quote(s)
}
