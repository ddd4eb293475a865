package beswarm

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxScopeSize bounds the scope and funcs strings (8 KiB).
const MaxScopeSize = 8 << 10

// Op is an operation a right grants on a resource.
type Op string

// The operations of a BeSwarm right, as spelled in the scope claim.
const (
	Read   Op = "read"
	Write  Op = "write"
	Delete Op = "delete"
)

// Right is what the user granted on one resource.
type Right struct {
	// Read, Write and Delete are the scope's "read", "write" and "delete".
	Read, Write, Delete bool
}

// Allows reports whether the right grants op; an unknown op is never granted.
func (r Right) Allows(op Op) bool {
	switch op {
	case Read:
		return r.Read
	case Write:
		return r.Write
	case Delete:
		return r.Delete
	}
	return false
}

// Rights maps a resource name ("userbankaccount") to its Right. Rights
// returned by a Verifier are shared between calls for the same token: do not
// modify them.
type Rights map[string]Right

// Can reports whether the rights grant op on resource.
func (r Rights) Can(resource string, op Op) bool {
	right, ok := r[resource]
	return ok && right.Allows(op)
}

// DecodeScope decodes the value of BeSwarm's scope claim, a JSON object in a
// string:
//
//	{"userbankaccount":{"read":true,"write":true,"delete":false}, ...}
//
// Each resource must hold exactly the three booleans read, write and delete;
// anything else (another type, a missing, duplicate or unknown member, a
// duplicate resource, trailing data, more than MaxScopeSize bytes) is ErrScope,
// never an empty grant. "{}" is an empty grant.
func DecodeScope(s string) (Rights, error) {
	if len(s) > MaxScopeSize {
		return nil, fmt.Errorf("%w: scope of %d bytes, limit %d", ErrScope, len(s), MaxScopeSize)
	}
	d := scanner{s: s}
	rights := Rights{}
	err := d.object(func(name string) error {
		if _, dup := rights[name]; dup {
			return fmt.Errorf("duplicate resource %s", quote(name))
		}
		r, err := d.right()
		rights[name] = r
		return err
	})
	if err == nil {
		err = d.end()
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrScope, err)
	}
	return rights, nil
}

// DecodeFuncs decodes the value of the funcs claim, a JSON array of strings in
// a string ("[]" in every token BeSwarm documents). Anything else is ErrScope.
func DecodeFuncs(s string) ([]string, error) {
	if len(s) > MaxScopeSize {
		return nil, fmt.Errorf("%w: funcs of %d bytes, limit %d", ErrScope, len(s), MaxScopeSize)
	}
	d := scanner{s: s}
	funcs := []string{}
	err := d.array(func() error {
		f, err := d.str()
		funcs = append(funcs, f)
		return err
	})
	if err == nil {
		err = d.end()
	}
	if err != nil {
		return nil, fmt.Errorf("%w: funcs: %w", ErrScope, err)
	}
	return funcs, nil
}

// scanner reads the small JSON subset of the scope and funcs claims.
type scanner struct {
	s string
	i int
}

func (d *scanner) ws() {
	for d.i < len(d.s) && (d.s[d.i] == ' ' || d.s[d.i] == '\t' || d.s[d.i] == '\n' || d.s[d.i] == '\r') {
		d.i++
	}
}

// eat consumes c after optional whitespace.
func (d *scanner) eat(c byte) bool {
	d.ws()
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *scanner) errorf(what string) error {
	return fmt.Errorf("%s at offset %d", what, d.i)
}

// end requires that only whitespace is left.
func (d *scanner) end() error {
	d.ws()
	if d.i != len(d.s) {
		return d.errorf("trailing data")
	}
	return nil
}

// object reads {"name": value, ...}, calling member for each name with the
// scanner at its value.
func (d *scanner) object(member func(name string) error) error {
	if !d.eat('{') {
		return d.errorf("want an object")
	}
	if d.eat('}') {
		return nil
	}
	for {
		name, err := d.str()
		if err != nil {
			return err
		}
		if !d.eat(':') {
			return d.errorf("want ':'")
		}
		if err := member(name); err != nil {
			return err
		}
		if d.eat('}') {
			return nil
		}
		if !d.eat(',') {
			return d.errorf("want ',' or '}'")
		}
	}
}

// array reads [value, ...], calling elem with the scanner at each value.
func (d *scanner) array(elem func() error) error {
	if !d.eat('[') {
		return d.errorf("want an array")
	}
	if d.eat(']') {
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		if d.eat(']') {
			return nil
		}
		if !d.eat(',') {
			return d.errorf("want ',' or ']'")
		}
	}
}

// right reads {"read":bool,"write":bool,"delete":bool}, each exactly once.
func (d *scanner) right() (Right, error) {
	var r Right
	var seen [3]bool
	err := d.object(func(name string) error {
		var p *bool
		var n int
		switch name {
		case "read":
			p, n = &r.Read, 0
		case "write":
			p, n = &r.Write, 1
		case "delete":
			p, n = &r.Delete, 2
		default:
			return fmt.Errorf("unknown member %s in a right", quote(name))
		}
		if seen[n] {
			return fmt.Errorf("duplicate member %s in a right", quote(name))
		}
		seen[n] = true
		b, err := d.boolean()
		*p = b
		return err
	})
	if err == nil && seen != [3]bool{true, true, true} {
		err = d.errorf("a right needs read, write and delete")
	}
	return r, err
}

func (d *scanner) boolean() (bool, error) {
	d.ws()
	switch {
	case strings.HasPrefix(d.s[d.i:], "true"):
		d.i += 4
		return true, nil
	case strings.HasPrefix(d.s[d.i:], "false"):
		d.i += 5
		return false, nil
	}
	return false, d.errorf("want true or false")
}

// str reads a JSON string: plain ones in place, escaped ones through
// encoding/json.
func (d *scanner) str() (string, error) {
	d.ws()
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		return "", d.errorf("want a string")
	}
	start := d.i
	escaped, ascii := false, true
	for j := d.i + 1; j < len(d.s); j++ {
		switch c := d.s[j]; {
		case c == '\\':
			escaped = true
			j++
		case c < 0x20:
			return "", d.errorf("control character in a string")
		case c >= utf8.RuneSelf:
			ascii = false
		case c == '"':
			d.i = j + 1
			raw := d.s[start:d.i]
			if !escaped {
				if !ascii && !utf8.ValidString(raw) {
					return "", d.errorf("invalid UTF-8")
				}
				return raw[1 : len(raw)-1], nil
			}
			var out string
			if err := json.Unmarshal([]byte(raw), &out); err != nil || !utf8.ValidString(raw) {
				return "", d.errorf("bad string escape")
			}
			return out, nil
		}
	}
	return "", d.errorf("unterminated string")
}
