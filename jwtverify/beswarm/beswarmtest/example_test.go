package beswarmtest_test

import (
	"context"
	"fmt"

	"github.com/sesame-go/sesame/jwtverify/beswarm"
	"github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest"
)

// A whole BeSwarm login against the fake: the app's Client, built from the
// fake's ClientConfig, starts a login, the fake's login page answers with the
// callback, and the Client exchanges the code for two verified tokens, then
// renews them. In a test, beswarmtest.Start(t, …) closes the fake for you.
func Example() {
	fake, err := beswarmtest.New(beswarmtest.Config{})
	if err != nil {
		panic(err)
	}
	defer fake.Close()
	client, err := beswarm.NewClient(fake.ClientConfig()) // verifies with the fake's public keys
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	login, err := client.Start()
	if err != nil {
		panic(err)
	}
	callback, err := fake.Login(ctx, login.URL) // what the browser would bring back
	if err != nil {
		panic(err)
	}
	set, err := client.Callback(ctx, login, callback)
	if err != nil {
		panic(err)
	}
	fmt.Println(set.User.Claims.TokenType, set.Application.Claims.TokenType, set.Swarm)
	if _, err := client.Callback(ctx, login, callback); err != nil {
		fmt.Println("replayed callback:", err)
	}
	renewed, err := client.Refresh(ctx, set)
	if err != nil {
		panic(err)
	}
	fmt.Println(renewed.User.Raw != set.User.Raw, fake.Count(beswarm.PathRefreshToken))
	// Output:
	// User Application testdev
	// replayed callback: beswarm: callback state mismatch: the login's callback was already used
	// true 2
}
