package jwtverify_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

const (
	apiURL  = "http://api.test/orders"
	algsAtt = `algs="ES256 PS256 EdDSA"`
)

// dpopKeys are made once per test binary: RSA key generation is slow.
var dpopKeys = sync.OnceValues(func() (map[string]*jwttest.DPoPKey, error) {
	keys := map[string]*jwttest.DPoPKey{}
	for _, name := range []string{"ES256", "ES256-other", "ES384", "EdDSA", "PS256", "RS256"} {
		k, err := jwttest.NewDPoPKey(strings.TrimSuffix(name, "-other"))
		if err != nil {
			return nil, err
		}
		keys[name] = k
	}
	return keys, nil
})

func dpopKey(t testing.TB, name string) *jwttest.DPoPKey {
	t.Helper()
	keys, err := dpopKeys()
	if err != nil {
		t.Fatal(err)
	}
	return keys[name]
}

// dpopFixture is an RFC 9068 verifier, a DPoP checker on the fixture's
// clock, and a client key.
type dpopFixture struct {
	*fixture
	key  *jwttest.DPoPKey
	dpop *jwtverify.DPoP
	// reasons collects Reason of every refusal, in order.
	mu      sync.Mutex
	reasons []string
}

func newDPoPFixture(t testing.TB, cfg jwtverify.DPoPConfig) *dpopFixture {
	t.Helper()
	f := &dpopFixture{fixture: newFixture(t, jwtverify.Config{AccessToken: true, Algorithms: []string{"RS256", "ES256"}}), key: dpopKey(t, "ES256")}
	if cfg.Now == nil {
		cfg.Now = f.clock.Now
	}
	var err error
	if f.dpop, err = jwtverify.NewDPoP(cfg); err != nil {
		t.Fatal(err)
	}
	return f
}

// handler is Middleware with f's DPoP (or the given one) around whoami,
// which also echoes the proof key's thumbprint.
func (f *dpopFixture) handler(cfg jwtverify.MiddlewareConfig) http.Handler {
	cfg.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		f.mu.Lock()
		f.reasons = append(f.reasons, jwtverify.Reason(err))
		f.mu.Unlock()
		jwtverify.WriteError(w, r, err)
	}
	return jwtverify.Middleware(f.v, cfg)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := jwtverify.FromContext(r.Context())
		jkt, _ := jwtverify.DPoPThumbprint(r.Context())
		_, _ = io.WriteString(w, tok.Subject()+" "+jkt)
	}))
}

func (f *dpopFixture) lastReason() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reasons) == 0 {
		return ""
	}
	return f.reasons[len(f.reasons)-1]
}

// bound mints an access token bound to key (unbound when key is nil).
func (f *dpopFixture) bound(key *jwttest.DPoPKey) string {
	c := accessClaims()
	if key != nil {
		c["cnf"] = key.Confirmation()
	}
	return f.iss.MintAccessToken(c)
}

// proof makes a proof at the fixture's epoch.
func proof(t testing.TB, key *jwttest.DPoPKey, method, url, token string, opts ...jwttest.ProofOption) string {
	t.Helper()
	p, err := key.Proof(method, url, token, append([]jwttest.ProofOption{jwttest.WithProofTime(epoch)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// send serves one request: method on target with the given Authorization
// and DPoP header values (none when empty).
func send(h http.Handler, method, target, authz string, proofs ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	for _, p := range proofs {
		r.Header.Add("DPoP", p)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestDPoPProofs holds every check of RFC 9449 §4.3 and §7.1 as the
// middleware answers it: status, challenges and the sentinel Reason names.
func TestDPoPProofs(t *testing.T) {
	f := newDPoPFixture(t, jwtverify.DPoPConfig{})
	h := f.handler(jwtverify.MiddlewareConfig{DPoP: f.dpop})
	key, other := f.key, dpopKey(t, "ES256-other")
	tok := f.bound(key)
	authz := "DPoP " + tok
	good := func(opts ...jwttest.ProofOption) string { return proof(t, key, "GET", apiURL, tok, opts...) }
	// A public EC jwk with a private member of another key type, which jwx
	// keeps as an extra field of a public key.
	jwkWith := func(name string) map[string]any {
		b, _ := json.Marshal(key.PublicJWK())
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		m[name] = "AQAB"
		return m
	}
	const (
		invProof = `DPoP realm="api", error="invalid_dpop_proof", ` + algsAtt
		invTok   = `DPoP realm="api", error="invalid_token", ` + algsAtt
		bearer   = `Bearer realm="api"`
	)
	cases := []struct {
		name   string
		method string
		target string
		authz  string
		proofs []string
		status int
		reason error // nil: 200
		dpopCh string
		pkey   *jwttest.DPoPKey // with no proofs (but "no proof"): a proof by pkey (default key) for the token
	}{
		{"valid", "GET", apiURL, authz, []string{good()}, 200, nil, "", nil},
		{"query and fragment ignored", "GET", apiURL + "?page=2", authz, []string{proof(t, key, "GET", apiURL+"?page=3#top", tok)}, 200, nil, "", nil},
		{"scheme and host case, default port", "GET", apiURL, authz, []string{proof(t, key, "GET", "HTTP://API.Test:80/orders", tok)}, 200, nil, "", nil},
		{"percent-encoded unreserved, dot segments", "GET", apiURL, authz, []string{proof(t, key, "GET", "http://api.test/a/../%6Frders", tok)}, 200, nil, "", nil},
		{"typ application/dpop+jwt", "GET", apiURL, authz, []string{good(jwttest.WithProofHeader("typ", "application/DPoP+JWT"))}, 200, nil, "", nil},
		{"iat 50 s old", "GET", apiURL, authz, []string{good(jwttest.WithProofTime(epoch.Add(-50 * time.Second)))}, 200, nil, "", nil},
		{"EdDSA", "GET", apiURL, "DPoP " + f.bound(dpopKey(t, "EdDSA")), nil, 200, nil, "", dpopKey(t, "EdDSA")},
		{"PS256", "GET", apiURL, "DPoP " + f.bound(dpopKey(t, "PS256")), nil, 200, nil, "", dpopKey(t, "PS256")},
		{"wrong htm", "POST", apiURL, authz, []string{good()}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"htm lower case", "GET", apiURL, authz, []string{proof(t, key, "get", apiURL, tok)}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"wrong path", "GET", apiURL, authz, []string{proof(t, key, "GET", "http://api.test/orders/1", tok)}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"wrong host", "GET", apiURL, authz, []string{proof(t, key, "GET", "http://evil.test/orders", tok)}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"https for http", "GET", apiURL, authz, []string{proof(t, key, "GET", "https://api.test/orders", tok)}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"other port", "GET", apiURL, authz, []string{proof(t, key, "GET", "http://api.test:8080/orders", tok)}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"relative htu", "GET", apiURL, authz, []string{proof(t, key, "GET", "/orders", tok)}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"htu with userinfo", "GET", apiURL, authz, []string{proof(t, key, "GET", "http://u@api.test/orders", tok)}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"stale iat", "GET", apiURL, authz, []string{good(jwttest.WithProofTime(epoch.Add(-61 * time.Second)))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"future iat", "GET", apiURL, authz, []string{good(jwttest.WithProofTime(epoch.Add(61 * time.Second)))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"iat a string", "GET", apiURL, authz, []string{good(jwttest.WithProofClaim("iat", "now"))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"wrong ath", "GET", apiURL, authz, []string{proof(t, key, "GET", apiURL, f.bound(key))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"no ath", "GET", apiURL, authz, []string{good(jwttest.WithoutProofClaim("ath"))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"signed by another key", "GET", apiURL, authz, []string{good(jwttest.WithProofSigner(other))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"private jwk", "GET", apiURL, authz, []string{good(jwttest.WithPrivateJWK())}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"EC jwk with an RSA private member", "GET", apiURL, authz, []string{good(jwttest.WithProofHeader("jwk", jwkWith("p")))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"EC jwk with an x5u member", "GET", apiURL, authz, []string{good(jwttest.WithProofHeader("jwk", jwkWith("x5u")))}, 200, nil, "", nil},
		{"HS256", "GET", apiURL, authz, []string{good(jwttest.WithProofHeader("alg", "HS256"))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"alg none", "GET", apiURL, authz, []string{good(jwttest.WithProofHeader("alg", "none"))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"alg not for the key", "GET", apiURL, authz, []string{good(jwttest.WithProofHeader("alg", "ES384"))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"RS256 not allowed", "GET", apiURL, "DPoP " + f.bound(dpopKey(t, "RS256")), nil, 401, jwtverify.ErrDPoPProof, invProof, dpopKey(t, "RS256")},
		{"no typ", "GET", apiURL, authz, []string{good(jwttest.WithoutProofHeader("typ"))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"typ JWT", "GET", apiURL, authz, []string{good(jwttest.WithProofHeader("typ", "JWT"))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"no jwk", "GET", apiURL, authz, []string{good(jwttest.WithoutProofHeader("jwk"))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"jwk a string", "GET", apiURL, authz, []string{good(jwttest.WithProofHeader("jwk", "key"))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"symmetric jwk", "GET", apiURL, authz, []string{good(jwttest.WithProofHeader("jwk", map[string]any{"kty": "oct", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"crit", "GET", apiURL, authz, []string{good(jwttest.WithProofHeader("crit", []string{"exp"}))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"no jti", "GET", apiURL, authz, []string{good(jwttest.WithoutProofClaim("jti"))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"huge jti", "GET", apiURL, authz, []string{good(jwttest.WithProofJTI(strings.Repeat("j", 257)))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"no htm", "GET", apiURL, authz, []string{good(jwttest.WithoutProofClaim("htm"))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"no htu", "GET", apiURL, authz, []string{good(jwttest.WithoutProofClaim("htu"))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"no iat", "GET", apiURL, authz, []string{good(jwttest.WithoutProofClaim("iat"))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"no proof", "GET", apiURL, authz, nil, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"two proofs", "GET", apiURL, authz, []string{good(), good()}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"proof too large", "GET", apiURL, authz, []string{good(jwttest.WithProofClaim("pad", strings.Repeat("p", 8<<10)))}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"proof not a JWS", "GET", apiURL, authz, []string{"not-a-jws"}, 401, jwtverify.ErrDPoPProof, invProof, nil},
		{"proof key is not the token's", "GET", apiURL, "DPoP " + f.bound(other), nil, 401, jwtverify.ErrDPoPBinding, invTok, nil},
		{"unbound token as DPoP", "GET", apiURL, "DPoP " + f.bound(nil), nil, 401, jwtverify.ErrDPoPBinding, invTok, nil},
		{"bad token", "GET", apiURL, "DPoP " + f.iss.Mint(accessClaims()), nil, 401, jwtverify.ErrType, invTok, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := cmp.Or(c.pkey, key)
			if c.proofs == nil && c.name != "no proof" {
				c.proofs = []string{proof(t, k, "GET", apiURL, strings.TrimPrefix(c.authz, "DPoP "))}
			}
			w := send(h, c.method, c.target, c.authz, c.proofs...)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d (%s; %s)", w.Code, c.status, f.lastReason(), w.Header().Values("WWW-Authenticate"))
			}
			if c.reason == nil {
				if want := "alice " + k.Thumbprint(); w.Body.String() != want {
					t.Fatalf("body %q, want %q", w.Body, want)
				}
				return
			}
			if got := f.lastReason(); got != jwtverify.Reason(c.reason) {
				t.Fatalf("reason %q, want %q", got, jwtverify.Reason(c.reason))
			}
			if got := w.Header().Values("WWW-Authenticate"); !slices.Equal(got, []string{bearer, c.dpopCh}) {
				t.Fatalf("challenges %q, want %q", got, []string{bearer, c.dpopCh})
			}
		})
	}
}

// TestDPoPReplay: a proof passes once; its jti is bound to the key, so
// another key's proof with the same jti passes too.
func TestDPoPReplay(t *testing.T) {
	f := newDPoPFixture(t, jwtverify.DPoPConfig{})
	h := f.handler(jwtverify.MiddlewareConfig{DPoP: f.dpop})
	tok := f.bound(f.key)
	p := proof(t, f.key, "GET", apiURL, tok, jwttest.WithProofJTI("one"))
	if w := send(h, "GET", apiURL, "DPoP "+tok, p); w.Code != 200 {
		t.Fatalf("first use: %d", w.Code)
	}
	w := send(h, "GET", apiURL, "DPoP "+tok, p)
	if w.Code != 401 || f.lastReason() != jwtverify.Reason(jwtverify.ErrDPoPReplay) {
		t.Fatalf("replay: %d %s", w.Code, f.lastReason())
	}
	if got := w.Header().Values("WWW-Authenticate")[1]; !strings.Contains(got, `error="invalid_dpop_proof"`) {
		t.Fatalf("replay challenge %q", got)
	}
	other := dpopKey(t, "ES256-other")
	tok2 := f.bound(other)
	if w := send(h, "GET", apiURL, "DPoP "+tok2, proof(t, other, "GET", apiURL, tok2, jwttest.WithProofJTI("one"))); w.Code != 200 {
		t.Fatalf("same jti, other key: %d %s", w.Code, f.lastReason())
	}
	// Once the window is past, the proof is refused by its iat, not the store.
	f.clock.Add(2 * time.Minute)
	if w := send(h, "GET", apiURL, "DPoP "+tok, p); w.Code != 401 {
		t.Fatalf("late replay: %d", w.Code)
	}
}

// TestDPoPNoDowngrade: a token with cnf never passes as Bearer or in a
// cookie, DPoP on or off; with DPoP required, Bearer is another scheme.
func TestDPoPNoDowngrade(t *testing.T) {
	f := newDPoPFixture(t, jwtverify.DPoPConfig{})
	boundTok := f.bound(f.key)
	x5t := accessClaims()
	x5t["cnf"] = map[string]any{"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}
	certBound := f.iss.MintAccessToken(x5t)
	badCnf := f.iss.MintAccessToken(accessWith("cnf", "jkt"))
	required, err := jwtverify.NewDPoP(jwtverify.DPoPConfig{Required: true, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	const bearerInv = `Bearer realm="api", error="invalid_token"`
	dpopBare := `DPoP realm="api", ` + algsAtt
	for _, c := range []struct {
		name       string
		dpop       *jwtverify.DPoP
		authz      string
		cookie     string
		status     int
		reason     error
		challenges []string
	}{
		{"bound as Bearer", f.dpop, "Bearer " + boundTok, "", 401, jwtverify.ErrDPoPBound, []string{bearerInv, dpopBare}},
		{"bound as Bearer, DPoP off", nil, "Bearer " + boundTok, "", 401, jwtverify.ErrDPoPBound, []string{bearerInv}},
		{"bound in a cookie", f.dpop, "", boundTok, 401, jwtverify.ErrDPoPBound, []string{bearerInv, dpopBare}},
		{"cert-bound as Bearer", nil, "Bearer " + certBound, "", 401, jwtverify.ErrDPoPBound, []string{bearerInv}},
		{"cnf not an object", nil, "Bearer " + badCnf, "", 401, jwtverify.ErrMalformed, []string{bearerInv}},
		{"unbound as Bearer", f.dpop, "Bearer " + f.bound(nil), "", 200, nil, nil},
		{"DPoP scheme, DPoP off", nil, "DPoP " + boundTok, "", 401, jwtverify.ErrNoToken, []string{`Bearer realm="api"`}},
		{"nothing, DPoP on", f.dpop, "", "", 401, jwtverify.ErrNoToken, []string{`Bearer realm="api"`, dpopBare}},
		{"Bearer, DPoP required", required, "Bearer " + f.bound(nil), "", 401, jwtverify.ErrNoToken, []string{dpopBare}},
		{"cookie, DPoP required", required, "", f.bound(nil), 401, jwtverify.ErrNoToken, []string{dpopBare}},
		{"DPoP without a token", f.dpop, "DPoP", "", 400, jwtverify.ErrInvalidRequest, []string{`Bearer realm="api"`, `DPoP realm="api", error="invalid_request", ` + algsAtt}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := f.handler(jwtverify.MiddlewareConfig{DPoP: c.dpop, Cookie: "at"})
			r := httptest.NewRequest("GET", apiURL, nil)
			if c.authz != "" {
				r.Header.Set("Authorization", c.authz)
			}
			if c.cookie != "" {
				r.AddCookie(&http.Cookie{Name: "at", Value: c.cookie})
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d (%s)", w.Code, c.status, f.lastReason())
			}
			if c.reason != nil && f.lastReason() != jwtverify.Reason(c.reason) {
				t.Fatalf("reason %q, want %q", f.lastReason(), jwtverify.Reason(c.reason))
			}
			if got := w.Header().Values("WWW-Authenticate"); !slices.Equal(got, c.challenges) {
				t.Fatalf("challenges %q, want %q", got, c.challenges)
			}
		})
	}
}

// TestDPoPRequired: with DPoP required, a bound token with its proof passes
// and a refusal carries the DPoP challenge alone.
func TestDPoPRequired(t *testing.T) {
	f := newDPoPFixture(t, jwtverify.DPoPConfig{Required: true, Algorithms: []string{"ES256", "RS256"}})
	h := f.handler(jwtverify.MiddlewareConfig{DPoP: f.dpop, Realm: "orders"})
	tok := f.bound(f.key)
	if w := send(h, "GET", apiURL, "DPoP "+tok, proof(t, f.key, "GET", apiURL, tok)); w.Code != 200 {
		t.Fatalf("status %d (%s)", w.Code, f.lastReason())
	}
	w := send(h, "GET", apiURL, "DPoP "+tok)
	want := []string{`DPoP realm="orders", error="invalid_dpop_proof", algs="ES256 RS256"`}
	if got := w.Header().Values("WWW-Authenticate"); w.Code != 401 || !slices.Equal(got, want) {
		t.Fatalf("%d %q, want 401 %q", w.Code, got, want)
	}
}

// TestDPoPOrigin: behind a proxy, htu names the configured public origin,
// not the request's Host.
func TestDPoPOrigin(t *testing.T) {
	f := newDPoPFixture(t, jwtverify.DPoPConfig{Origin: "HTTPS://API.example:443"})
	h := f.handler(jwtverify.MiddlewareConfig{DPoP: f.dpop})
	tok := f.bound(f.key)
	for _, c := range []struct {
		htu    string
		status int
	}{
		{"https://api.example/orders", 200},
		{"https://api.example:443/orders?q", 200},
		{apiURL, 401}, // the Host the proxy forwarded
		{"https://api.example:8443/orders", 401},
	} {
		if w := send(h, "GET", "http://10.0.0.7:8080/orders", "DPoP "+tok, proof(t, f.key, "GET", c.htu, tok)); w.Code != c.status {
			t.Errorf("htu %s: status %d, want %d (%s)", c.htu, w.Code, c.status, f.lastReason())
		}
	}
	for _, bad := range []string{"api.example", "ftp://api.example", "https://api.example/v1", "https://u@api.example", "https://api.example?x"} {
		if _, err := jwtverify.NewDPoP(jwtverify.DPoPConfig{Origin: bad}); !errors.Is(err, jwtverify.ErrConfig) {
			t.Errorf("Origin %q: err = %v, want ErrConfig", bad, err)
		}
	}
}

// TestDPoPNonce: with a NonceKey a proof needs a fresh server nonce; the
// refusal hands one out, a nonce of the previous period passes and gets the
// current one, older or forged nonces are refused.
func TestDPoPNonce(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	f := newDPoPFixture(t, jwtverify.DPoPConfig{NonceKey: key, NoncePeriod: time.Minute, Window: time.Hour})
	h := f.handler(jwtverify.MiddlewareConfig{DPoP: f.dpop})
	tok := f.bound(f.key)
	at := func(opts ...jwttest.ProofOption) string {
		return proof(t, f.key, "GET", apiURL, tok, append([]jwttest.ProofOption{jwttest.WithProofTime(f.clock.Now())}, opts...)...)
	}
	w := send(h, "GET", apiURL, "DPoP "+tok, at())
	nonce := w.Header().Get("DPoP-Nonce")
	want := `DPoP realm="api", error="use_dpop_nonce", ` + algsAtt
	if w.Code != 401 || len(nonce) < 22 || w.Header().Values("WWW-Authenticate")[1] != want {
		t.Fatalf("no nonce: %d %q nonce %q", w.Code, w.Header().Values("WWW-Authenticate"), nonce)
	}
	if w := send(h, "GET", apiURL, "DPoP "+tok, at(jwttest.WithProofNonce(nonce))); w.Code != 200 || w.Header().Get("DPoP-Nonce") != "" {
		t.Fatalf("with the nonce: %d, DPoP-Nonce %q (%s)", w.Code, w.Header().Get("DPoP-Nonce"), f.lastReason())
	}
	f.clock.Add(time.Minute) // the nonce is of the previous period now
	w = send(h, "GET", apiURL, "DPoP "+tok, at(jwttest.WithProofNonce(nonce)))
	next := w.Header().Get("DPoP-Nonce")
	if w.Code != 200 || next == "" || next == nonce {
		t.Fatalf("previous period: %d, DPoP-Nonce %q", w.Code, next)
	}
	f.clock.Add(time.Minute)
	if w := send(h, "GET", apiURL, "DPoP "+tok, at(jwttest.WithProofNonce(nonce))); w.Code != 401 || f.lastReason() != jwtverify.Reason(jwtverify.ErrDPoPNonce) {
		t.Fatalf("two periods old: %d %s", w.Code, f.lastReason())
	}
	forged := []byte(next)
	forged[len(forged)-2] ^= 1
	if w := send(h, "GET", apiURL, "DPoP "+tok, at(jwttest.WithProofNonce(string(forged)))); w.Code != 401 || f.lastReason() != jwtverify.Reason(jwtverify.ErrDPoPNonce) {
		t.Fatalf("forged: %d %s", w.Code, f.lastReason())
	}
	// Another instance with the same key accepts the nonce; another key does not.
	same, _ := jwtverify.NewDPoP(jwtverify.DPoPConfig{NonceKey: key, NoncePeriod: time.Minute, Now: f.clock.Now})
	otherKey, _ := jwtverify.NewDPoP(jwtverify.DPoPConfig{NonceKey: []byte(strings.Repeat("o", 32)), NoncePeriod: time.Minute, Now: f.clock.Now})
	for d, status := range map[*jwtverify.DPoP]int{same: 200, otherKey: 401} {
		if w := send(f.handler(jwtverify.MiddlewareConfig{DPoP: d}), "GET", apiURL, "DPoP "+tok, at(jwttest.WithProofNonce(next))); w.Code != status {
			t.Errorf("other instance: %d, want %d", w.Code, status)
		}
	}
	if _, err := jwtverify.NewDPoP(jwtverify.DPoPConfig{NonceKey: key[:31]}); !errors.Is(err, jwtverify.ErrConfig) {
		t.Fatalf("short NonceKey: %v", err)
	}
}

// failingStore is an IDStore that is down.
type failingStore struct{ err error }

func (s failingStore) Claim(context.Context, string, time.Duration) (bool, error) { return true, s.err }

// TestDPoPStoreDown: an id store that cannot answer is a 503, never a pass.
func TestDPoPStoreDown(t *testing.T) {
	for _, err := range []error{errors.New("connection refused"), jwtverify.ErrUnavailable} {
		f := newDPoPFixture(t, jwtverify.DPoPConfig{ProofIDs: failingStore{err}})
		h := f.handler(jwtverify.MiddlewareConfig{DPoP: f.dpop})
		tok := f.bound(f.key)
		w := send(h, "GET", apiURL, "DPoP "+tok, proof(t, f.key, "GET", apiURL, tok))
		if w.Code != 503 || w.Header().Get("Retry-After") == "" || len(w.Header().Values("WWW-Authenticate")) != 0 {
			t.Fatalf("store error %v: %d %v", err, w.Code, w.Header())
		}
	}
}

// TestDPoPScope: RequireScope behind a DPoP request answers 403 on the DPoP
// challenge.
func TestDPoPScope(t *testing.T) {
	f := newDPoPFixture(t, jwtverify.DPoPConfig{})
	h := jwtverify.Middleware(f.v, jwtverify.MiddlewareConfig{DPoP: f.dpop})(jwtverify.RequireScope("orders:delete")(whoami))
	tok := f.bound(f.key)
	w := send(h, "GET", apiURL, "DPoP "+tok, proof(t, f.key, "GET", apiURL, tok))
	want := []string{`Bearer realm="api"`, `DPoP realm="api", error="insufficient_scope", scope="orders:delete", ` + algsAtt}
	if got := w.Header().Values("WWW-Authenticate"); w.Code != 403 || !slices.Equal(got, want) {
		t.Fatalf("%d %q, want 403 %q", w.Code, got, want)
	}
}

// TestDPoPConfig: constructors refuse what cannot be safe.
func TestDPoPConfig(t *testing.T) {
	for name, cfg := range map[string]jwtverify.DPoPConfig{
		"HS256":           {Algorithms: []string{"ES256", "HS256"}},
		"none":            {Algorithms: []string{"none"}},
		"unknown":         {Algorithms: []string{"ES257"}},
		"negative window": {Window: -time.Second},
	} {
		if _, err := jwtverify.NewDPoP(cfg); !errors.Is(err, jwtverify.ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
}

// TestDPoPConcurrentReplay: of many concurrent requests with one proof,
// exactly one passes (run with -race).
func TestDPoPConcurrentReplay(t *testing.T) {
	f := newDPoPFixture(t, jwtverify.DPoPConfig{})
	h := f.handler(jwtverify.MiddlewareConfig{DPoP: f.dpop})
	tok := f.bound(f.key)
	for round := range 20 {
		if passed := race(16, []http.Handler{h}, tok, proof(t, f.key, "GET", apiURL, tok)); passed != 1 {
			t.Fatalf("round %d: %d of 16 requests passed, want 1", round, passed)
		}
	}
}

// race sends n requests with one proof at once, to the handlers in turn,
// and returns how many passed.
func race(n int, handlers []http.Handler, tok, p string) int {
	var wg sync.WaitGroup
	var mu sync.Mutex
	passed := 0
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			if send(handlers[i%len(handlers)], "GET", apiURL, "DPoP "+tok, p).Code == 200 {
				mu.Lock()
				passed++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	return passed
}
