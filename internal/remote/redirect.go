package remote

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// MaxRedirects is the most redirects a fetch follows (net/http's own limit).
const MaxRedirects = 10

// SameOrigin returns a copy of hc that follows a redirect only to the origin
// (scheme, host and port) of the first request, at most MaxRedirects times. A
// CheckRedirect hc already has runs first and keeps every refusal it makes
// (including http.ErrUseLastResponse). The refusal wraps sentinel (when not nil),
// so a redirect on a key host never makes a caller trust another host's keys.
func SameOrigin(hc *http.Client, sentinel error) *http.Client {
	if sentinel == nil {
		sentinel = errors.New("redirect refused")
	}
	c := *hc
	inner := hc.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if inner != nil {
			if err := inner(req, via); err != nil {
				return err
			}
		}
		if len(via) >= MaxRedirects {
			return fmt.Errorf("%w: stopped after %d redirects", sentinel, len(via))
		}
		if !SameOriginURL(req.URL, via[0].URL) {
			return fmt.Errorf("%w: redirect from %s to another origin, %s", sentinel, Origin(via[0].URL), Origin(req.URL))
		}
		return nil
	}
	return &c
}

// SameOriginURL reports whether a and b share scheme, host and port (default
// ports made explicit; host names compared case-insensitively).
func SameOriginURL(a, b *url.URL) bool {
	return Origin(a) == Origin(b)
}

// Origin returns scheme://host:port of u in lower case, with the scheme's
// default port when u names none.
func Origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host, port := u.Hostname(), u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(host), port)
}
