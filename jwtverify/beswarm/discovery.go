package beswarm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// The discovery paths, below a host.
const (
	PathDiscovery = "/api/core/v1/discovery"
)

// maxRole bounds a role name.
const maxRole = 256

// Discovery finds which hosts serve a role (a web API such as
// "api/foodoffer"). For a role it asks <host>/api/core/v1/discovery/<role> on
// the first known host that answers, and caches the hosts per role. When every
// known host fails it asks <host>/api/core/v1/discovery for a fresh host list
// (on the service URL, then on the known hosts) and tries again once. Every
// host it talks to, or returns, must pass the Client's domain allowlist. It is
// safe for concurrent use.
//
// The answers it assumes are BeSwarm's StringListResultAction (its generated
// client's shape): {"datas":["https://host",…],"status":200,"error":…}. An
// empty list is ErrNoHost; a host that is not https (unless
// InsecureAllowHTTP) or outside the domains is ErrServiceURL.
type Discovery struct {
	c  *Client
	ts *TokenSource

	mu       sync.Mutex
	hosts    []string            // known entry points
	roles    map[string][]string // role -> hosts
	inflight map[string]*discoverCall
}

type discoverCall struct {
	done  chan struct{}
	hosts []string
	err   error
}

// Discovery returns a Discovery whose first known hosts are those of ts's user
// token; its requests carry ts's user token.
func (c *Client) Discovery(ts *TokenSource) *Discovery {
	return &Discovery{c: c, ts: ts, roles: map[string][]string{}, inflight: map[string]*discoverCall{}}
}

// Hosts returns the hosts that serve role, from the cache or by asking.
// Concurrent askers of one role share one discovery.
func (d *Discovery) Hosts(ctx context.Context, role string) ([]string, error) {
	if err := checkRole(role); err != nil {
		return nil, err
	}
	d.mu.Lock()
	if hs, ok := d.roles[role]; ok {
		d.mu.Unlock()
		return slices.Clone(hs), nil
	}
	cl := d.inflight[role]
	if cl == nil {
		cl = &discoverCall{done: make(chan struct{})}
		d.inflight[role] = cl
		go d.discover(context.WithoutCancel(ctx), role, cl)
	}
	d.mu.Unlock()
	select {
	case <-cl.done:
		return slices.Clone(cl.hosts), cl.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: discovery of %s: %w", ErrUnavailable, quote(role), ctx.Err())
	}
}

// Forget drops the cached hosts of role (say, after they all failed); the next
// Hosts asks again.
func (d *Discovery) Forget(role string) {
	d.mu.Lock()
	delete(d.roles, role)
	d.mu.Unlock()
}

func (d *Discovery) discover(ctx context.Context, role string, cl *discoverCall) {
	ctx, cancel := context.WithTimeout(ctx, d.c.cfg.Timeout)
	defer cancel()
	hosts, err := d.ask(ctx, role)
	d.mu.Lock()
	if err == nil {
		d.roles[role] = hosts
	}
	delete(d.inflight, role)
	d.mu.Unlock()
	cl.hosts, cl.err = hosts, err
	close(cl.done)
}

// ask runs one discovery of role: the known hosts in turn, then a fresh host
// list and the new hosts in turn.
func (d *Discovery) ask(ctx context.Context, role string) ([]string, error) {
	set, err := d.ts.Token(ctx)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	known := d.hosts
	d.mu.Unlock()
	if known == nil {
		known = set.User.Hosts
	}
	path := PathDiscovery + "/" + escapeRole(role)
	hosts, err := d.first(ctx, known, path, set.User.Raw)
	if err == nil || !errors.Is(err, ErrUnavailable) {
		return hosts, err
	}
	d.c.log.Warn("beswarm: every known host failed; asking for a fresh host list", "role", role, "err", err)
	fresh, ferr := d.first(ctx, append([]string{set.ServiceURL}, known...), PathDiscovery, set.User.Raw)
	if ferr != nil {
		return nil, fmt.Errorf("%w; host list: %w", err, ferr)
	}
	d.mu.Lock()
	d.hosts = fresh
	d.mu.Unlock()
	return d.first(ctx, fresh, path, set.User.Raw)
}

// first asks path on each host in turn and returns the first answer. Hosts
// outside the allowlist are skipped; a host that is down or refuses passes
// the turn; a malformed answer ends the search.
func (d *Discovery) first(ctx context.Context, hosts []string, path, bearer string) ([]string, error) {
	var errs []error
	for _, h := range hosts {
		base, err := d.c.allow.check(h)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		datas, err := d.c.call(ctx, http.MethodGet, base+path, bearer, nil)
		if err == nil {
			return d.decodeHosts(datas)
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("%w: no known host", ErrUnavailable)
	}
	return nil, fmt.Errorf("%w: %w", ErrUnavailable, errors.Join(errs...))
}

// decodeHosts reads a list of hosts: non-empty, each allowed.
func (d *Discovery) decodeHosts(datas []byte) ([]string, error) {
	var list []string
	if err := strict(datas, &list); err != nil {
		return nil, fmt.Errorf("%w: discovery answer is not a list of hosts: %w", ErrResponse, err)
	}
	if len(list) == 0 {
		return nil, ErrNoHost
	}
	if len(list) > maxHosts {
		return nil, fmt.Errorf("%w: %d hosts, limit %d", ErrResponse, len(list), maxHosts)
	}
	out := make([]string, 0, len(list))
	for _, h := range list {
		base, err := d.c.allow.check(h)
		if err != nil {
			return nil, err
		}
		out = append(out, base)
	}
	return out, nil
}

// checkRole accepts roles such as "api/foodoffer": path segments of letters,
// digits, '-', '_' and '.', without empty, "." or ".." segments.
func checkRole(role string) error {
	if role == "" || len(role) > maxRole {
		return fmt.Errorf("%w: role of %d bytes", ErrNoHost, len(role))
	}
	for _, seg := range strings.Split(role, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: role %s", ErrNoHost, quote(role))
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				return fmt.Errorf("%w: role %s", ErrNoHost, quote(role))
			}
		}
	}
	return nil
}

func escapeRole(role string) string {
	segs := strings.Split(role, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
