package jwtverify

import (
	"fmt"
	"net/url"
	"strings"
)

// maxHTU bounds the htu claim and a configured Origin.
const maxHTU = 4 << 10

// normalizeHTU returns the form of an http(s) URL that the htu comparison
// uses (RFC 9449 §4.3 step 9; RFC 3986 §6.2.2 and §6.2.3): query and fragment
// dropped, scheme and host in lower case, the scheme's default port dropped,
// percent-encodings in upper case with unreserved characters decoded, dot
// segments removed, an empty path as "/". A relative URL, another scheme, or
// userinfo is an error.
func normalizeHTU(s string) (string, error) {
	if len(s) > maxHTU {
		return "", fmt.Errorf("URL of %d bytes", len(s))
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("not a URL")
	}
	if u.Opaque != "" || u.User != nil || u.Host == "" {
		return "", fmt.Errorf("not an absolute http(s) URL without userinfo")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("scheme %s", quote(u.Scheme))
	}
	return joinURL(scheme, u.Host, u.EscapedPath()), nil
}

// joinURL builds the normalized URL of a lower-case scheme, a host (with or
// without port) and an escaped path.
func joinURL(scheme, host, path string) string {
	return scheme + "://" + normHost(scheme, host) + normPath(path)
}

// normHost lower-cases host and drops the scheme's default port (and an
// empty one).
func normHost(scheme, host string) string {
	host = strings.ToLower(host)
	i := strings.LastIndexByte(host, ':')
	if i < 0 || i < strings.LastIndexByte(host, ']') {
		return host
	}
	switch port := host[i+1:]; {
	case port == "", scheme == "https" && port == "443", scheme == "http" && port == "80":
		return host[:i]
	}
	return host
}

// normPath normalizes an escaped path: percent-encodings (RFC 3986 §6.2.2.2),
// then dot segments (§6.2.2.3, the algorithm of §5.2.4); "" becomes "/".
func normPath(p string) string {
	if p == "" {
		return "/"
	}
	if !strings.Contains(p, "%") && !strings.Contains(p, "/.") && p[0] != '.' {
		return p // the usual path: nothing to do, nothing allocated
	}
	return removeDots(normPercent(p))
}

// normPercent upper-cases the hex digits of percent-encodings and decodes
// those of unreserved characters. A stray '%' is kept as it is.
func normPercent(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '%' || i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
			b.WriteByte(c)
			continue
		}
		d := unhex(p[i+1])<<4 | unhex(p[i+2])
		if isUnreserved(d) {
			b.WriteByte(d)
		} else {
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(p[i+1 : i+3]))
		}
		i += 2
	}
	return b.String()
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// isUnreserved reports ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 §2.3).
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// removeDots is remove_dot_segments of RFC 3986 §5.2.4.
func removeDots(in string) string {
	out := make([]byte, 0, len(in))
	for in != "" {
		switch {
		case strings.HasPrefix(in, "../"):
			in = in[3:]
		case strings.HasPrefix(in, "./"):
			in = in[2:]
		case strings.HasPrefix(in, "/./"):
			in = in[2:]
		case in == "/.":
			in = "/"
		case strings.HasPrefix(in, "/../"):
			in = in[3:]
			out = dropLastSegment(out)
		case in == "/..":
			in = "/"
			out = dropLastSegment(out)
		case in == "." || in == "..":
			in = ""
		default:
			end := strings.IndexByte(in[1:], '/') + 1
			if end == 0 {
				end = len(in)
			}
			out = append(out, in[:end]...)
			in = in[end:]
		}
	}
	if len(out) == 0 {
		return "/"
	}
	return string(out)
}

// dropLastSegment removes the last segment of out and its preceding "/".
func dropLastSegment(out []byte) []byte {
	if i := strings.LastIndexByte(string(out), '/'); i >= 0 {
		return out[:i]
	}
	return out[:0]
}
