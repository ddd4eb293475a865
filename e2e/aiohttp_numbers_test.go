package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// aiohttpNumberLiterals are numbers at every decimal exponent from 1e-30 to
// 1e30, around Python's switch to exponent notation, subnormals, zeros,
// integers beyond 2^53 and random float64s.
func aiohttpNumberLiterals() []string {
	var lits []string
	for e := -30; e <= 30; e++ {
		for _, m := range []string{"1", "1.5", "9.999", "1.2345", "-2.5", "7.000000000000001"} {
			lits = append(lits, fmt.Sprintf("%se%d", m, e))
		}
	}
	lits = append(lits, "0", "-0", "0.0", "-0.0", "1.0", "1E5", "0.0001", "0.00001", "1e15", "1e16",
		"5e-324", "2.2250738585072014e-308", "1.7976931348623157e308", "1e-400",
		"9007199254740993", "-9007199254740993", "123456789012345678901234567890", "0.1", "1e22", "1e23")
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		if f := math.Float64frombits(r.Uint64()); !math.IsNaN(f) && !math.IsInf(f, 0) {
			lits = append(lits, strconv.FormatFloat(f, 'e', 16, 64))
		}
	}
	return lits
}

// Go stores the number table; the real aiohttp_session reads every number as
// the value Go meant, and would write the record back byte for byte.
func TestAiohttpNumberTable(t *testing.T) {
	x := newInterop(t)
	lits := aiohttpNumberLiterals()
	setCookie, _ := x.call(x.goURL, "POST", "/put", "", `{"nums": [`+strings.Join(lits, ", ")+`]}`)
	m := aiohttpCookie.FindStringSubmatch(setCookie)
	if m == nil {
		t.Fatalf("Go's Set-Cookie %q", setCookie)
	}
	id := m[1]
	stored := x.stored(id)
	_, pyView := x.call(x.py, "GET", "/dump", id, "")
	var record string
	_ = json.Unmarshal(pyView["record"], &record)
	if record != stored {
		t.Errorf("Go stored\n %.300s\nPython writes it back as\n %.300s", stored, record)
	}
	var session struct {
		Nums []json.Number `json:"nums"`
	}
	dec := json.NewDecoder(strings.NewReader(string(pyView["session"])))
	dec.UseNumber()
	if err := dec.Decode(&session); err != nil || len(session.Nums) != len(lits) {
		t.Fatalf("Python's view: %v, %d numbers for %d", err, len(session.Nums), len(lits))
	}
	for i, lit := range lits {
		if got := session.Nums[i].String(); !sameNumber(lit, got) {
			t.Errorf("%s: Python read %s", lit, got)
		}
	}
}

// sameNumber reports whether the JSON numbers a and b are the same value:
// the same integer, or the same float64.
func sameNumber(a, b string) bool {
	isInt := func(s string) bool { return !strings.ContainsAny(s, ".eE") }
	if isInt(a) {
		return isInt(b) && strings.TrimPrefix(a, "-") == "0" && b == "0" || a == b
	}
	fa, err1 := strconv.ParseFloat(a, 64)
	fb, err2 := strconv.ParseFloat(b, 64)
	return err1 == nil && err2 == nil && !isInt(b) && math.Float64bits(fa) == math.Float64bits(fb)
}
