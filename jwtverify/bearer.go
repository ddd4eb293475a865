package jwtverify

import (
	"fmt"
	"net/http"
	"strings"
)

// scheme is how a request presented its token.
type scheme uint8

const (
	schemeNone   scheme = iota // no token, or not known yet
	schemeBearer               // Authorization: Bearer, or the cookie
	schemeDPoP                 // Authorization: DPoP, with a DPoP proof header
)

// extract takes the one token of r (RFC 6750 §2.1, RFC 9449 §7.1, RFC 7235
// §2.1): from its single Authorization header, or, without one, from the
// configured cookie (a Bearer token). A token in the query string is refused
// (RFC 6750 §2.3 is a MAY that leaks tokens into logs and Referer headers),
// as is a request using two methods. With DPoP required, Bearer and the
// cookie are other schemes (ErrNoToken); without DPoP, so is DPoP.
func (m *middleware) extract(r *http.Request) (scheme, string, error) {
	_, inQuery := r.URL.Query()["access_token"]
	hs := r.Header.Values("Authorization")
	switch {
	case len(hs) > 1:
		return schemeNone, "", fmt.Errorf("%w: %d Authorization headers", ErrInvalidRequest, len(hs))
	case len(hs) == 1 && inQuery:
		return schemeNone, "", fmt.Errorf("%w: a token in both the Authorization header and the query string", ErrInvalidRequest)
	case inQuery:
		return schemeNone, "", fmt.Errorf("%w: a token in the query string is not accepted; send an Authorization header", ErrInvalidRequest)
	case len(hs) == 0:
		if m.cfg.Cookie != "" && !m.dpopRequired() {
			if c, err := r.Cookie(m.cfg.Cookie); err == nil && c.Value != "" {
				return schemeBearer, c.Value, nil
			}
		}
		return schemeNone, "", ErrNoToken
	}
	return m.credentials(hs[0])
}

// credentials reads credentials = auth-scheme 1*SP token from one
// Authorization header value: "Bearer" b64token (RFC 6750 §2.1), or "DPoP"
// token68 (RFC 9449 §7.1, the same characters). A scheme this middleware does
// not accept is no credentials (ErrNoToken); an accepted scheme with no
// token, or with anything but one token, is ErrInvalidRequest.
func (m *middleware) credentials(h string) (scheme, string, error) {
	h = strings.Trim(h, " \t") // OWS around a field value is not part of it
	end := strings.IndexAny(h, " \t,")
	if end < 0 {
		end = len(h)
	}
	var s scheme
	switch name := h[:end]; {
	case strings.EqualFold(name, "Bearer") && !m.dpopRequired():
		s = schemeBearer
	case strings.EqualFold(name, "DPoP") && m.cfg.DPoP != nil:
		s = schemeDPoP
	default:
		return schemeNone, "", fmt.Errorf("%w: Authorization scheme %s", ErrNoToken, quote(name[:min(end, 32)]))
	}
	rest := h[end:]
	tok := strings.TrimLeft(rest, " ")
	switch {
	case rest == "":
		return s, "", fmt.Errorf("%w: %s without a token", ErrInvalidRequest, h[:end])
	case len(tok) == len(rest):
		return s, "", fmt.Errorf("%w: the scheme must be followed by a space", ErrInvalidRequest)
	case !isB64Token(tok):
		return s, "", fmt.Errorf("%w: the credentials are not one b64token", ErrInvalidRequest)
	}
	return s, tok, nil
}

// isB64Token reports whether s is 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
// "+" / "/" ) *"=" (RFC 6750 §2.1).
func isB64Token(s string) bool {
	i := 0
	for i < len(s) && isB64Char(s[i]) {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(s) && s[i] == '=' {
		i++
	}
	return i == len(s)
}

func isB64Char(c byte) bool { return b64TokenChars[c] == 'x' }

// b64TokenChars marks with 'x' the bytes of a b64token besides its trailing
// '=' (RFC 6750 §2.1): ALPHA DIGIT - . _ ~ + /. A table, because every
// request's token is scanned byte by byte.
const b64TokenChars = "" +
	"................................" +
	"...........x.xxxxxxxxxxxxx......" +
	".xxxxxxxxxxxxxxxxxxxxxxxxxx....x" +
	".xxxxxxxxxxxxxxxxxxxxxxxxxx...x." +
	"................................" +
	"................................" +
	"................................" +
	"................................"
