package beswarm_test

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/beswarm"
	"github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest"
)

// login runs a whole login against the fake.
func login(t *testing.T, fake *beswarmtest.Server, c *beswarm.Client) *beswarm.TokenSet {
	t.Helper()
	l, err := c.Start()
	if err != nil {
		t.Fatal(err)
	}
	cb, err := fake.Login(ctx, l.URL)
	if err != nil {
		t.Fatal(err)
	}
	set, err := c.Callback(ctx, l, cb)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// verifyingClient is a client of fake whose tokens are verified over HTTP.
func verifyingClient(t *testing.T, fake *beswarmtest.Server, now func() time.Time) *beswarm.Client {
	t.Helper()
	v, _ := remoteVerifier(t, fake, beswarm.Config{Now: now})
	cfg := fake.ClientConfig()
	cfg.Verifier = v
	if now != nil {
		cfg.Now = now
	}
	c, err := beswarm.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLogin(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	c := verifyingClient(t, fake, nil)
	l, err := c.Start()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(l.URL)
	q := u.Query()
	if q.Get("state") != l.State || q.Get("appid") != fake.AppID() || q.Get("code_challenge") != beswarm.CodeChallengeHash(l.CodeChallenge) {
		t.Fatalf("authorize URL %s", l.URL)
	}
	if len(l.State) < 22 || len(l.CodeChallenge) < 22 || strings.Contains(l.URL, l.CodeChallenge) {
		t.Fatalf("login %+v", l)
	}
	cb, err := fake.Login(ctx, l.URL)
	if err != nil {
		t.Fatal(err)
	}
	set, err := c.Callback(ctx, l, cb)
	if err != nil {
		t.Fatal(err)
	}
	if set.ServiceURL != fake.URL || set.Swarm != "testdev" || set.User.Type != "Bearer" || set.User.ExpiresIn != time.Hour {
		t.Fatalf("set %+v", set)
	}
	if set.User.Claims == nil || set.User.Claims.TokenType != beswarm.User || set.Application.Claims.TokenType != beswarm.Application {
		t.Fatalf("claims %+v / %+v", set.User.Claims, set.Application.Claims)
	}
	// The expiry is the token's exp (about an hour ahead), not expires_on
	// (which BeSwarm writes an hour in the past).
	if d := time.Until(set.User.Expiry); d < 50*time.Minute || !set.User.Expiry.Equal(set.User.Claims.Expiry) {
		t.Fatalf("expiry %v", set.User.Expiry)
	}
	if len(set.User.Hosts) != 1 || set.User.Hosts[0] != fake.URL {
		t.Fatalf("hosts %q", set.User.Hosts)
	}
	// A login works once (Sesame refuses the replay), and so does a code
	// (BeSwarm refuses it).
	if _, err := c.Callback(ctx, l, cb); !errorsIs(err, beswarm.ErrState) {
		t.Fatalf("login reused: %v", err)
	}
	if _, err := c.Exchange(ctx, cb.Get("code"), cb.Get("swarm"), cb.Get("serviceurl"), l.CodeChallenge); !errorsIs(err, beswarm.ErrDenied) {
		t.Fatalf("code reused: %v", err)
	}
}

// Without a Verifier in its config, a Client verifies with the public keys of
// the AuthorizeURL's service: every token it hands back is verified, and a
// badly signed one is refused.
func TestLoginDefaultVerifier(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{Lifetime: 2 * time.Hour})
	c, err := beswarm.NewClient(fake.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	set := login(t, fake, c)
	if d := time.Until(set.User.Expiry); d < 110*time.Minute || d > 2*time.Hour || set.User.Claims == nil || set.Application.Claims == nil {
		t.Fatalf("expiry in %v, claims %v", d, set.User.Claims)
	}
	if n := fake.Count(beswarm.PathPublicKey); n != 1 {
		t.Fatalf("publickey fetched %d times", n)
	}
	fake.SetFaults(beswarmtest.Faults{BadSignature: true})
	l, _ := c.Start()
	cb, err := fake.Login(ctx, l.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Callback(ctx, l, cb)
	wantErr(t, err, jwtverify.ErrSignature)
}

// A Login is single-use and expires: replaying its callback is refused by
// the Client, before anything is sent to BeSwarm.
func TestLoginSingleUse(t *testing.T) {
	clk := &testClock{now: time.Now()}
	clock := clk.Now
	fake := beswarmtest.Start(t, beswarmtest.Config{Now: clock})
	c := verifyingClient(t, fake, clock)
	l, _ := c.Start()
	if d := l.Expires.Sub(clock()); d != beswarm.DefaultLoginTimeout {
		t.Fatalf("login expires in %v", d)
	}
	cb, err := fake.Login(ctx, l.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Callback(ctx, l, cb); err != nil {
		t.Fatal(err)
	}
	exchanges := fake.Count(beswarm.PathUserToken)
	for range 3 {
		_, err = c.Callback(ctx, l, cb)
		wantErr(t, err, beswarm.ErrState)
	}
	// A Login round-tripped through JSON (as an app stores it) is the same login.
	b, _ := json.Marshal(l)
	var back beswarm.Login
	if err := json.Unmarshal(b, &back); err != nil || back.State != l.State || back.CodeChallenge != l.CodeChallenge || back.URL != l.URL || !back.Expires.Equal(l.Expires) {
		t.Fatalf("Login through JSON: %+v, %v", back, err)
	}
	_, err = c.Callback(ctx, back, cb)
	wantErr(t, err, beswarm.ErrState)
	if n := fake.Count(beswarm.PathUserToken); n != exchanges {
		t.Fatalf("%d exchanges sent for replays", n-exchanges)
	}
	late, _ := c.Start()
	cb, _ = fake.Login(ctx, late.URL)
	clk.Add(beswarm.DefaultLoginTimeout)
	_, err = c.Callback(ctx, late, cb)
	wantErr(t, err, beswarm.ErrState)
	// Past MaxUsedLogins, callbacks are refused (503) rather than a used one forgotten.
	cfg := fake.ClientConfig()
	cfg.Now, cfg.MaxUsedLogins = clock, 1
	small, err := beswarm.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	login(t, fake, small)
	l2, _ := small.Start()
	cb, _ = fake.Login(ctx, l2.URL)
	_, err = small.Callback(ctx, l2, cb)
	wantErr(t, err, beswarm.ErrUnavailable)
}

// The app chooses among its registered callback URLs (callbackuri); another
// URL is refused.
func TestStartAt(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{CallbackURL: ""})
	cfg := fake.ClientConfig()
	cfg.CallbackURLs = []string{"https://app.example/cb", "https://app.example/admin/cb"}
	c, err := beswarm.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.StartAt("https://app.example/admin/cb")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(l.URL)
	if u.Query().Get("callbackuri") != "https://app.example/admin/cb" || l.CallbackURL != "https://app.example/admin/cb" {
		t.Fatalf("authorize URL %s", l.URL)
	}
	cb, err := fake.Login(ctx, l.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Callback(ctx, l, cb); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartAt("https://evil.example/cb"); !errorsIs(err, jwtverify.ErrConfig) {
		t.Fatalf("an unregistered callback URL: %v", err)
	}
	if l, _ := c.Start(); strings.Contains(l.URL, "callbackuri") {
		t.Fatalf("Start sent a callbackuri: %s", l.URL)
	}
	cfg.CallbackURLs = []string{"javascript:alert(1)"}
	if _, err := beswarm.NewClient(cfg); !errorsIs(err, jwtverify.ErrConfig) {
		t.Fatalf("a callback URL that is not https: %v", err)
	}
}

func TestCallbackState(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	c := verifyingClient(t, fake, nil)
	l, _ := c.Start()
	other, _ := c.Start()
	cb, err := fake.Login(ctx, l.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Callback(ctx, other, cb) // another login's callback
	wantErr(t, err, beswarm.ErrState)
	two := url.Values{"state": {l.State, l.State}, "code": cb["code"], "swarm": cb["swarm"], "serviceurl": cb["serviceurl"]}
	_, err = c.Callback(ctx, l, two)
	wantErr(t, err, beswarm.ErrState)
	_, err = c.Callback(ctx, beswarm.Login{}, url.Values{"state": {""}})
	wantErr(t, err, beswarm.ErrState)
	if n := fake.Count(beswarm.PathUserToken); n != 0 {
		t.Fatalf("%d exchanges after bad states", n)
	}
}

// serviceurl and swarm come from the browser: the secret goes nowhere else
// than an allowed HTTPS host.
func TestCallbackServiceURL(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	evil := httptest.NewServer(nil)
	defer evil.Close()
	c := verifyingClient(t, fake, nil)
	def, err := beswarm.NewClient(beswarm.ClientConfig{AppID: "a", ClientSecret: "s", AuthorizeURL: "https://dev.beswarm.net/authorize"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(fake.URL)
	for _, bad := range []string{
		"https://evil.example", "http://dev.beswarm.net", "https://beswarm.com.evil.example",
		"https://user@dev.beswarm.net", "https://dev.beswarm.net:8443", evil.URL,
		"http://x@" + u.Host, fake.URL + "?next=https://evil.example", "",
	} {
		for _, cl := range []*beswarm.Client{c, def} {
			_, err := cl.Exchange(ctx, "code", "testdev", bad, "cc")
			wantErr(t, err, beswarm.ErrServiceURL)
		}
		if bad == "" {
			continue // the fake's own URL
		}
		fake.SetFaults(beswarmtest.Faults{ServiceURL: bad})
		l, _ := c.Start()
		cb, err := fake.Login(ctx, l.URL)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Callback(ctx, l, cb)
		wantErr(t, err, beswarm.ErrServiceURL)
	}
	if n := fake.Count(beswarm.PathUserToken); n != 0 {
		t.Fatalf("secret sent %d times", n)
	}
	_, err = c.Exchange(ctx, "code", strings.Repeat("s", 2000), fake.URL, "cc")
	wantErr(t, err, beswarm.ErrDenied)
}

func TestExchangeAnswers(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	c := verifyingClient(t, fake, nil)
	for _, f := range []struct {
		faults beswarmtest.Faults
		want   error
	}{
		{beswarmtest.Faults{WrongNonce: true}, beswarm.ErrNonce},
		{beswarmtest.Faults{BadSignature: true}, jwtverify.ErrSignature},
		{beswarmtest.Faults{Down: true, Endpoints: []string{beswarm.PathUserToken}}, beswarm.ErrUnavailable},
		{beswarmtest.Faults{TokenBody: `{"datas":{"usertoken":{}},"status":200}`}, beswarm.ErrResponse},
		{beswarmtest.Faults{TokenBody: `{"datas":null,"status":401,"error":{"errorCode":0,"description":"no"}}`}, beswarm.ErrDenied},
		{beswarmtest.Faults{TokenBody: `{"datas":` + strings.Repeat(" ", beswarm.DefaultMaxBodySize) + `1}`}, beswarm.ErrResponse},
		{beswarmtest.Faults{TokenBody: `<html>`}, beswarm.ErrResponse},
	} {
		fake.SetFaults(f.faults)
		l, _ := c.Start()
		cb, err := fake.Login(ctx, l.URL)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Callback(ctx, l, cb)
		wantErr(t, err, f.want)
	}
	fake.SetFaults(beswarmtest.Faults{})
	l, _ := c.Start()
	cb, _ := fake.Login(ctx, l.URL)
	l.CodeChallenge = "another"
	_, err := c.Callback(ctx, l, cb)
	wantErr(t, err, beswarm.ErrDenied)
	if !errorsIs(beswarm.ErrUnavailable, jwtverify.ErrUnavailable) {
		t.Fatal("ErrUnavailable does not wrap jwtverify's")
	}
}

func TestRefreshAndTokenSource(t *testing.T) {
	clk := &testClock{now: time.Now()}
	clock := clk.Now
	fake := beswarmtest.Start(t, beswarmtest.Config{Now: clock})
	c := verifyingClient(t, fake, clock)
	l, _ := c.Start()
	cb, _ := fake.Login(ctx, l.URL)
	set, err := c.Callback(ctx, l, cb)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var hooks []error
	if set.CodeChallenge != l.CodeChallenge {
		t.Fatal("the set does not carry the login's code challenge")
	}
	ts := c.TokenSource(set, beswarm.TokenSourceConfig{OnRefresh: func(s *beswarm.TokenSet, err error) {
		mu.Lock()
		defer mu.Unlock()
		hooks = append(hooks, err)
	}})
	got, err := ts.Token(ctx)
	if err != nil || got != set || fake.Count(beswarm.PathRefreshToken) != 0 {
		t.Fatalf("fresh set refreshed: %v", err)
	}
	clk.Add(59*time.Minute + 30*time.Second) // within a minute of exp
	var wg sync.WaitGroup
	sets := make([]*beswarm.TokenSet, 20)
	for i := range sets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := ts.Token(ctx)
			if err != nil {
				t.Error(err)
			}
			sets[i] = s
		}()
	}
	wg.Wait()
	if n := fake.Count(beswarm.PathRefreshToken); n != 2 {
		t.Fatalf("%d refresh requests for 20 callers, want 2 (user and application token)", n)
	}
	for _, s := range sets[1:] {
		if s != sets[0] {
			t.Fatal("callers got different sets")
		}
	}
	if sets[0].User.Raw == set.User.Raw || sets[0].Application.Raw == set.Application.Raw ||
		!sets[0].User.Expiry.After(set.User.Expiry) || !sets[0].Application.Expiry.After(set.Application.Expiry) ||
		sets[0].User.Claims.TokenType != beswarm.User || sets[0].Application.Claims.TokenType != beswarm.Application {
		t.Fatal("refresh did not renew both tokens")
	}
	if len(hooks) != 1 || hooks[0] != nil {
		t.Fatalf("hooks %v", hooks)
	}
	// Past exp, a failed refresh is an error; the hook sees it.
	clk.Add(2 * time.Hour)
	fake.SetFaults(beswarmtest.Faults{Down: true})
	_, err = ts.Token(ctx)
	wantErr(t, err, beswarm.ErrUnavailable)
	if len(hooks) != 2 || hooks[1] == nil {
		t.Fatalf("hooks %v", hooks)
	}
	// Refresh with another code challenge is refused.
	fake.SetFaults(beswarmtest.Faults{})
	other := *set
	other.CodeChallenge = "another"
	_, err = c.Refresh(ctx, &other)
	wantErr(t, err, beswarm.ErrDenied)
	// A set stored as JSON and loaded back refreshes: it carries all Refresh needs.
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	var stored beswarm.TokenSet
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Refresh(ctx, &stored); err != nil {
		t.Fatalf("refresh of a stored set: %v", err)
	}
}

// The TokenSource renews when the application token nears expiry, even
// while the user token is fresh.
func TestTokenSourceRenewsApplicationToken(t *testing.T) {
	clk := &testClock{now: time.Now()}
	clock := clk.Now
	fake := beswarmtest.Start(t, beswarmtest.Config{Now: clock})
	c := verifyingClient(t, fake, clock)
	set := login(t, fake, c)
	set.User.Expiry = set.User.Expiry.Add(24 * time.Hour) // the user token is far from expiry
	ts := c.TokenSource(set, beswarm.TokenSourceConfig{})
	clk.Add(59*time.Minute + 30*time.Second)
	got, err := ts.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Application.Raw == set.Application.Raw || !got.Application.Expiry.After(set.Application.Expiry) {
		t.Fatal("the application token was not renewed")
	}
}

// Hosts of a token answer pass the service-URL allowlist: a host outside
// ClientConfig.Domains (or on another port) is dropped, never handed to the
// app; the others are kept in order.
func TestTokenAnswerHostsAllowlist(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	c, err := beswarm.NewClient(fake.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	fake.SetFaults(beswarmtest.Faults{Hosts: []string{"https://evil.example", fake.URL, "https://127.0.0.1.evil.example/", "javascript:alert(1)", fake.URL + "/api?x=1", fake.URL + "/"}})
	set := login(t, fake, c)
	for _, tok := range []beswarm.Token{set.User, set.Application} {
		if !slices.Equal(tok.Hosts, []string{fake.URL, fake.URL}) {
			t.Fatalf("hosts %q, want only the allowed ones", tok.Hosts)
		}
	}
	refreshed, err := c.Refresh(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(refreshed.User.Hosts, []string{fake.URL, fake.URL}) {
		t.Fatalf("refreshed hosts %q", refreshed.User.Hosts)
	}
}

// testClock is a clock a test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Add moves the clock forward.
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
