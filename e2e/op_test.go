package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// opDir holds panva's oidc-provider (package.json pins the version; `make deps`,
// scripts/deps.sh, runs npm ci there) and provider.mjs, which configures it as
// a general-purpose OpenID Provider.
const opDir = "oidcprovider"

// opConfig is provider.mjs's SESAME_OP_CONFIG.
type opConfig struct {
	Port              int              `json:"port"`
	Clients           []map[string]any `json:"clients"`
	RequirePAR        bool             `json:"requirePAR,omitempty"`
	AccessTokenFormat string           `json:"accessTokenFormat,omitempty"`
	Resource          string           `json:"resource,omitempty"`
}

// op is a running oidc-provider.
type op struct {
	Issuer string
	log    *lockedBuffer
}

// requireOP skips the test when Node.js or the installed provider is
// missing, or fails it when the run requires every part (SESAME_REQUIRE_REDIS,
// as make test sets).
func requireOP(t *testing.T) {
	t.Helper()
	_, errNode := exec.LookPath("node")
	_, errMod := os.Stat(filepath.Join(opDir, "node_modules", "oidc-provider", "package.json"))
	if errNode == nil && errMod == nil {
		return
	}
	msg := fmt.Sprintf("oidc-provider missing (node: %v, module: %v): run scripts/deps.sh", errNode, errMod)
	if os.Getenv("SESAME_REQUIRE_REDIS") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// startOP runs provider.mjs on a free port with cfg and returns once it
// serves; the process ends at the test's cleanup, and its log is printed
// when the test failed.
func startOP(t *testing.T, cfg opConfig) *op {
	t.Helper()
	requireOP(t)
	cfg.Port = aiohttpFreePort(t)
	doc, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "provider.mjs")
	cmd.Dir = opDir
	cmd.Env = append(os.Environ(), "SESAME_OP_CONFIG="+string(doc), "NODE_NO_WARNINGS=1")
	logs := &lockedBuffer{}
	cmd.Stderr = logs
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("oidc-provider log:\n%s", logs.String())
		}
	})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if issuer, ok := strings.CutPrefix(line, "ready "); ok {
				ready <- issuer
			}
			_, _ = logs.Write([]byte(line + "\n"))
		}
	}()
	select {
	case issuer := <-ready:
		return &op{Issuer: issuer, log: logs}
	case <-time.After(30 * time.Second):
		t.Fatalf("oidc-provider did not start:\n%s", logs.String())
		return nil
	}
}

// waitLog waits until the provider logged a line containing s.
func (p *op) waitLog(t *testing.T, s string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(p.log.String(), s) {
			return
		}
	}
	t.Fatalf("oidc-provider never logged %q:\n%s", s, p.log.String())
}

// opUser is a user agent without JavaScript: a cookie jar shared by every
// host (cookies ignore ports, so two app instances on 127.0.0.1 share the
// session cookie as instances behind one load balancer do), following
// redirects, filling the provider's forms.
type opUser struct {
	t    *testing.T
	c    *http.Client
	mu   sync.Mutex
	last string // the URL of the last page
}

func newOPUser(t *testing.T) *opUser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	u := &opUser{t: t}
	u.c = &http.Client{Jar: jar, Timeout: 20 * time.Second}
	return u
}

// do sends a request and returns the final response's status and body,
// after redirects.
func (u *opUser) do(method, target string, form url.Values, header http.Header) (int, string) {
	u.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.Background(), method, target, body)
	if err != nil {
		u.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := u.c.Do(req)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		u.t.Fatal(err)
	}
	u.mu.Lock()
	u.last = resp.Request.URL.String()
	u.mu.Unlock()
	return resp.StatusCode, string(b)
}

// Patterns of the provider's pages (devInteractions' login form, provider.mjs's
// logout confirmation): one form, hidden inputs.
var (
	opFormAction = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
	opHidden     = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)"`)
)

// submit posts the page's form with its hidden inputs and the given fields.
func (u *opUser) submit(page string, fields url.Values) (int, string) {
	u.t.Helper()
	m := opFormAction.FindStringSubmatch(page)
	if m == nil {
		u.t.Fatalf("no form at %s:\n%s", u.last, page)
	}
	base, err := url.Parse(u.last)
	if err != nil {
		u.t.Fatal(err)
	}
	action, err := base.Parse(htmlUnescape(m[1]))
	if err != nil {
		u.t.Fatal(err)
	}
	form := url.Values{}
	for _, h := range opHidden.FindAllStringSubmatch(page, -1) {
		form.Set(h[1], htmlUnescape(h[2]))
	}
	for k, v := range fields {
		form[k] = v
	}
	return u.do(http.MethodPost, action.String(), form, nil)
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#x2F;", "/", "&#39;", "'", "&quot;", `"`).Replace(s)
}

// login starts a login at the app's start URL and signs in at the provider's
// login page as name, returning the app's page the login ends on.
func (u *opUser) login(start, name string) (int, string) {
	u.t.Helper()
	status, page := u.do(http.MethodGet, start, nil, nil)
	if status != http.StatusOK || !strings.Contains(page, `name="login"`) {
		u.t.Fatalf("no login page at %s (%d):\n%s", u.last, status, page)
	}
	return u.submit(page, url.Values{"login": {name}, "password": {"any"}})
}

// location GETs target without following redirects and returns where it
// redirects to.
func (u *opUser) location(target string) *url.URL {
	u.t.Helper()
	c := *u.c
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(target)
	if err != nil {
		u.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		u.t.Fatalf("GET %s: %s, no redirect: %v", target, resp.Status, err)
	}
	return loc
}
