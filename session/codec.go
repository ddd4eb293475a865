package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Codec turns a Record into stored bytes and back. Decode must treat its input as
// hostile: bounded work, strict shape, errors wrapping ErrCorrupt.
type Codec interface {
	// Encode serialises a record as the store keeps it.
	Encode(*Record) ([]byte, error)
	// Decode parses a stored record; a record it cannot read is ErrCorrupt.
	Decode([]byte) (*Record, error)
}

// AiohttpCodec reads and writes aiohttp_session's Redis record,
// {"created": <unix s>, "session": {…}}, byte for byte as Python's json.dumps writes
// it: ", " and ": " separators, created first, non-ASCII as \uXXXX, numbers as
// Python writes the value it reads (integers exactly, other numbers as
// repr(float)). The empty record {} stands for a cleared session. Unknown
// top-level members are read and dropped, as aiohttp_session drops them. The
// zero value is ready to use.
type AiohttpCodec struct{}

// Encode writes r in aiohttp_session's format. A value holding a number Python
// cannot read back as the same value (out of float64 range, an integer of more
// than 4300 digits) is an error.
func (AiohttpCodec) Encode(r *Record) ([]byte, error) {
	if r.Cleared() {
		return []byte("{}"), nil
	}
	b := make([]byte, 0, 64+recordSize(r))
	b = append(b, `{"created": `...)
	b = strconv.AppendInt(b, r.Created, 10)
	b = append(b, `, "session": {`...)
	b, err := appendFields(b, r.Values)
	if err != nil {
		return nil, err
	}
	return append(b, "}}"...), nil
}

func recordSize(r *Record) int {
	n := 0
	for _, f := range r.Values {
		n += len(f.Key) + len(f.Value) + 8
	}
	return n
}

// appendFields writes "k": v pairs, Python style.
func appendFields(b []byte, fs []Field) ([]byte, error) {
	for i, f := range fs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendPyString(b, f.Key)
		b = append(b, ": "...)
		var err error
		if b, err = appendPyJSON(b, f.Value); err != nil {
			return nil, fmt.Errorf("%.40q: %w", f.Key, err)
		}
	}
	return b, nil
}

// Decode parses an aiohttp_session record. It rejects anything but one JSON object
// with an integer "created" and an object "session" (or the empty object {}),
// duplicate keys, and trailing data.
func (AiohttpCodec) Decode(data []byte) (*Record, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	rec := &Record{}
	var haveCreated, haveSession bool
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return nil, err
		}
		if err := decodeTop(dec, rec, key, &haveCreated, &haveSession); err != nil {
			return nil, err
		}
	}
	if err := closeObject(dec); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the record", ErrCorrupt)
	}
	if rec.Cleared() && !haveCreated && !haveSession {
		return rec, nil // {}
	}
	if !haveCreated || !haveSession {
		return nil, fmt.Errorf("%w: \"created\" and \"session\" are both required", ErrCorrupt)
	}
	if rec.Created <= 0 {
		return nil, fmt.Errorf("%w: \"created\" %d is not a positive unix time", ErrCorrupt, rec.Created)
	}
	return rec, nil
}

// decodeTop reads the value of one top-level member into rec.
func decodeTop(dec *json.Decoder, rec *Record, key string, haveCreated, haveSession *bool) error {
	var err error
	switch key {
	case "created":
		if *haveCreated {
			return fmt.Errorf("%w: duplicate \"created\"", ErrCorrupt)
		}
		*haveCreated = true
		rec.Created, err = decodeCreated(dec)
	case "session":
		if *haveSession {
			return fmt.Errorf("%w: duplicate \"session\"", ErrCorrupt)
		}
		*haveSession = true
		if err := expectDelim(dec, '{'); err != nil {
			return fmt.Errorf("\"session\": %w", err)
		}
		rec.Values, err = decodeMembers(dec)
	default: // read to check it is JSON, then dropped, as Python does
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("%w: value of %.40q: %w", ErrCorrupt, key, err)
		}
	}
	return err
}

// decodeCreated reads "created" (see unixSeconds): a record is live while
// now − created ≤ max_age, and now is whole seconds on both sides.
func decodeCreated(dec *json.Decoder) (int64, error) {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return 0, fmt.Errorf("%w: \"created\": %w", ErrCorrupt, err)
	}
	n, err := unixSeconds(raw)
	if err != nil {
		return 0, fmt.Errorf("%w: \"created\" %w", ErrCorrupt, err)
	}
	return n, nil
}

// unixSeconds reads a time in unix seconds as Python reads the JSON number a
// peer wrote: an integer, or a finite number (a float too; Node writes
// Date.now()/1000), rounded down.
func unixSeconds(raw json.RawMessage) (int64, error) {
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || len(raw) == 0 || raw[0] == '"' || math.IsInf(f, 0) || math.Abs(f) > 1<<62 {
		return 0, fmt.Errorf("is %.20q, not a number", raw)
	}
	return int64(math.Floor(f)), nil
}

// decodeMembers reads the members of an object whose '{' was consumed, through '}'.
func decodeMembers(dec *json.Decoder) ([]Field, error) {
	var fs []Field
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return nil, err
		}
		if fs, err = appendMember(dec, fs, key); err != nil {
			return nil, err
		}
	}
	return fs, closeObject(dec)
}

func appendMember(dec *json.Decoder, fs []Field, key string) ([]Field, error) {
	for _, f := range fs {
		if f.Key == key {
			return nil, fmt.Errorf("%w: duplicate key %.40q", ErrCorrupt, key)
		}
	}
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: value of %.40q: %w", ErrCorrupt, key, err)
	}
	if err := checkPyNumbers(raw); err != nil {
		return nil, fmt.Errorf("%w: value of %.40q: %w", ErrCorrupt, key, err)
	}
	return append(fs, Field{Key: key, Value: raw}), nil
}

func objectKey(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	key, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("%w: object key is %T", ErrCorrupt, tok)
	}
	return key, nil
}

func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: empty", ErrCorrupt)
		}
		return fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if got, ok := tok.(json.Delim); !ok || got != d {
		return fmt.Errorf("%w: want %q, got %v", ErrCorrupt, d, tok)
	}
	return nil
}

func closeObject(dec *json.Decoder) error {
	return expectDelim(dec, '}')
}
