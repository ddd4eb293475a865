package hosting_test

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/hosting"
)

// The Redis key and value of an instance's hosting tokens.
func ExampleEncodeRecord() {
	fmt.Println(hosting.Key("5cb9d50e-110e-421a-b944-523b60af4c3b"))
	fmt.Printf("%s\n", hosting.EncodeRecord(&hosting.Tokens{
		ReadOnly:  "eyJhbGciOiJFZERTQSJ9.eyJleHAiOjE3MTc1MDAwMDB9.c2ln",
		ReadWrite: "eyJhbGciOiJFZERTQSJ9.eyJleHAiOjE3MTc1MDAwMDB9.c2ln",
		URL:       "https://consignation.example/fichiers_transfert",
	}))
	// Output:
	// hebergement:5cb9d50e-110e-421a-b944-523b60af4c3b
	// {"jwt_readonly": "eyJhbGciOiJFZERTQSJ9.eyJleHAiOjE3MTc1MDAwMDB9.c2ln", "jwt_readwrite": "eyJhbGciOiJFZERTQSJ9.eyJleHAiOjE3MTc1MDAwMDB9.c2ln", "url": "https://consignation.example/fichiers_transfert"}
}

// A TokenSource on MilleGrilles' DB 3 that asks the hosting service for new
// tokens when the cached ones are gone.
func ExampleNewTokenSource() {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", DB: 3})
	cache, err := hosting.NewCache(client, hosting.Config{}) // exp decoded, not verified: see Config.Verifier
	if err != nil {
		fmt.Println(err)
		return
	}
	fetch := hosting.FetcherFunc(func(ctx context.Context, instanceID string) (*hosting.Tokens, error) {
		return nil, fmt.Errorf("ask the hosting service for %s's tokens here", instanceID)
	})
	src, err := hosting.NewTokenSource(cache, fetch)
	fmt.Println(src != nil, err)
	// Output: true <nil>
}
