package jwtverify

import (
	"fmt"
	"net/http"
	"strings"
)

// extract takes the one Bearer token of r (RFC 6750 §2.1, RFC 7235 §2.1): from
// its single Authorization header, or, without one, from the configured cookie.
// A token in the query string is refused (RFC 6750 §2.3 is a MAY that leaks
// tokens into logs and Referer headers), as is a request using two methods.
func (m *middleware) extract(r *http.Request) (string, error) {
	_, inQuery := r.URL.Query()["access_token"]
	hs := r.Header.Values("Authorization")
	switch {
	case len(hs) > 1:
		return "", fmt.Errorf("%w: %d Authorization headers", ErrInvalidRequest, len(hs))
	case len(hs) == 1 && inQuery:
		return "", fmt.Errorf("%w: a token in both the Authorization header and the query string", ErrInvalidRequest)
	case inQuery:
		return "", fmt.Errorf("%w: a token in the query string is not accepted; send an Authorization: Bearer header", ErrInvalidRequest)
	case len(hs) == 0:
		if m.cfg.Cookie != "" {
			if c, err := r.Cookie(m.cfg.Cookie); err == nil && c.Value != "" {
				return c.Value, nil
			}
		}
		return "", ErrNoToken
	}
	return bearerToken(hs[0])
}

// bearerToken reads credentials = "Bearer" 1*SP b64token from one
// Authorization header value. Another scheme is no credentials (ErrNoToken);
// "Bearer" with no token, or with anything but one b64token, is ErrInvalidRequest.
func bearerToken(h string) (string, error) {
	h = strings.Trim(h, " \t") // OWS around a field value is not part of it
	end := strings.IndexAny(h, " \t,")
	if end < 0 {
		end = len(h)
	}
	if !strings.EqualFold(h[:end], "Bearer") {
		return "", fmt.Errorf("%w: Authorization scheme %s", ErrNoToken, quote(h[:min(end, 32)]))
	}
	rest := h[end:]
	tok := strings.TrimLeft(rest, " ")
	switch {
	case rest == "":
		return "", fmt.Errorf("%w: Bearer without a token", ErrInvalidRequest)
	case len(tok) == len(rest):
		return "", fmt.Errorf("%w: Bearer must be followed by a space", ErrInvalidRequest)
	case !isB64Token(tok):
		return "", fmt.Errorf("%w: the credentials are not one b64token", ErrInvalidRequest)
	}
	return tok, nil
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

func isB64Char(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
}
