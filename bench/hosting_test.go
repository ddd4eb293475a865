package bench

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/hosting"
)

// BenchmarkHostingGet: reading an instance's hosting tokens (one GET, strict
// decode, both exp read), directly and through a TokenSource.
func BenchmarkHostingGet(b *testing.B) {
	client := redis.NewClient(&redis.Options{Addr: sessionRedis(b)})
	b.Cleanup(func() { _ = client.Close() })
	cache, err := hosting.NewCache(client, hosting.Config{})
	if err != nil {
		b.Fatal(err)
	}
	exp := time.Now().Add(time.Hour).Unix()
	enc := base64.RawURLEncoding
	tok := enc.EncodeToString([]byte(`{"alg":"EdDSA","typ":"JWT"}`)) + "." +
		enc.EncodeToString(fmt.Appendf(nil, `{"exp":%d,"sub":"instance"}`, exp)) + "." + enc.EncodeToString(make([]byte, 64))
	ctx := context.Background()
	if err := cache.Put(ctx, "instance", hosting.Tokens{ReadOnly: tok, ReadWrite: tok, URL: "https://consignation.example/"}); err != nil {
		b.Fatal(err)
	}
	src, err := hosting.NewTokenSource(cache, hosting.FetcherFunc(func(context.Context, string) (*hosting.Tokens, error) {
		return nil, fmt.Errorf("unexpected fetch")
	}))
	if err != nil {
		b.Fatal(err)
	}
	impls := map[string]func(context.Context, string) (*hosting.Tokens, error){
		"sesame-cache":  cache.Get,
		"sesame-source": src.Tokens,
	}
	for _, name := range []string{"sesame-cache", "sesame-source"} {
		get := impls[name]
		b.Run("impl="+name, func(b *testing.B) {
			before := commandsServed(b, client)
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				if _, err := get(ctx, "instance"); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(commandsServed(b, client)-before)/float64(n), "cmds/op")
		})
	}
}
