package hosting

import (
	"context"
	"errors"
	"github.com/sesame-go/sesame/internal/redistest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// Put stores until 30 s before the earliest exp, with one SET; Get reads it back
// with one bounded GET (EVALSHA).
func TestPutGet(t *testing.T) {
	e := newEnv(t)
	c := e.cache(t, Config{})
	ctx := context.Background()
	tok := tokens(t, time.Hour, 10*time.Minute)
	if err := c.Put(ctx, instance, tok); err != nil {
		t.Fatal(err)
	}
	e.wantCmds(t, map[string]int{"set": 1})
	if ttl := e.raw.TTL(ctx, Key(instance)).Val(); ttl != 10*time.Minute-ExpiryMargin {
		t.Fatalf("TTL = %v, want %v (earliest exp − 30 s)", ttl, 10*time.Minute-ExpiryMargin)
	}
	got, err := c.Get(ctx, instance)
	if err != nil || *got != tok {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	e.wantCmds(t, map[string]int{"evalsha": 1})
}

// Tokens that cannot be cached are refused by Put, and nothing is sent to Redis.
func TestPutRefuses(t *testing.T) {
	e := newEnv(t)
	c := e.cache(t, Config{})
	good := tokens(t, time.Hour, time.Hour)
	noExp := unsigned(t, map[string]any{"sub": instance})
	tests := []struct {
		name string
		id   string
		tok  Tokens
		want error
	}{
		{"token without exp", instance, Tokens{ReadOnly: good.ReadOnly, ReadWrite: noExp, URL: consURL}, ErrNoExpiry},
		{"exp past", instance, tokens(t, time.Hour, -time.Minute), ErrExpired},
		{"exp exactly 30 s away", instance, tokens(t, ExpiryMargin, time.Hour), ErrExpired},
		{"exp 30.9 s away (TTL under a second)", instance, Tokens{ReadOnly: good.ReadOnly, ReadWrite: unsigned(t, map[string]any{"exp": float64(testNow.Unix()) + 30.9}), URL: consURL}, ErrExpired},
		{"exp not a number", instance, Tokens{ReadOnly: good.ReadOnly, ReadWrite: unsigned(t, map[string]any{"exp": "tomorrow"}), URL: consURL}, ErrMalformed},
		{"missing token", instance, Tokens{ReadOnly: good.ReadOnly, URL: consURL}, ErrMalformed},
		{"payload not JSON", instance, Tokens{ReadOnly: good.ReadOnly, ReadWrite: "e30.bm90IGpzb24.c2ln", URL: consURL}, ErrMalformed},
		{"empty instance id", "", good, ErrInstanceID},
		{"instance id with a space", "a b", good, ErrInstanceID},
		{"instance id with a newline", "a\nb", good, ErrInstanceID},
		{"instance id too long", strings.Repeat("a", 256), good, ErrInstanceID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.Put(context.Background(), tt.id, tt.tok); !errors.Is(err, tt.want) {
				t.Fatalf("Put = %v, want %v", err, tt.want)
			}
			e.wantCmds(t, map[string]int{})
		})
	}
}

// Records Get must refuse: a missing token, a token without exp, an exp already
// past or within 30 s, a key that does not exist.
func TestGetRefuses(t *testing.T) {
	e := newEnv(t)
	c := e.cache(t, Config{})
	good := tokens(t, time.Hour, time.Hour)
	tests := []struct {
		name   string
		record []byte // nil: no record
		want   error
	}{
		{"no record", nil, ErrNotFound},
		{"missing token", []byte(`{"jwt_readonly": "` + good.ReadOnly + `", "url": "` + consURL + `"}`), ErrMalformed},
		{"token without exp", EncodeRecord(&Tokens{ReadOnly: good.ReadOnly, ReadWrite: unsigned(t, map[string]any{"sub": "x"}), URL: consURL}), ErrNoExpiry},
		{"exp past", EncodeRecord(&Tokens{ReadOnly: expiring(t, -time.Hour), ReadWrite: good.ReadWrite, URL: consURL}), ErrExpired},
		{"exp within 30 s", EncodeRecord(&Tokens{ReadOnly: expiring(t, 20*time.Second), ReadWrite: good.ReadWrite, URL: consURL}), ErrExpired},
		{"10 MB", []byte(strings.Repeat(" ", 10<<20)), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_ = e.raw.Del(context.Background(), Key(instance))
			if tt.record != nil {
				e.set(t, Key(instance), tt.record)
			}
			if got, err := c.Get(context.Background(), instance); !errors.Is(err, tt.want) || got != nil {
				t.Fatalf("Get = %v, %v; want %v", got, err, tt.want)
			}
			e.wantCmds(t, map[string]int{"evalsha": 1})
		})
	}
	if _, err := c.Get(context.Background(), "bad id"); !errors.Is(err, ErrInstanceID) {
		t.Fatalf("Get(bad id) = %v", err)
	}
}

// With a Verifier, exp comes from the verified token, and a token the verifier
// refuses (another issuer's signature) is refused on Put and on Get.
func TestVerifier(t *testing.T) {
	e := newEnv(t)
	iss, stranger := jwttest.Start(t), jwttest.Start(t)
	keys, err := jwtverify.NewStaticKeys(iss.PublicJWKS())
	if err != nil {
		t.Fatal(err)
	}
	v, err := jwtverify.New(keys, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	c := e.cache(t, Config{Verifier: v})
	ctx := context.Background()
	claims := map[string]any{"sub": instance, "exp": testNow.Add(time.Hour).Unix()}
	good := Tokens{ReadOnly: iss.Mint(claims), ReadWrite: iss.Mint(claims), URL: consURL}
	if err := c.Put(ctx, instance, good); err != nil {
		t.Fatal(err)
	}
	if got, err := c.Get(ctx, instance); err != nil || *got != good {
		t.Fatalf("Get = %v, %v", got, err)
	}
	forged := Tokens{ReadOnly: good.ReadOnly, ReadWrite: stranger.Mint(claims), URL: consURL}
	if err := c.Put(ctx, instance, forged); !errors.Is(err, ErrToken) || !errors.Is(err, jwtverify.ErrSignature) {
		t.Fatalf("Put(forged) = %v, want ErrToken and jwtverify.ErrSignature", err)
	}
	e.set(t, Key(instance), EncodeRecord(&forged))
	if _, err := c.Get(ctx, instance); !errors.Is(err, ErrToken) {
		t.Fatalf("Get(forged) = %v, want ErrToken", err)
	}
	unverified := e.cache(t, Config{})
	if _, err := unverified.Get(ctx, instance); err != nil {
		t.Fatalf("without a Verifier the forged record is only decoded: %v", err)
	}
}

// Redis down: ErrUnavailable for Get and Put.
func TestUnavailable(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: redistest.DeadAddr(t), MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	c, err := NewCache(client, Config{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(context.Background(), instance); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get = %v", err)
	}
	if err := c.Put(context.Background(), instance, tokens(t, time.Hour, time.Hour)); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Put = %v", err)
	}
}

func TestConfigRefused(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: redistest.DeadAddr(t)})
	t.Cleanup(func() { _ = client.Close() })
	for name, cfg := range map[string]Config{"negative Timeout": {Timeout: -1}, "negative FetchTimeout": {FetchTimeout: -1}} {
		if _, err := NewCache(client, cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := NewCache(nil, Config{}); !errors.Is(err, ErrConfig) {
		t.Error("nil client accepted")
	}
}

// On a cluster client, the connection errors of Get, Put and TTL get the
// client to reload its slot map (a failover's promoted replica is then
// reached within seconds).
func TestClusterReload(t *testing.T) {
	ctx := context.Background()
	build := func(c redis.UniversalClient) (*Cache, error) {
		return NewCache(c, Config{Now: func() time.Time { return testNow }})
	}
	redistest.CheckReloads(t, ErrUnavailable, build, map[string]func(*Cache) error{
		"Get": func(hc *Cache) error { _, err := hc.Get(ctx, instance); return err },
		"Put": func(hc *Cache) error { return hc.Put(ctx, instance, tokens(t, time.Hour, time.Hour)) },
		"TTL": func(hc *Cache) error { _, err := hc.TTL(ctx, instance); return err },
	})
}
