package googlecsetest_test

import (
	"context"
	"fmt"

	"github.com/sesame-go/sesame/jwtverify/googlecse"
	"github.com/sesame-go/sesame/jwtverify/googlecse/googlecsetest"
)

// A KACLS test against the fake IdP and Google issuer.
func Example() {
	fake, err := googlecsetest.New(googlecsetest.Config{})
	if err != nil {
		panic(err)
	}
	defer fake.Close()
	const tenant = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	tenants, _ := googlecse.NewTenantMap(googlecse.Tenant{ID: tenant, KACLSURL: "https://kacls.example",
		IdPs: []googlecse.IdP{{CSEConfigurationURL: fake.CSEConfigurationURL()}}})
	v, _ := googlecse.New(googlecse.Config{Tenants: tenants, HTTPClient: fake.Client(), GoogleKeysURL: fake.GoogleKeysURL(),
		Auditor: googlecse.NewJSONAuditor(discard{})})
	a, err := v.VerifyAuthentication(context.Background(), tenant, fake.MintAuthentication("bob@example.com", nil), googlecse.UserAuthentication, googlecse.OpUnwrap)
	fmt.Println(a.Email, err)
	// Output: bob@example.com <nil>
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
