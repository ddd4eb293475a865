// Package browser holds the two rules every Sesame HTTP surface shares about
// what browsers send and keep, so that each is written once:
//
//   - the request rule of every handler that changes state (Guard): POST only,
//     from the handler's own origin or a trusted one (Go's
//     http.CrossOriginProtection: Sec-Fetch-Site, else Origin against Host),
//     with the media type the handler documents (so text/plain, the one
//     cross-site forms can send without a preflight besides the form types, is
//     never read as JSON);
//   - the cookie-prefix rule of every cookie Sesame sets (CheckCookie): a name
//     that browsers would refuse with the other attributes is refused at
//     configuration time rather than silently dropped by every browser.
//
// The public packages wrap these errors in their own sentinels (session,
// passkey through session, oidc).
package browser

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Media types a Guard may require.
const (
	// JSON is the media type of the passkey ceremonies.
	JSON = "application/json"
	// Form is what an HTML form sends by default.
	Form = "application/x-www-form-urlencoded"
	// Multipart is what an HTML form with enctype="multipart/form-data" sends.
	Multipart = "multipart/form-data"
)

// FormTypes are the media types of an HTML form POST.
func FormTypes() []string { return []string{Form, Multipart} }

// Errors returned by Guard.Check, NewGuard and CheckCookie.
var (
	// ErrMethod is returned for a request that is not a POST: a handler that
	// changes state never does so on GET (405).
	ErrMethod = errors.New("method not allowed: POST only")
	// ErrCrossOrigin is returned for a request from another origin than the
	// handler's own and the trusted ones, same-site siblings included (403).
	ErrCrossOrigin = errors.New("cross-origin request")
	// ErrContentType is returned for a request body of another media type than
	// the handler documents, or none (415).
	ErrContentType = errors.New("unsupported content type")
	// ErrOrigin is returned by NewGuard for a trusted origin that is not
	// scheme://host[:port] as a browser's Origin header spells it.
	ErrOrigin = errors.New("malformed trusted origin")
	// ErrCookie is returned by CheckCookie for a cookie browsers would drop.
	ErrCookie = errors.New("browsers would drop this cookie")
)

// Guard applies the request rule. Its zero value is not usable; call
// NewGuard. It is safe for concurrent use.
type Guard struct {
	cop *http.CrossOriginProtection
}

// NewGuard returns a Guard that also lets through requests whose Origin is
// one of trusted. Each must be an http or https origin exactly as browsers
// send it: lower case, no default port, no path, not even "/".
func NewGuard(trusted []string) (*Guard, error) {
	cop := http.NewCrossOriginProtection()
	for _, o := range trusted {
		if err := checkOrigin(o); err != nil {
			return nil, err
		}
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrOrigin, err)
		}
	}
	return &Guard{cop: cop}, nil
}

// checkOrigin accepts an origin a browser could send: http or https, a
// lower-case host, a port only when not the scheme's default.
func checkOrigin(o string) error {
	u, err := url.Parse(o)
	switch {
	case err != nil:
		return fmt.Errorf("%w: %q: %w", ErrOrigin, clip(o), err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%w: %q is not an http or https origin", ErrOrigin, clip(o))
	case u.Host == "" || u.User != nil || u.Opaque != "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || strings.HasSuffix(o, "#"):
		return fmt.Errorf("%w: %q is not scheme://host[:port]", ErrOrigin, clip(o))
	case u.Host != strings.ToLower(u.Host):
		return fmt.Errorf("%w: %q: browsers send the host in lower case", ErrOrigin, clip(o))
	case u.Port() == "" && strings.HasSuffix(u.Host, ":"),
		u.Scheme == "https" && u.Port() == "443", u.Scheme == "http" && u.Port() == "80":
		return fmt.Errorf("%w: %q: browsers send no default or empty port", ErrOrigin, clip(o))
	}
	return nil
}

// Check returns nil for a request the rule lets through: a POST, not
// cross-origin (http.CrossOriginProtection with the trusted origins), whose
// single Content-Type names one of types (parameters such as charset aside).
// Otherwise it returns an error wrapping ErrMethod, ErrCrossOrigin or
// ErrContentType, checked in that order. A request without Sec-Fetch-Site nor
// Origin (not a browser, or an old one) passes the origin check; the media type
// check still holds it to what a cross-site page cannot send without a CORS
// preflight (JSON) or to a form.
func (g *Guard) Check(r *http.Request, types ...string) error {
	if r.Method != http.MethodPost {
		return fmt.Errorf("%w: %s", ErrMethod, clip(r.Method))
	}
	if err := g.cop.Check(r); err != nil {
		return fmt.Errorf("%w: Sec-Fetch-Site %q, Origin %q, Host %q: %w", ErrCrossOrigin,
			clip(r.Header.Get("Sec-Fetch-Site")), clip(r.Header.Get("Origin")), clip(r.Host), err)
	}
	ct := r.Header.Values("Content-Type")
	if len(ct) != 1 {
		return fmt.Errorf("%w: %d Content-Type headers, want one of %s", ErrContentType, len(ct), strings.Join(types, ", "))
	}
	mt, _, err := mime.ParseMediaType(ct[0])
	if err != nil || !slices.Contains(types, mt) {
		return fmt.Errorf("%w: %q, want one of %s", ErrContentType, clip(ct[0]), strings.Join(types, ", "))
	}
	return nil
}

// Status is the HTTP status of a Check error: 405, 403 or 415; 0 for another
// error.
func Status(err error) int {
	switch {
	case errors.Is(err, ErrMethod):
		return http.StatusMethodNotAllowed
	case errors.Is(err, ErrCrossOrigin):
		return http.StatusForbidden
	case errors.Is(err, ErrContentType):
		return http.StatusUnsupportedMediaType
	}
	return 0
}

// CheckCookie refuses a cookie name whose prefix browsers enforce (RFC 6265bis
// §4.1.3, matched regardless of case) when the other attributes would make
// them drop the cookie: "__Secure-" (and the draft "__Http-") needs Secure;
// "__Host-" (and "__Host-Http-") needs Secure, Path=/ and no Domain. Sesame's
// cookies are always HttpOnly, which the "Http" variants also need.
func CheckCookie(name, domain, path string, secure bool) error {
	lower := strings.ToLower(name)
	host := strings.HasPrefix(lower, "__host-")
	if !host && !strings.HasPrefix(lower, "__secure-") && !strings.HasPrefix(lower, "__http-") {
		return nil
	}
	prefix := name[:strings.IndexByte(name[2:], '-')+3]
	switch {
	case !secure:
		return fmt.Errorf("%w: a %s cookie needs Secure (InsecureCookie is set)", ErrCookie, prefix)
	case host && domain != "":
		return fmt.Errorf("%w: a %s cookie cannot have a Domain (%q)", ErrCookie, prefix, clip(domain))
	case host && path != "/":
		return fmt.Errorf("%w: a %s cookie needs Path=/ (not %q)", ErrCookie, prefix, clip(path))
	}
	return nil
}

// clip shortens an untrusted string before it goes into an error.
func clip(s string) string {
	if len(s) <= 64 {
		return s
	}
	return s[:64] + "…"
}
