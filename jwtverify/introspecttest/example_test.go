package introspecttest_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/introspecttest"
)

// Verify opaque tokens against the fake endpoint, as a resource server's
// test would.
func Example() {
	srv, err := introspecttest.New(introspecttest.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	in, err := jwtverify.NewIntrospector(srv.IntrospectionConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	tok := srv.Issue(map[string]any{"sub": "alice", "scope": "orders:read", "exp": time.Now().Add(time.Hour).Unix()})
	t, err := in.Verify(context.Background(), tok)
	fmt.Println(t.Subject(), t.HasScopes("orders:read"), err)

	srv.Revoke(tok) // seen once the cached answer is older than MaxCacheTTL
	_, err = in.Verify(context.Background(), srv.Issue(map[string]any{"sub": "bob", "active": false}))
	fmt.Println(errors.Is(err, jwtverify.ErrInactive), srv.Requests())
	// Output:
	// alice true <nil>
	// true 2
}
