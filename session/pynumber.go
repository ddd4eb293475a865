package session

import (
	"errors"
	"math"
	"strconv"
)

// maxIntDigits is the longest integer Python's json.loads reads: 3.11 and later
// refuse integer strings over 4300 digits (sys.get_int_max_str_digits).
const maxIntDigits = 4300

var (
	errInfinite = errors.New("number out of float64 range (Python would write Infinity)")
	errLongInt  = errors.New("integer longer than 4300 digits (Python refuses to read it)")
)

// appendPyNumber writes the JSON number tok as Python's json.dumps writes the
// value json.loads reads from it: an integer (no fraction, no exponent) as its
// digits, -0 as 0; any other number as repr() of the nearest float64. A number
// out of float64 range, which Python reads as inf and writes as Infinity (not
// JSON), and an integer Python refuses to read are errors.
func appendPyNumber(dst, tok []byte) ([]byte, error) {
	isInt := true
	for _, c := range tok {
		if c == '.' || c == 'e' || c == 'E' {
			isInt = false
			break
		}
	}
	if isInt {
		digits := len(tok)
		if tok[0] == '-' {
			digits--
		}
		if digits > maxIntDigits {
			return dst, errLongInt
		}
		if string(tok) == "-0" {
			return append(dst, '0'), nil
		}
		return append(dst, tok...), nil
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil || math.IsInf(f, 0) {
		return dst, errInfinite
	}
	return appendPyFloat(dst, f), nil
}

// appendPyFloat writes a finite f as Python's repr(float) does: the shortest
// digits that read back as f; positional notation with at least one digit after
// the point when the decimal exponent is in [-4, 16), else d[.ddd]e±XX.
func appendPyFloat(dst []byte, f float64) []byte {
	if math.Signbit(f) {
		dst = append(dst, '-')
		f = -f
	}
	if f == 0 {
		return append(dst, "0.0"...)
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // d.ddde±XX, shortest
	i := 0
	var digits [24]byte
	n := 0
	for ; e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits[n] = e[i]
			n++
		}
	}
	exp, _ := strconv.Atoi(string(e[i+1:]))
	d := digits[:n]
	decpt := exp + 1 // the value is 0.d × 10^decpt
	switch {
	case decpt <= -4 || decpt > 16:
		dst = append(dst, d[0])
		if len(d) > 1 {
			dst = append(dst, '.')
			dst = append(dst, d[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	case decpt <= 0:
		dst = append(dst, "0."...)
		for range -decpt {
			dst = append(dst, '0')
		}
		return append(dst, d...)
	case decpt >= len(d):
		dst = append(dst, d...)
		for range decpt - len(d) {
			dst = append(dst, '0')
		}
		return append(dst, ".0"...)
	default:
		dst = append(dst, d[:decpt]...)
		dst = append(dst, '.')
		return append(dst, d[decpt:]...)
	}
}

// numberEnd returns the length of the JSON number at the start of b.
func numberEnd(b []byte) int {
	i := 0
	for i < len(b) {
		switch c := b[i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			i++
		default:
			return i
		}
	}
	return i
}
