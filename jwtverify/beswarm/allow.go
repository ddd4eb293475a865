package beswarm

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// DefaultDomains returns BeSwarm's own domains, beswarm.net and beswarm.com
// (and their subdomains): the hosts a Client talks to when
// ClientConfig.Domains is empty.
func DefaultDomains() []string { return []string{"beswarm.net", "beswarm.com"} }

// maxURL bounds a service URL or host read from the network or the browser.
const maxURL = 2048

// allowlist decides which hosts may receive the client secret and tokens.
type allowlist struct {
	domains   []string // lower case, without a leading dot
	ports     []string
	allowHTTP bool
}

func newAllowlist(domains, ports []string, allowHTTP bool) (allowlist, error) {
	if len(domains) == 0 {
		domains = DefaultDomains()
	}
	a := allowlist{ports: slices.Clone(ports), allowHTTP: allowHTTP}
	for _, d := range domains {
		d = strings.ToLower(strings.TrimPrefix(d, "."))
		if d == "" || !validHost(d) {
			return a, fmt.Errorf("domain %s is not a host name", quote(d))
		}
		a.domains = append(a.domains, d)
	}
	return a, nil
}

// check parses raw and returns it as a base URL (no trailing slash) when it is
// an https (or, when allowed, http) URL of an allowed domain, without
// userinfo, query or fragment, and on the scheme's port or an allowed one.
func (a allowlist) check(raw string) (string, error) {
	if len(raw) > maxURL {
		return "", fmt.Errorf("%w: URL of %d bytes", ErrServiceURL, len(raw))
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return "", fmt.Errorf("%w: %s is not an absolute URL", ErrServiceURL, quote(raw))
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && a.allowHTTP:
	default:
		return "", fmt.Errorf("%w: %s is not https", ErrServiceURL, quote(raw))
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(raw, "\\#?@") {
		return "", fmt.Errorf("%w: %s carries userinfo, a query or a fragment", ErrServiceURL, quote(raw))
	}
	host := strings.ToLower(u.Hostname())
	if !validHost(host) || !a.domainAllowed(host) {
		return "", fmt.Errorf("%w: host %s is outside the allowed domains", ErrServiceURL, quote(host))
	}
	if p := u.Port(); p != "" && !slices.Contains(a.ports, p) {
		return "", fmt.Errorf("%w: port %s is not allowed", ErrServiceURL, quote(p))
	}
	base := u.Scheme + "://" + strings.ToLower(u.Host) + strings.TrimRight(u.EscapedPath(), "/")
	return base, nil
}

// domainAllowed reports whether host is one of the domains or a subdomain of
// one (a dot-suffix match: "beswarm.com.evil.example" is not "beswarm.com").
func (a allowlist) domainAllowed(host string) bool {
	for _, d := range a.domains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// validHost accepts LDH host names and IPv4 literals: letters, digits, '-' and
// '.', no empty label, no trailing dot.
func validHost(h string) bool {
	if h == "" || len(h) > 253 || h[0] == '.' || h[len(h)-1] == '.' || strings.Contains(h, "..") {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
