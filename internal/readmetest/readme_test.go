package readmetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// imports are the packages every declaration and statement block may use, each
// with one of its names so that a package no block uses still compiles.
var imports = [][2]string{
	{"context", "context.Background"},
	{"crypto/x509", "x509.NewCertPool"},
	{"errors", "errors.New"},
	{"fmt", "fmt.Sprint"},
	{"log", "log.Fatal"},
	{"log/slog", "slog.Default"},
	{"net/http", "http.StatusOK"},
	{"net/http/httptest", "httptest.NewRecorder"},
	{"net/url", "url.Parse"},
	{"os", "os.Stdout"},
	{"slices", "slices.Contains[[]string]"},
	{"testing", "testing.Short"},
	{"time", "time.Second"},

	{"github.com/redis/go-redis/v9", "redis.NewClient"},

	{"github.com/sesame-go/sesame/certcache", "certcache.NewRedisCache"},
	{"github.com/sesame-go/sesame/hosting", "hosting.NewCache"},
	{"github.com/sesame-go/sesame/jwtverify", "jwtverify.New"},
	{"github.com/sesame-go/sesame/jwtverify/beswarm", "beswarm.NewVerifier"},
	{"github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest", "beswarmtest.New"},
	{"github.com/sesame-go/sesame/jwtverify/googlecse", "googlecse.New"},
	{"github.com/sesame-go/sesame/jwtverify/googlecse/googlecsetest", "googlecsetest.New"},
	{"github.com/sesame-go/sesame/jwtverify/introspecttest", "introspecttest.New"},
	{"github.com/sesame-go/sesame/jwtverify/jwttest", "jwttest.New"},
	{"github.com/sesame-go/sesame/oidc", "oidc.New"},
	{"github.com/sesame-go/sesame/oidc/oidctest", "oidctest.New"},
	{"github.com/sesame-go/sesame/session", "session.NewManager"},
	{"github.com/sesame-go/sesame/session/passkey", "passkey.New"},
}

// given are the app's own values the blocks use without declaring them.
const given = `
var (
	ctx    context.Context
	mux    *http.ServeMux
	logger *slog.Logger
	app    http.Handler     // the app's own pages
	orders http.HandlerFunc // a handler behind jwtverify.Middleware

	raw              string                         // a token a request carried
	verifiers        map[string]*jwtverify.Verifier // the app's Verifiers by issuer
	errUnknownIssuer error

	rdb, db0, db3 *redis.Client // Redis DB 2 (sessions), DB 0 (certificates), DB 3 (hosting tokens)

	clientID, clientSecret string // the app's ProConnect or BeSwarm credentials
	flowKey                []byte // 32 random bytes from the app's secrets

	callbackQuery url.Values                           // a BeSwarm callback's query
	saveTokens    func(set *beswarm.TokenSet, err error) // stores refreshed BeSwarm tokens

	tenantID string                                          // a Google CSE tenant
	req      struct{ Authentication, Authorization string } // a KACLS request's body

	millegrilleRootPEM []byte
	fingerprint        string // a peer's certificate fingerprint
	instanceID         string
	fetchTokens        func(ctx context.Context, instanceID string) (*hosting.Tokens, error)
)
`

// block is one fenced Go block of a Markdown file.
type block struct {
	line int    // line of the block's first code line, 1-based
	code string // the block's text, without its fences
}

var fence = regexp.MustCompile("^(`{3,}|~{3,})\\s*([A-Za-z0-9_+-]*)")

// extract returns the Go blocks (```go or ```golang) of a Markdown file; an
// unclosed fence is an error.
func extract(md []byte) ([]block, error) {
	var (
		blocks []block
		open   string // the opening fence, empty outside a block
		isGo   bool
		cur    block
		code   strings.Builder
	)
	sc := bufio.NewScanner(bytes.NewReader(md))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		text := sc.Text()
		trimmed := strings.TrimSpace(text)
		if open == "" {
			if m := fence.FindStringSubmatch(trimmed); m != nil {
				open = m[1]
				lang := strings.ToLower(m[2])
				isGo = lang == "go" || lang == "golang"
				cur = block{line: n + 1}
				code.Reset()
				if isGo && strings.HasPrefix(text, " ") {
					return nil, fmt.Errorf("line %d: an indented Go block (inside a list?) is not compiled; unindent it", n)
				}
			}
			continue
		}
		if strings.HasPrefix(trimmed, open) && strings.Trim(trimmed, open[:1]) == "" {
			if isGo {
				cur.code = code.String()
				blocks = append(blocks, cur)
			}
			open = ""
			continue
		}
		code.WriteString(text)
		code.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if open != "" {
		return nil, fmt.Errorf("line %d: fence %s not closed", cur.line-1, open)
	}
	return blocks, nil
}

type kind int

const (
	statements kind = iota
	declarations
	file
)

// kindOf classifies a block by its first line that is not blank or a comment.
func kindOf(code string) kind {
	for line := range strings.Lines(code) {
		l := strings.TrimSpace(line)
		switch {
		case l == "" || strings.HasPrefix(l, "//"):
			continue
		case strings.HasPrefix(l, "package "):
			return file
		case strings.HasPrefix(l, "func ") || strings.HasPrefix(l, "type ") ||
			strings.HasPrefix(l, "var ") || strings.HasPrefix(l, "const "):
			return declarations
		}
		return statements
	}
	return statements
}

// generate turns the blocks of the Markdown file at mdPath into Go files, by
// path relative to dir (a directory that does not exist, inside the module):
// dir/blocks/blocks.go for declarations and statements, dir/fileN/block.go for
// whole files. //line directives make the compiler report README lines.
func generate(blocks []block, mdPath string) map[string]string {
	files := map[string]string{}
	var b strings.Builder
	b.WriteString("// Code generated from README.md by internal/readmetest. DO NOT EDIT.\n\npackage blocks\n\nimport (\n")
	for _, imp := range imports {
		fmt.Fprintf(&b, "\t%q\n", imp[0])
	}
	b.WriteString(")\n\nvar (\n")
	for _, imp := range imports {
		fmt.Fprintf(&b, "\t_ = %s\n", imp[1])
	}
	b.WriteString(")\n")
	b.WriteString(given)
	for i, bl := range blocks {
		switch kindOf(bl.code) {
		case file:
			files[fmt.Sprintf("file%d/block.go", i)] = fmt.Sprintf("//line %s:%d\n%s", mdPath, bl.line, bl.code)
		case declarations:
			fmt.Fprintf(&b, "\n//line %s:%d\n%s", mdPath, bl.line, bl.code)
		default:
			fmt.Fprintf(&b, "\nfunc block%d() error {\n//line %s:%d\n%s\treturn nil\n}\n", i, mdPath, bl.line, bl.code)
		}
	}
	files["blocks/blocks.go"] = b.String()
	return files
}

// race is true when this test was built with -race (race_test.go); the blocks
// are then built with -race too, so that they reuse this test's build cache.
var race bool

// moduleRoot is the root of the module holding this test.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	return dir
}

// build compiles the generated files with one go build, through an overlay
// that places them under root/internal/readmetest/zz_readme (which must not
// exist), and returns the compiler's output on failure.
func build(t *testing.T, root string, files map[string]string) (string, error) {
	t.Helper()
	base := filepath.Join(root, "internal", "readmetest", "zz_readme")
	if _, err := os.Stat(base); err == nil {
		t.Fatalf("%s exists; the overlay needs it absent", base)
	}
	tmp := t.TempDir()
	overlay := map[string]map[string]string{"Replace": {}}
	var pkgs []string
	for rel, src := range files {
		real := filepath.Join(tmp, strings.ReplaceAll(rel, "/", "_"))
		if err := os.WriteFile(real, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		overlay["Replace"][filepath.Join(base, filepath.FromSlash(rel))] = real
		pkgs = append(pkgs, "./"+filepath.ToSlash(filepath.Join("internal", "readmetest", "zz_readme", filepath.Dir(rel))))
	}
	ov, err := json.Marshal(overlay)
	if err != nil {
		t.Fatal(err)
	}
	ovPath := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ovPath, ov, 0o600); err != nil {
		t.Fatal(err)
	}
	// A bound on a stuck build, not a performance threshold: with a warm
	// cache (see deps_test.go) the build takes a few seconds.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	args := []string{"build", "-overlay", ovPath}
	if race {
		args = append(args, "-race")
	}
	args = append(args, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	// Offline: the module's dependencies are already in the module cache (this
	// test was built from them); never ask a proxy.
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=readonly", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestReadmeBlocksCompile compiles every Go block of README.md.
func TestReadmeBlocksCompile(t *testing.T) {
	root := moduleRoot(t)
	readme := filepath.Join(root, "README.md")
	md, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := extract(md)
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	// The quick starts alone are more than this; fewer means the extraction
	// broke (or the README lost its examples).
	if len(blocks) < 8 {
		t.Fatalf("README.md has %d Go blocks, want at least 8", len(blocks))
	}
	if out, err := build(t, root, generate(blocks, readme)); err != nil {
		t.Fatalf("README.md's Go blocks do not compile (%v):\n%s", err, out)
	}
	t.Logf("%d Go blocks compiled", len(blocks))
}

// TestBrokenBlockFails checks that the build does fail, at the README's line,
// when a block does not compile: an unknown field in statements, a type
// error in declarations and in a whole file.
func TestBrokenBlockFails(t *testing.T) {
	root := moduleRoot(t)
	md := "# x\n\n```go\nv, err := jwtverify.New(nil, jwtverify.Config{Isuer: \"x\"})\n_, _ = v, err\n```\n\n" +
		"```go\nfunc f() int { return \"s\" }\n```\n\n" +
		"```go\npackage p\n\nfunc g() { return 1 }\n```\n\n" +
		"```go\njwks, err := jwtverify.NewRemoteJWKS(\"https://idp.example/jwks\", jwtverify.RemoteKeysConfig{})\n_, _ = jwks, err\n```\n"
	blocks, err := extract([]byte(md))
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 4 {
		t.Fatalf("%d blocks, want 4", len(blocks))
	}
	out, err := build(t, root, generate(blocks, "/virtual/README.md"))
	if err == nil {
		t.Fatalf("broken blocks compiled:\n%s", out)
	}
	for _, want := range []string{"README.md:4:", "README.md:9:", "README.md:15:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not name %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "README.md:18:") || strings.Contains(out, "README.md:19:") {
		t.Errorf("the good block was reported:\n%s", out)
	}
}

func TestExtract(t *testing.T) {
	md := "text\n```sh\nmake test\n```\n```go\na := 1\n_ = a\n```\n````golang\nfunc f() {}\n````\n~~~go\npackage p\n~~~\n"
	blocks, err := extract([]byte(md))
	if err != nil {
		t.Fatal(err)
	}
	want := []block{{6, "a := 1\n_ = a\n"}, {10, "func f() {}\n"}, {13, "package p\n"}}
	if fmt.Sprint(blocks) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", blocks, want)
	}
	if k := []kind{kindOf(blocks[0].code), kindOf(blocks[1].code), kindOf(blocks[2].code)}; fmt.Sprint(k) != fmt.Sprint([]kind{statements, declarations, file}) {
		t.Errorf("kinds %v", k)
	}
	if _, err := extract([]byte("```go\nx := 1\n")); err == nil {
		t.Error("an unclosed fence was accepted")
	}
	if _, err := extract([]byte("- item\n\n  ```go\n  x := 1\n  ```\n")); err == nil {
		t.Error("an indented Go block was accepted")
	}
}
