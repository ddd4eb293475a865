package jwtverify

import (
	"encoding/binary"
	"encoding/json"
)

// The strict scanners below read one JSON value starting at b[i] and return the
// index just past it, and whether it is well formed. UTF-8 validity is checked
// once for the whole document by the caller.

// scanValue reads any JSON value.
func scanValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; {
	case c == '"':
		return scanString(b, i)
	case c == '-' || (c >= '0' && c <= '9'):
		return scanNumber(b, i)
	case c == 't':
		return scanLiteral(b, i, "true")
	case c == 'f':
		return scanLiteral(b, i, "false")
	case c == 'n':
		return scanLiteral(b, i, "null")
	case c == '{' || c == '[':
		end := compositeEnd(b, i)
		return end, end > i && json.Valid(b[i:end])
	}
	return i, false
}

// scanString reads a string: no raw control characters, only JSON's escapes.
func scanString(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return i, false
	}
	for j := i + 1; j < len(b); {
		j = plainRun(b, j) // to the word holding the next special byte
		for j < len(b) && b[j] >= 0x20 && b[j] != '"' && b[j] != '\\' {
			j++
		}
		if j >= len(b) {
			break
		}
		switch c := b[j]; {
		case c == '"':
			return j + 1, true
		case c < 0x20:
			return j, false
		case j+1 >= len(b):
			return j, false
		case b[j+1] == 'u':
			if j+6 > len(b) || !isHex(b[j+2]) || !isHex(b[j+3]) || !isHex(b[j+4]) || !isHex(b[j+5]) {
				return j, false
			}
			j += 6
		default:
			switch b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			default:
				return j, false
			}
		}
	}
	return len(b), false
}

// plainRun returns the index of the first byte at or after j that may end or
// escape a string or is a control character ('"', '\\', < 0x20), or len(b),
// skipping eight plain bytes at a time: long string claims (BeSwarm's scope
// and private, a Gmail resource_name) are most of some payloads. A word is
// skipped only when none of its bytes can be special; any doubt (the bit
// tricks below may flag a plain byte above a special one, never miss one)
// leaves the byte loop to decide.
func plainRun(b []byte, j int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; j+8 <= len(b); j += 8 {
		w := binary.LittleEndian.Uint64(b[j:])
		quote, backslash := w^(ones*'"'), w^(ones*'\\') // a zero byte where w has one
		if ((quote-ones)&^quote|(backslash-ones)&^backslash|(w-ones*0x20)&^w)&highs != 0 {
			return j // a zero byte in quote or backslash, or a byte of w below 0x20
		}
	}
	return j
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// scanNumber reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(b []byte, i int) (int, bool) {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case j < len(b) && b[j] >= '1' && b[j] <= '9':
		j = digits(b, j)
	default:
		return j, false
	}
	if j < len(b) && b[j] == '.' {
		k := digits(b, j+1)
		if k == j+1 {
			return k, false
		}
		j = k
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := digits(b, j)
		if k == j {
			return k, false
		}
		j = k
	}
	return j, true
}

func digits(b []byte, j int) int {
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	return j
}

func scanLiteral(b []byte, i int, lit string) (int, bool) {
	end := i + len(lit)
	return end, end <= len(b) && string(b[i:end]) == lit
}

// compositeEnd returns the index just past the array or object at b[i], matching
// brackets outside strings; json.Valid then checks what lies between.
func compositeEnd(b []byte, i int) int {
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			end, ok := scanString(b, j)
			if !ok {
				return i
			}
			j = end - 1
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return j + 1
			}
		}
	}
	return i
}
