package session

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// idLen is the length of a session id: 16 random bytes as lowercase hex, the
// shape of aiohttp_session's uuid4().hex.
const idLen = 32

// cookieID returns the first session cookie of r, checked: "" with no cookie,
// an error wrapping ErrCookie when malformed. Of several cookies of that name the
// first is the one with the most specific Path (RFC 6265 §5.4), the one this
// service set; aiohttp's SimpleCookie keeps the last instead, so a request
// carrying two different ids is one session here and another in Python.
func (m *Manager) cookieID(r *http.Request) (string, error) {
	cs := r.CookiesNamed(m.cfg.CookieName)
	if len(cs) == 0 {
		return "", nil
	}
	if v := cs[0].Value; !validID(v) {
		return "", fmt.Errorf("%w: %s is not %d lowercase hex characters (%d bytes)", ErrCookie, m.cfg.CookieName, idLen, len(v))
	}
	return cs[0].Value, nil
}

func validID(s string) bool {
	if len(s) != idLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// cookieExpires is the Expires format aiohttp_session writes (dashes in the date).
const cookieExpires = "Mon, 02-Jan-2006 15:04:05 GMT"

// setCookie adds the session cookie with aiohttp_session's attributes, in the
// order Python's http.cookies writes them; maxAge 0 expires the cookie.
func (m *Manager) setCookie(h http.Header, id string, maxAge time.Duration) {
	var b strings.Builder
	b.WriteString(m.cfg.CookieName)
	b.WriteByte('=')
	secs := int64(maxAge / time.Second)
	if secs <= 0 {
		b.WriteString(`""`)
	} else {
		b.WriteString(id)
	}
	if m.cfg.Domain != "" {
		b.WriteString("; Domain=")
		b.WriteString(m.cfg.Domain)
	}
	b.WriteString("; expires=")
	if secs <= 0 {
		b.WriteString("Thu, 01 Jan 1970 00:00:00 GMT")
	} else {
		b.WriteString(m.cfg.Now().Add(time.Duration(secs) * time.Second).UTC().Format(cookieExpires))
	}
	b.WriteString("; HttpOnly; Max-Age=")
	b.WriteString(strconv.FormatInt(max(secs, 0), 10))
	b.WriteString("; Path=")
	b.WriteString(m.cfg.Path)
	b.WriteString("; SameSite=")
	b.WriteString(sameSite(m.cfg.SameSite))
	if !m.cfg.InsecureCookie {
		b.WriteString("; Secure")
	}
	h.Add("Set-Cookie", b.String())
	// A shared cache must not hand this Set-Cookie to another visitor: Vary
	// alone does not stop it for visitors that, like the first, send no cookie.
	// One Cache-Control field: a handler's no-store already covers it.
	switch cc := h.Get("Cache-Control"); {
	case cc == "":
		h.Set("Cache-Control", `no-cache="Set-Cookie"`)
	case !strings.Contains(cc, "no-store") && !strings.Contains(cc, "Set-Cookie"):
		h.Set("Cache-Control", cc+`, no-cache="Set-Cookie"`)
	}
	h.Add("Vary", "Cookie")
}

func sameSite(s http.SameSite) string {
	switch s {
	case http.SameSiteStrictMode:
		return "Strict"
	case http.SameSiteNoneMode:
		return "None"
	default:
		return "Lax"
	}
}
