package session

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
	"golang.org/x/crypto/nacl/secretbox"
)

const seedChallenge = "Mjn48Bph7VMl0w_IbZqp79o_BQAJceFnZajh42lfV8g"

func TestMGSeedRecord(t *testing.T) {
	seed := readFile(t, "testdata/seed_mgsession.json")
	rec, err := decodeMG(seed)
	if err != nil {
		t.Fatal(err)
	}
	want := MGRecord{
		UserID:     "z2i3XjxM2VA9wGr8s3vVdfNpv3tL7XwADo6YbWe8dgXuQUStLZa",
		Hostname:   "thinkcentre1.maple.maceroc.com",
		Challenge:  seedChallenge,
		Expiration: 1717584330,
		NomUsager:  "proprietaire",
	}
	if *rec != want {
		t.Errorf("got %+v", *rec)
	}
	out := encodeMG(rec)
	if py := readFile(t, "testdata/seed_mgsession.py.json"); !bytes.Equal(out, py) {
		t.Errorf("re-encoded:\n got %s\nwant %s", out, py)
	}
	pythonSameValue(t, seed, out)
}

// TestMGDecodePeerSpellings: records as MilleGrilles' services write them,
// read as their Python readers read them: added members ignored, member order
// and spacing free, expiration a float (rounded down).
func TestMGDecodePeerSpellings(t *testing.T) {
	want := MGRecord{UserID: "u", Hostname: "h", Challenge: "c", Expiration: 1717584330, NomUsager: "n"}
	for name, in := range map[string]string{
		"python":                  `{"user_id": "u", "hostname": "h", "challenge": "c", "expiration": 1717584330, "nomUsager": "n"}`,
		"node, other order":       `{"nomUsager":"n","expiration":1717584330,"challenge":"c","hostname":"h","user_id":"u"}`,
		"an added member":         `{"user_id": "u", "hostname": "h", "challenge": "c", "expiration": 1717584330, "nomUsager": "n", "admin": true}`,
		"members in another case": `{"user_id": "u", "User_Id": "bob", "hostname": "h", "challenge": "c", "expiration": 1717584330, "nomUsager": "n", "INVALIDE": true}`,
		"added members, nested":   `{"x": {"y": [1, null]}, "user_id": "u", "hostname": "h", "challenge": "c", "expiration": 1717584330, "nomUsager": "n", "z": null}`,
		"expiration a float":      `{"user_id": "u", "hostname": "h", "challenge": "c", "expiration": 1717584330.75, "nomUsager": "n"}`,
		"expiration an exponent":  `{"user_id": "u", "hostname": "h", "challenge": "c", "expiration": 1.71758433e9, "nomUsager": "n"}`,
	} {
		t.Run(name, func(t *testing.T) {
			rec, err := decodeMG([]byte(in))
			if err != nil || *rec != want {
				t.Fatalf("decodeMG = %+v, %v; want %+v", rec, err, want)
			}
		})
	}
}

func TestMGDecodeRejects(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
	}{
		{"tombstone", `{"invalide": true}`, ErrRevoked},
		{"not json", `nope`, ErrCorrupt},
		{"missing user", `{"hostname": "h", "challenge": "c", "expiration": 1, "nomUsager": "n"}`, ErrCorrupt},
		{"expiration string", `{"user_id": "u", "hostname": "h", "challenge": "c", "expiration": "1", "nomUsager": "n"}`, ErrCorrupt},
		{"repeated field", `{"user_id": "u", "hostname": "h", "challenge": "c", "expiration": 1, "nomUsager": "n", "user_id": "v"}`, ErrCorrupt},
		{"expiration infinite", `{"user_id": "u", "hostname": "h", "challenge": "c", "expiration": 1e999, "nomUsager": "n"}`, ErrCorrupt},
		{"expiration null", `{"user_id": "u", "hostname": "h", "challenge": "c", "expiration": null, "nomUsager": "n"}`, ErrCorrupt},
		{"trailing", `{"user_id": "u", "hostname": "h", "challenge": "c", "expiration": 1, "nomUsager": "n"} x`, ErrCorrupt},
		{"huge", `{"user_id": "` + strings.Repeat("u", 10000) + `"}`, ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decodeMG([]byte(tt.in)); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// mgFixture is MGSessions on a fresh Redis with a cookie secret set.
type mgFixture struct {
	srv *redistest.Server
	g   *MGSessions
	clk *clock
	ctx context.Context
}

func newMGFixture(t *testing.T) *mgFixture {
	t.Helper()
	srv := redistest.Start(t)
	f := &mgFixture{srv: srv, clk: &clock{t: time.Now()}, ctx: context.Background()}
	secret := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	if err := srv.Client.Set(f.ctx, "webauth.cookies.secret", secret, 0).Err(); err != nil {
		t.Fatal(err)
	}
	f.g = newMG(t, srv.Client, MGConfig{Now: f.clk.Now})
	return f
}

// verify runs the verify handler with an mgsession cookie value.
func (f *mgFixture) verify(cookie string) *http.Response {
	r := httptest.NewRequest("GET", "/auth/verifier_usager", nil)
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: "mgsession", Value: cookie})
	}
	w := httptest.NewRecorder()
	f.g.VerifyHandler(false).ServeHTTP(w, r)
	return w.Result()
}

func (f *mgFixture) login(t *testing.T, user string) (*MGRecord, string) {
	t.Helper()
	w := httptest.NewRecorder()
	rec, err := f.g.Login(f.ctx, w, MGRecord{UserID: user, Hostname: "h.example", NomUsager: "name-" + user}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cookie := w.Result().Cookies()[0]
	if !cookie.HttpOnly || !cookie.Secure || cookie.Path != "/" || cookie.MaxAge != 3600 {
		t.Errorf("cookie attributes: %+v", cookie)
	}
	return rec, cookie.Value
}

func TestMGLoginVerifyLogout(t *testing.T) {
	f := newMGFixture(t)
	rec, cookie := f.login(t, "z2i3Xjx")
	key := "mgsession." + rec.Challenge
	if ttl := f.srv.Client.TTL(f.ctx, key).Val(); ttl < 3590*time.Second || ttl > time.Hour {
		t.Errorf("TTL %v, want expiration − now", ttl)
	}
	res := f.verify(cookie)
	if res.StatusCode != 200 || res.Header.Get("X-User-Id") != "z2i3Xjx" || res.Header.Get("X-User-Name") != "name-z2i3Xjx" ||
		res.Header.Get("X-Auth") != "1" || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("verify: %d %v", res.StatusCode, res.Header)
	}

	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/logout", nil)
	r.AddCookie(&http.Cookie{Name: "mgsession", Value: cookie})
	if err := f.g.Logout(w, r); err != nil {
		t.Fatal(err)
	}
	if v := f.srv.Client.Get(f.ctx, key).Val(); v != `{"invalide": true}` {
		t.Errorf("after logout the record is %s", v)
	}
	if ttl := f.srv.Client.TTL(f.ctx, key).Val(); ttl > 300*time.Second || ttl < 290*time.Second {
		t.Errorf("tombstone TTL %v", ttl)
	}
	if c := w.Result().Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Errorf("logout cookie %+v", c)
	}
	if _, err := f.g.Get(f.ctx, rec.Challenge); !errors.Is(err, ErrRevoked) {
		t.Errorf("after logout: %v", err)
	}
	if res := f.verify(cookie); res.StatusCode != 401 {
		t.Errorf("tombstoned session verified: %d", res.StatusCode)
	}
}

func TestMGBadInput(t *testing.T) {
	f := newMGFixture(t)
	rec, cookie := f.login(t, "u1")
	otherKey := newMG(t, f.srv.Client, MGConfig{SecretKey: "other.secret"})
	_ = f.srv.Client.Set(f.ctx, "other.secret", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)), 0)
	foreign, err := otherKey.Seal(f.ctx, rec)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(cookie)

	// A record whose TTL is shorter than its expiration claims.
	short, shortCookie := f.login(t, "u2")
	f.srv.Client.Expire(f.ctx, "mgsession."+short.Challenge, 10*time.Minute)

	tests := []struct {
		name, cookie string
		want         error
	}{
		{"wrong key", foreign, ErrCookie},
		{"truncated", base64.StdEncoding.EncodeToString(raw[:30]), ErrCookie},
		{"flipped bit", base64.StdEncoding.EncodeToString(append(raw[:len(raw)-1:len(raw)-1], raw[len(raw)-1]^1)), ErrCookie},
		{"not base64", "!!!not base64!!!", ErrCookie},
		{"url base64", strings.NewReplacer("+", "-", "/", "_").Replace(cookie) + "%", ErrCookie},
		{"huge", strings.Repeat("A", 8000), ErrCookie},
		{"ttl shorter than expiration", shortCookie, ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.AddCookie(&http.Cookie{Name: "mgsession", Value: tt.cookie})
			if _, err := f.g.Authenticate(r); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if res := f.verify(tt.cookie); res.StatusCode != 401 || res.Header.Get("X-User-Id") != "" {
				t.Errorf("verify: %d %v", res.StatusCode, res.Header)
			}
		})
	}
	for _, c := range []string{rec.Challenge, short.Challenge} {
		if n := f.srv.Client.Exists(f.ctx, "mgsession."+c).Val(); n != 1 {
			t.Errorf("record %s was deleted by a bad request", c)
		}
	}
}

func TestMGExpired(t *testing.T) {
	f := newMGFixture(t)
	rec, cookie := f.login(t, "u1")
	f.clk.Add(time.Hour + time.Second)
	if _, err := f.g.Get(f.ctx, rec.Challenge); !errors.Is(err, ErrExpired) {
		t.Errorf("err = %v", err)
	}
	if res := f.verify(cookie); res.StatusCode != 401 {
		t.Errorf("status %d", res.StatusCode)
	}
}

func TestMGOutageAndSecret(t *testing.T) {
	f := newMGFixture(t)
	_, cookie := f.login(t, "u1")
	f.srv.Client.Del(f.ctx, "webauth.cookies.secret")
	fresh := newMG(t, f.srv.Client, MGConfig{})
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "mgsession", Value: cookie})
	if _, err := fresh.Authenticate(r); !errors.Is(err, ErrSecret) {
		t.Errorf("missing secret: %v", err)
	}
	f.srv.Stop()
	if res := f.verify(cookie); res.StatusCode != 503 {
		t.Errorf("Redis down: status %d", res.StatusCode)
	}
	optional := httptest.NewRecorder()
	f.g.VerifyHandler(true).ServeHTTP(optional, httptest.NewRequest("GET", "/", nil))
	if optional.Code != 200 || optional.Header().Get("X-Auth") != "0" {
		t.Errorf("noauth variant: %d %v", optional.Code, optional.Header())
	}
}

func evictFixture(t *testing.T, client redis.UniversalClient, nodes ...*redistest.Server) {
	t.Helper()
	ctx := context.Background()
	secret := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	client.Set(ctx, "webauth.cookies.secret", secret, 0)
	g := newMG(t, client, MGConfig{})
	m := newTestManager(t, NewRedisStore(client), Config{CookieName: "auth.aiohttp", Index: g})

	mine, err := g.Create(ctx, MGRecord{UserID: "alice", NomUsager: "a"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := g.Create(ctx, MGRecord{UserID: "bob", NomUsager: "b"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	aliceWeb, _ := cookieOf(do(t, m, "", put("userId", "alice")), "auth.aiohttp")
	bobWeb, _ := cookieOf(do(t, m, "", put("userId", "bob")), "auth.aiohttp")
	// Written by another service, not indexed:
	foreignMG := "mgsession." + strings.Repeat("A", 43)
	client.Set(ctx, foreignMG, encodeMG(&MGRecord{UserID: "alice", Challenge: strings.Repeat("A", 43), Expiration: time.Now().Add(time.Hour).Unix()}), time.Hour)
	foreignWeb := "auth.aiohttp_" + strings.Repeat("f", 32)
	client.Set(ctx, foreignWeb, `{"created": 1, "session": {"userId": "alice", "x": [1]}}`, time.Hour)

	for _, node := range nodes {
		node.Client.ConfigResetStat(ctx)
	}
	n, err := g.EvictUser(ctx, "alice")
	if err != nil || n != 4 {
		t.Errorf("EvictUser = %d, %v; want 4", n, err)
	}
	var keys, scans int
	for _, node := range nodes {
		info := node.Client.Info(ctx, "commandstats").Val()
		keys += strings.Count(info, "cmdstat_keys:")
		scans += strings.Count(info, "cmdstat_scan:")
	}
	if keys != 0 || scans == 0 {
		t.Errorf("EvictUser ran KEYS on %d nodes, SCAN on %d", keys, scans)
	}
	gone := []string{"mgsession." + mine.Challenge, "auth.aiohttp_" + aliceWeb, foreignMG, foreignWeb}
	kept := []string{"mgsession." + theirs.Challenge, "auth.aiohttp_" + bobWeb}
	for _, k := range gone {
		if client.Exists(ctx, k).Val() != 0 {
			t.Errorf("%s survived", k)
		}
	}
	for _, k := range kept {
		if client.Exists(ctx, k).Val() != 1 {
			t.Errorf("%s was evicted", k)
		}
	}
}

func TestEvictUser(t *testing.T) {
	srv := redistest.Start(t)
	evictFixture(t, srv.Client, srv)
}

func TestEvictUserCluster(t *testing.T) {
	c := redistest.StartCluster(t)
	evictFixture(t, c.Client, c.Nodes...)
}

// A logout that cannot tombstone the record must not drop the cookie: the
// session would live on in Redis while the user believes it ended.
func TestMGLogoutOutageKeepsCookie(t *testing.T) {
	f := newMGFixture(t)
	rec, cookie := f.login(t, "u1")
	f.srv.Stop()
	w := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/logout", nil)
	r.AddCookie(&http.Cookie{Name: "mgsession", Value: cookie})
	if err := f.g.Logout(w, r); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Logout with Redis down: %v", err)
	}
	if c := w.Header().Values("Set-Cookie"); len(c) != 0 {
		t.Errorf("failed logout expired the cookie: %q", c)
	}
	f.srv.Restart()
	_ = f.srv.Client.Set(f.ctx, "webauth.cookies.secret", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)), 0)
	_ = f.srv.Client.Set(f.ctx, "mgsession."+rec.Challenge, encodeMG(rec), time.Hour)
	f.clk.Add(DefaultSecretRefresh)
	if res := f.verify(cookie); res.StatusCode != http.StatusOK {
		t.Errorf("after Redis came back the kept cookie verifies %d, want 200", res.StatusCode)
	}
}

// Field names match exactly, as Python and the eviction script read them:
// encoding/json's case-insensitive matching must not apply (a member in
// another case is an added member: ignored, see TestMGDecodePeerSpellings).
func TestMGDecodeExactNames(t *testing.T) {
	for _, in := range []string{
		`{"USER_ID": "u", "hostname": "h", "challenge": "c", "expiration": 1, "nomUsager": "n"}`,
		`{"user_id": "u", "hostname": "h", "challenge": "c", "expiration": 1, "nomusager": "n"}`,
		`{"user_id": "u", "hostname": null, "challenge": "c", "expiration": 1, "nomUsager": "n"}`,
	} {
		if rec, err := decodeMG([]byte(in)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %+v, %v; want ErrCorrupt", in, rec, err)
		}
	}
}

// MilleGrilles seals the cookie dict without nomUsager (only the Redis record
// carries it): such a cookie must open, and Go's own cookies have that shape.
func TestMGCookieWithoutNomUsager(t *testing.T) {
	f := newMGFixture(t)
	rec, goCookie := f.login(t, "u1")
	pyJSON := `{"user_id": "u1", "hostname": "h.example", "challenge": "` + rec.Challenge + `", "expiration": ` + strconv.FormatInt(rec.Expiration, 10) + `}`
	var key [32]byte
	copy(key[:], bytes.Repeat([]byte{7}, 32))
	var nonce [24]byte
	nonce[0] = 1
	sealed := base64.StdEncoding.EncodeToString(secretbox.Seal(nonce[:], []byte(pyJSON), &nonce, &key))
	res := f.verify(sealed)
	if res.StatusCode != 200 || res.Header.Get("X-User-Id") != "u1" || res.Header.Get("X-User-Name") != "name-u1" {
		t.Errorf("Python-shaped cookie: %d %v", res.StatusCode, res.Header)
	}

	raw, _ := base64.StdEncoding.DecodeString(goCookie)
	copy(nonce[:], raw)
	msg, ok := secretbox.Open(nil, raw[24:], &nonce, &key)
	if !ok || string(msg) != pyJSON {
		t.Errorf("Go's sealed cookie holds %s, want %s", msg, pyJSON)
	}
}
