package googlecse_test

import (
	"context"
	"fmt"

	"github.com/sesame-go/sesame/jwtverify/googlecse"
	"github.com/sesame-go/sesame/jwtverify/googlecse/googlecsetest"
)

// Verify the two tokens of an unwrap call against the fakes, with the audit
// records written as JSON lines.
func Example() {
	fake, _ := googlecsetest.New(googlecsetest.Config{})
	defer fake.Close()
	const tenantID, kacls = "025f02fe-bee2-444b-bf76-b5ead30327c0", "https://kacls.example/t1"
	tenants, _ := googlecse.NewTenantMap(googlecse.Tenant{ID: tenantID, KACLSURL: kacls,
		IdPs: []googlecse.IdP{{CSEConfigurationURL: fake.CSEConfigurationURL()}}}) // in production: googlecse.RemoteIdP("example.com")
	v, _ := googlecse.New(googlecse.Config{Tenants: tenants, Auditor: &printAuditor{}, HTTPClient: fake.Client(),
		GoogleKeysURL: fake.GoogleKeysURL()})

	ctx := context.Background()
	authn, err := v.VerifyAuthentication(ctx, tenantID, fake.MintAuthentication("alice@example.com", nil), googlecse.UserAuthentication, googlecse.OpUnwrap)
	if err != nil {
		fmt.Println(err)
		return
	}
	raw, _ := fake.MintAuthorization(googlecse.IssuerDrive, map[string]any{"email": "Alice@example.com", "role": "reader",
		"kacls_url": kacls, "resource_name": "//googleapis.com/drive/files/1"})
	authz, err := v.VerifyAuthorization(ctx, tenantID, raw, googlecse.OpUnwrap)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("pair:", v.VerifyPair(ctx, tenantID, authn, authz))
	_, err = v.VerifyAuthorization(ctx, tenantID, raw, googlecse.OpWrap) // a reader cannot wrap
	fmt.Println(err)
	// Output:
	// user_authentication valid=true details=""
	// authorization valid=true details=""
	// authentication_authorization_pair valid=true details=""
	// pair: <nil>
	// authorization valid=false details="role not allowed for the operation"
	// googlecse: role not allowed for the operation: role "reader" for "wrap"
}

// printAuditor prints the gist of each record.
type printAuditor struct{}

func (printAuditor) Audit(_ context.Context, r *googlecse.AuditRecord) {
	fmt.Printf("%s valid=%v details=%q\n", r.Type, r.Valid, r.Details)
}
