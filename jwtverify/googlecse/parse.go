package googlecse

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sesame-go/sesame/internal/jsonobj"
	"github.com/sesame-go/sesame/jwtverify"
)

// unverified is a compact token read without checking its signature or its
// claims: to say why a string is not a JWT before anything classifies it
// (by issuer, by tenant IdP), and to fill the record of a refusal.
type unverified struct {
	header map[string]json.RawMessage // nil when the header is not one JSON object
	claims map[string]json.RawMessage // nil when the payload is not one JSON object
}

// parseUnverified splits raw and decodes its header and payload as
// jwtverify does before it looks at any key: three base64url segments
// (unpadded, canonical, no line break), a header and a payload that are each
// one JSON object without repeated member names. The error wraps
// jwtverify.ErrMalformed (jwtverify.ErrTooLarge over maxTokenSize); the parts
// that did decode are returned all the same, for the record.
func parseUnverified(raw string) (unverified, error) {
	var u unverified
	if len(raw) > maxTokenSize {
		return u, fmt.Errorf("%w: token of %d bytes", jwtverify.ErrTooLarge, len(raw))
	}
	if strings.Count(raw, ".") != 2 {
		return u, fmt.Errorf("%w: not a JWT: want 3 dot-separated segments", jwtverify.ErrMalformed)
	}
	if strings.ContainsAny(raw, "\r\n") { // base64 would skip them
		return u, fmt.Errorf("%w: not a JWT: line break in token", jwtverify.ErrMalformed)
	}
	h, rest, _ := strings.Cut(raw, ".")
	p, s, _ := strings.Cut(rest, ".")
	enc := base64.RawURLEncoding.Strict()
	var errs []error
	object := func(seg, name string) map[string]json.RawMessage {
		b, err := enc.DecodeString(seg)
		if err != nil || len(seg) == 0 {
			errs = append(errs, fmt.Errorf("%w: not a JWT: %s is not unpadded base64url", jwtverify.ErrMalformed, name))
			return nil
		}
		m, err := jsonobj.Members(b)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w: not a JWT: %s: %w", jwtverify.ErrMalformed, name, err))
			return nil
		}
		return m
	}
	u.header = object(h, "header")
	u.claims = object(p, "payload")
	if _, err := enc.DecodeString(s); err != nil {
		errs = append(errs, fmt.Errorf("%w: not a JWT: signature is not unpadded base64url", jwtverify.ErrMalformed))
	}
	if len(errs) > 0 {
		return u, errs[0]
	}
	return u, nil
}

// str returns a member that is a JSON string.
func str(m map[string]json.RawMessage, name string) (string, bool) {
	raw, ok := m[name]
	if !ok || len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// absent reports whether a member is missing or null.
func absent(m map[string]json.RawMessage, name string) bool {
	raw, ok := m[name]
	return !ok || jsonobj.IsNull(raw)
}

// unlessMalformed returns err, a refusal made by classifying raw (untrusted
// issuer, no IdP for it, a source down), unless raw is not a JWT at all: then
// the parse error, which is what the caller must hear.
func unlessMalformed(raw string, err error) error {
	if _, perr := parseUnverified(raw); perr != nil {
		return perr
	}
	return err
}

// nameMissing turns jwtverify's refusal of a token missing one of required
// (checked in that order) into a *ClaimError naming it.
func nameMissing(raw string, err error, required []string) error {
	var ce *ClaimError
	if !errors.Is(err, jwtverify.ErrMissingClaim) || errors.As(err, &ce) {
		return err
	}
	u, _ := parseUnverified(raw)
	for _, name := range required {
		if absent(u.claims, name) {
			return &ClaimError{Claim: name, Problem: problemMissing, Err: err}
		}
	}
	return err
}
