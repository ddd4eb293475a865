package session

import (
	"unicode/utf16"
	"unicode/utf8"
)

// appendPyJSON re-emits valid JSON raw in Python json.dumps' default style:
// ", " and ": " separators, no other whitespace, strings escaped as ensure_ascii
// does, numbers as Python writes the values it reads from them (appendPyNumber).
// raw must be valid JSON (it comes from encoding/json).
func appendPyJSON(dst, raw []byte) ([]byte, error) {
	for i := 0; i < len(raw); {
		switch c := raw[i]; {
		case c == '"':
			var n int
			dst, n = appendPyQuoted(dst, raw[i:])
			i += n
		case c == ',':
			dst = append(dst, ", "...)
			i++
		case c == ':':
			dst = append(dst, ": "...)
			i++
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' || c >= '0' && c <= '9':
			n := numberEnd(raw[i:])
			var err error
			if dst, err = appendPyNumber(dst, raw[i:i+n]); err != nil {
				return dst, err
			}
			i += n
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst, nil
}

// checkPyNumbers returns an error if the valid JSON raw holds a number Python
// and Sesame cannot both read back as the same value (see appendPyNumber).
func checkPyNumbers(raw []byte) error {
	var scratch [64]byte
	for i := 0; i < len(raw); {
		switch c := raw[i]; {
		case c == '"':
			i += quotedEnd(raw[i:])
		case c == '-' || c >= '0' && c <= '9':
			n := numberEnd(raw[i:])
			if _, err := appendPyNumber(scratch[:0], raw[i:i+n]); err != nil {
				return err
			}
			i += n
		default:
			i++
		}
	}
	return nil
}

// quotedEnd returns the length of the JSON string literal at the start of q.
func quotedEnd(q []byte) int {
	for i := 1; i < len(q); i++ {
		switch q[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(q)
}

// appendPyString writes s as a Python ensure_ascii JSON string.
func appendPyString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for _, r := range s { // invalid UTF-8 yields U+FFFD, as encoding/json does
		dst = appendPyRune(dst, r)
	}
	return append(dst, '"')
}

// appendPyQuoted re-escapes the JSON string literal at the start of q and returns
// how many bytes of q it consumed.
func appendPyQuoted(dst, q []byte) ([]byte, int) {
	dst = append(dst, '"')
	i := 1
	for i < len(q) {
		c := q[i]
		switch {
		case c == '"':
			return append(dst, '"'), i + 1
		case c == '\\' && i+1 < len(q):
			u, n := unescape(q[i:])
			dst = appendPyUnit(dst, u)
			i += n
		case c < utf8.RuneSelf:
			dst = appendPyUnit(dst, rune(c))
			i++
		default:
			r, n := utf8.DecodeRune(q[i:])
			dst = appendPyRune(dst, r)
			i += n
		}
	}
	return append(dst, '"'), i // unterminated: cannot happen for valid JSON
}

// unescape decodes one backslash escape at the start of e into a UTF-16 unit (a
// lone or paired surrogate stays as it is, which Python writes back unchanged).
func unescape(e []byte) (rune, int) {
	switch e[1] {
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		if len(e) < 6 {
			return utf8.RuneError, len(e)
		}
		var u rune
		for _, h := range e[2:6] {
			u <<= 4
			switch {
			case h >= '0' && h <= '9':
				u |= rune(h - '0')
			case h >= 'a' && h <= 'f':
				u |= rune(h-'a') + 10
			case h >= 'A' && h <= 'F':
				u |= rune(h-'A') + 10
			}
		}
		return u, 6
	default: // '"', '\\', '/'
		return rune(e[1]), 2
	}
}

func appendPyRune(dst []byte, r rune) []byte {
	if r >= 0x10000 {
		r1, r2 := utf16.EncodeRune(r)
		return appendPyUnit(appendPyUnit(dst, r1), r2)
	}
	return appendPyUnit(dst, r)
}

const hexDigits = "0123456789abcdef"

// appendPyUnit writes one UTF-16 unit as Python's ensure_ascii encoder does.
func appendPyUnit(dst []byte, u rune) []byte {
	switch u {
	case '"':
		return append(dst, '\\', '"')
	case '\\':
		return append(dst, '\\', '\\')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	}
	if u >= 0x20 && u <= 0x7e {
		return append(dst, byte(u))
	}
	return append(dst, '\\', 'u', hexDigits[u>>12&0xf], hexDigits[u>>8&0xf], hexDigits[u>>4&0xf], hexDigits[u&0xf])
}
