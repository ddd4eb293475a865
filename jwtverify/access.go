package jwtverify

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// accessTokenType is the typ of RFC 9068 JWT access tokens (normalized: any
// case, with or without "application/").
const accessTokenType = "at+jwt"

// accessRequired are the claims RFC 9068 §2.2 makes REQUIRED.
const accessRequired = "iss exp aud sub client_id iat jti"

// accessProfile applies Config.AccessToken to v: Issuer and Audience checked,
// typ fixed to at+jwt, RFC 9068's claims required.
func (v *Verifier) accessProfile(cfg Config) error {
	if cfg.AnyIssuer || cfg.AnyAudience || cfg.Issuer == "" || len(cfg.Audience) == 0 {
		return fmt.Errorf("%w: AccessToken needs Issuer and Audience (RFC 9068 §4); AnyIssuer and AnyAudience are refused", ErrConfig)
	}
	for _, t := range v.types {
		if t != accessTokenType {
			return fmt.Errorf("%w: AccessToken accepts typ at+jwt only; Types lists %s", ErrConfig, quote(t))
		}
	}
	v.types = []string{accessTokenType}
	for _, name := range strings.Fields(accessRequired) {
		if !slices.Contains(v.required, name) {
			v.required = append(v.required, name)
		}
	}
	v.access = true
	return nil
}

// AccessClaims are the claims RFC 9068 (§2.2) defines for JWT access tokens
// beyond the registered ones (Issuer, Subject, Audience, Expiry, IssuedAt and
// ID are Token methods). An absent claim is the zero value. Introspected tokens
// (Introspector) carry the same names (RFC 7662 §2.2), so a handler reads both
// kinds alike.
type AccessClaims struct {
	// ClientID is client_id: the OAuth client the token was issued to.
	ClientID string
	// Scopes is scope split on spaces (RFC 8693 §4.2), as Token.Scopes reads it.
	Scopes []string
	// AuthTime is auth_time: when the user last authenticated (zero when
	// absent).
	AuthTime time.Time
	// ACR is acr: the authentication context class the authentication met.
	ACR string
	// AMR is amr: the authentication methods used ("pwd", "otp", …).
	AMR []string
	// Groups, Roles and Entitlements are the RFC 7643 attributes of RFC 9068
	// §2.2.3.1, each an array of strings.
	Groups, Roles, Entitlements []string
}

// AccessClaims reads the RFC 9068 claims of the token. A claim of the wrong
// JSON type is ErrMalformed, never an empty grant; a Verifier with
// Config.AccessToken refuses such tokens already, so on its tokens the error
// is always nil.
//
//	ac, err := tok.AccessClaims()
//	if err == nil && slices.Contains(ac.Roles, "admin") { … }
func (t *Token) AccessClaims() (AccessClaims, error) {
	var ac AccessClaims
	var err error
	if ac.Scopes, err = t.Scopes(); err != nil {
		return AccessClaims{}, err
	}
	for _, m := range t.claims {
		switch m.name {
		case "client_id":
			ac.ClientID, err = stringClaim(m)
		case "scope":
			_, err = stringClaim(m) // RFC 8693 §4.2: a string, never an array
		case "auth_time":
			ac.AuthTime, err = timeClaim(m)
		case "acr":
			ac.ACR, err = stringClaim(m)
		case "amr":
			ac.AMR, err = stringList(m)
		case "groups":
			ac.Groups, err = stringList(m)
		case "roles":
			ac.Roles, err = stringList(m)
		case "entitlements":
			ac.Entitlements, err = stringList(m)
		}
		if err != nil {
			return AccessClaims{}, err
		}
	}
	return ac, nil
}

// checkAccessClaims refuses a token whose RFC 9068 claims have the wrong
// type: AccessClaims' rules, checked without building anything (it runs on
// every fresh token).
func checkAccessClaims(t *Token) error {
	for _, m := range t.claims {
		var err error
		switch m.name {
		case "client_id", "scope", "acr":
			_, err = stringClaim(m)
		case "auth_time":
			_, err = timeClaim(m)
		case "amr", "groups", "roles", "entitlements":
			if !isStringArray(m.value) {
				err = fmt.Errorf("%w: claim %s is not an array of strings", ErrMalformed, quote(m.name))
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// isStringArray reports whether v (valid JSON) is an array of strings.
func isStringArray(v []byte) bool {
	i := skipSpace(v, 0)
	if i >= len(v) || v[i] != '[' {
		return false
	}
	if i = skipSpace(v, i+1); i < len(v) && v[i] == ']' {
		return true
	}
	for {
		end, ok := scanString(v, i)
		if !ok {
			return false
		}
		switch i = skipSpace(v, end); {
		case i < len(v) && v[i] == ',':
			i = skipSpace(v, i+1)
		case i < len(v) && v[i] == ']':
			return true
		default:
			return false
		}
	}
}

// stringList reads a claim that must be an array of strings (empty allowed,
// null elements refused: encoding/json would turn them into "").
func stringList(m member) ([]string, error) {
	var list []string
	if len(m.value) == 0 || m.value[0] != '[' || json.Unmarshal(m.value, &list) != nil || hasNull(m.value) {
		return nil, fmt.Errorf("%w: claim %s is not an array of strings", ErrMalformed, quote(m.name))
	}
	return list, nil
}
