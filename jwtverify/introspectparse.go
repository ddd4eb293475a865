package jwtverify

import (
	"fmt"
)

// parseIntrospection reads an introspection answer (RFC 7662 §2.2): one
// JSON object in valid UTF-8 without repeated names, whose active is a JSON
// boolean. active false is ErrInactive. For active true it returns a Token
// over the answer: its members are the claims, raw the token asked about,
// the header empty. The members RFC 7662 defines must have their types
// (scope, client_id, username, token_type, sub, iss, jti strings; exp, iat,
// nbf numbers; aud a string or an array of strings; cnf an object); others
// are kept as they are. An answer that breaks these rules is the endpoint's
// fault: ErrUnavailable, never a refusal of the token.
func parseIntrospection(raw string, body []byte) (*Token, error) {
	st := new(tokenStorage)
	claims, err := members(body, "introspection answer", st.claims[:0])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	active, ok := find(claims, "active")
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: introspection answer without active", ErrUnavailable)
	case string(active) == "false":
		return nil, ErrInactive
	case string(active) != "true":
		return nil, fmt.Errorf("%w: introspection answer's active is %s, not a boolean", ErrUnavailable, quote(string(active)))
	}
	tok, err := newToken(&st.tok, raw, Header{}, nil, body, claims)
	if err == nil {
		err = checkIntrospectionTypes(claims)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: introspection answer: %v", ErrUnavailable, err)
	}
	return tok, nil
}

// checkIntrospectionTypes checks the RFC 7662 §2.2 members newToken does
// not read.
func checkIntrospectionTypes(claims []member) error {
	for _, m := range claims {
		var err error
		switch m.name {
		case "scope", "client_id", "username", "token_type":
			_, err = stringClaim(m)
		case "cnf":
			if len(m.value) == 0 || m.value[0] != '{' {
				err = fmt.Errorf("cnf is not an object")
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}
