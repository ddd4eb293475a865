package googlecse_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/googlecse"
	"github.com/sesame-go/sesame/jwtverify/googlecse/googlecsetest"
)

// TestPairOverHTTPS: a user's authentication token (remote IdP through
// cse-configuration, discovery and JWKS over HTTPS) and Google's authorization
// token for unwrap verify, pair, and leave one valid record each.
func TestPairOverHTTPS(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	authn, err := e.v.VerifyAuthentication(ctx, tenantRemote, e.fake.MintAuthentication("Alice@Example.com", map[string]any{"hd": "example.com"}), googlecse.UserAuthentication, googlecse.OpUnwrap)
	if err != nil {
		t.Fatal(err)
	}
	rec := e.one(t)
	if !rec.Valid || rec.Source != googlecse.SourceRemote || rec.Type != googlecse.UserAuthentication || val(rec.JWT.Email) != "Alice@Example.com" ||
		val(rec.JWT.Iss) != e.fake.Issuer || rec.JWT.NumberOfCustomClaims != 1 || val(rec.JWK.Alg) != "RS256" || !rec.JWK.Kid.Present || rec.Details != "" {
		t.Fatalf("authentication record: %+v", rec)
	}
	authz, err := e.v.VerifyAuthorization(ctx, tenantRemote, e.authz(t, googlecse.IssuerDrive, map[string]any{"role": "reader"}), googlecse.OpUnwrap)
	if err != nil {
		t.Fatal(err)
	}
	if rec := e.one(t); !rec.Valid || rec.Type != googlecse.Authorization || val(rec.JWT.KACLSURL) != kaclsURL || val(rec.JWT.ResourceName) != resource {
		t.Fatalf("authorization record: %+v", rec)
	}
	if err := e.v.VerifyPair(ctx, tenantRemote, authn, authz); err != nil {
		t.Fatalf("pair (emails differ only by case): %v", err)
	}
	if rec := e.one(t); !rec.Valid || rec.Type != googlecse.AuthorizationPair {
		t.Fatalf("pair record: %+v", rec)
	}
	// A second tenant's call through Google's same issuer shares its keys.
	before := e.fake.Count(googlecsetest.PathGoogleKeys + googlecse.IssuerDrive)
	if _, err := e.v.VerifyAuthorization(ctx, tenantLocal, e.authz(t, googlecse.IssuerDrive, nil), googlecse.OpWrap); err != nil {
		t.Fatal(err)
	}
	e.one(t)
	if n := e.fake.Count(googlecsetest.PathGoogleKeys + googlecse.IssuerDrive); n != before {
		t.Fatalf("Google's keys fetched again for another tenant (%d -> %d)", before, n)
	}
}

// TestBadInput: every refusal asserts its sentinel and the one record written
// (valid false, the details, the type), and that nothing was accepted.
func TestBadInput(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	now := time.Now()
	type call func() error
	authn := func(tenant, raw string, typ googlecse.TokenType) call {
		return func() error {
			a, err := e.v.VerifyAuthentication(ctx, tenant, raw, typ, googlecse.OpUnwrap)
			if a != nil && err != nil {
				t.Fatal("a result with an error")
			}
			return err
		}
	}
	authz := func(raw string, op googlecse.Operation) call {
		return func() error {
			a, err := e.v.VerifyAuthorization(ctx, tenantRemote, raw, op)
			if a != nil && err != nil {
				t.Fatal("a result with an error")
			}
			return err
		}
	}
	kacls := func(raw string) call {
		return func() error { _, err := e.v.VerifyKACLSToKACLS(ctx, tenantRemote, raw, resource); return err }
	}
	pair := func(authnRaw, authzRaw string, typ googlecse.TokenType) call {
		return func() error {
			a, err := e.v.VerifyAuthentication(ctx, tenantRemote, authnRaw, typ, googlecse.OpUnwrap)
			if err != nil {
				t.Fatalf("pair's authentication: %v", err)
			}
			z, err := e.v.VerifyAuthorization(ctx, tenantRemote, authzRaw, googlecse.OpUnwrap)
			if err != nil {
				t.Fatalf("pair's authorization: %v", err)
			}
			e.audit.take()
			return e.v.VerifyPair(ctx, tenantRemote, a, z)
		}
	}
	fa := e.fake.MintAuthentication
	drive := func(c map[string]any) string { return e.authz(t, googlecse.IssuerDrive, c) }
	long := strings.Repeat("r", 129)
	cases := []struct {
		name    string
		do      call
		want    error
		details string
		typ     googlecse.TokenType
	}{
		{"authn expired", authn(tenantRemote, fa("a@x.com", map[string]any{"exp": now.Add(-time.Hour).Unix(), "iat": now.Add(-2 * time.Hour).Unix()}), googlecse.UserAuthentication), jwtverify.ErrExpired, "JWT expired", googlecse.UserAuthentication},
		{"authn not yet valid", authn(tenantRemote, fa("a@x.com", map[string]any{"nbf": now.Add(time.Hour).Unix()}), googlecse.UserAuthentication), jwtverify.ErrNotYetValid, "JWT not yet valid (nbf)", googlecse.UserAuthentication},
		{"authn wrong aud", authn(tenantRemote, fa("a@x.com", map[string]any{"aud": "another-client"}), googlecse.AdminAuthentication), jwtverify.ErrAudience, "audience mismatch (aud)", googlecse.AdminAuthentication},
		{"authn wrong iss", authn(tenantRemote, fa("a@x.com", map[string]any{"iss": "https://evil.example"}), googlecse.UserAuthentication), googlecse.ErrIssuer, "untrusted issuer (iss)", googlecse.UserAuthentication},
		{"authn unknown kid", authn(tenantLocal, e.localAuthnKid("not-published"), googlecse.UserAuthentication), jwtverify.ErrUnknownKey, "unknown key (kid)", googlecse.UserAuthentication},
		{"authn without email", authn(tenantLocal, e.localAuthn(map[string]any{"email": nil}), googlecse.UserAuthentication), jwtverify.ErrMissingClaim, "email missing", googlecse.UserAuthentication},
		{"authn kacls type", authn(tenantRemote, fa("a@x.com", nil), googlecse.KACLSToKACLSAuthentication), googlecse.ErrTokenType, "wrong token type", googlecse.KACLSToKACLSAuthentication},
		{"tenant not a uuid v4", authn("025f02fe-bee2-144b-bf76-b5ead30327c0", fa("a@x.com", nil), googlecse.UserAuthentication), googlecse.ErrTenant, "unknown tenant", googlecse.UserAuthentication},
		{"tenant unknown", authn("11111111-2222-4333-8444-555555555555", fa("a@x.com", nil), googlecse.UserAuthentication), googlecse.ErrTenant, "unknown tenant", googlecse.UserAuthentication},
		{"delegate without delegated_to", authn(tenantRemote, fa("a@x.com", map[string]any{"resource_name": resource}), googlecse.DelegateAuthentication), googlecse.ErrDelegation, "delegated_to missing", googlecse.DelegateAuthentication},
		{"delegate without resource_name", authn(tenantRemote, fa("a@x.com", map[string]any{"delegated_to": "bob@example.com"}), googlecse.DelegateAuthentication), googlecse.ErrResourceName, "resource_name missing", googlecse.DelegateAuthentication},
		{"delegate without either", authn(tenantRemote, fa("a@x.com", nil), googlecse.DelegateAuthentication), googlecse.ErrDelegation, "delegated_to missing", googlecse.DelegateAuthentication},
		{"authn without exp", authn(tenantLocal, e.localAuthn(map[string]any{"exp": nil}), googlecse.UserAuthentication), jwtverify.ErrMissingClaim, "exp missing", googlecse.UserAuthentication},
		{"authn without aud", authn(tenantLocal, e.localAuthn(map[string]any{"aud": nil}), googlecse.UserAuthentication), jwtverify.ErrMissingClaim, "aud missing", googlecse.UserAuthentication},
		{"authn email not a string", authn(tenantLocal, e.localAuthn(map[string]any{"email": []string{"a@x.com"}}), googlecse.UserAuthentication), jwtverify.ErrMalformed, "email not a string", googlecse.UserAuthentication},
		{"authn google_email not a string", authn(tenantLocal, e.localAuthn(map[string]any{"google_email": 1}), googlecse.UserAuthentication), jwtverify.ErrMalformed, "google_email not a string", googlecse.UserAuthentication},
		{"authz without resource_name", authz(drive(map[string]any{"resource_name": nil}), googlecse.OpUnwrap), googlecse.ErrResourceName, "resource_name missing", googlecse.Authorization},
		{"authz without kacls_url", authz(drive(map[string]any{"kacls_url": nil}), googlecse.OpUnwrap), googlecse.ErrKACLSURL, "kacls_url missing", googlecse.Authorization},
		{"authz without role", authz(drive(map[string]any{"role": nil}), googlecse.OpUnwrap), googlecse.ErrRole, "role missing", googlecse.Authorization},
		{"authz without email", authz(drive(map[string]any{"email": nil}), googlecse.OpUnwrap), jwtverify.ErrMissingClaim, "email missing", googlecse.Authorization},
		{"authz email_type unknown", authz(drive(map[string]any{"email_type": "robot"}), googlecse.OpUnwrap), jwtverify.ErrMalformed, "email_type unknown", googlecse.Authorization},
		{"authz perimeter_id not a string", authz(drive(map[string]any{"perimeter_id": 3}), googlecse.OpUnwrap), jwtverify.ErrMalformed, "perimeter_id not a string", googlecse.Authorization},
		{"delegate authz without delegated_to", authz(drive(nil), googlecse.OpDelegate), googlecse.ErrDelegation, "delegated_to missing", googlecse.Authorization},
		{"kacls without resource_name", kacls(e.fake.MintKACLSToKACLS(map[string]any{"kacls_url": kaclsURL})), googlecse.ErrResourceName, "resource_name missing", googlecse.KACLSToKACLSAuthentication},
		{"kacls without kacls_url", kacls(e.fake.MintKACLSToKACLS(map[string]any{"resource_name": resource})), googlecse.ErrKACLSURL, "kacls_url missing", googlecse.KACLSToKACLSAuthentication},
		{"authz role not allowed", authz(drive(map[string]any{"role": "reader"}), googlecse.OpWrap), googlecse.ErrRole, "role not allowed for the operation", googlecse.Authorization},
		{"authz upgrader cannot unwrap", authz(drive(map[string]any{"role": "upgrader"}), googlecse.OpUnwrap), googlecse.ErrRole, "role not allowed for the operation", googlecse.Authorization},
		{"authz other KACLS", authz(drive(map[string]any{"kacls_url": "https://other-kacls.example"}), googlecse.OpUnwrap), googlecse.ErrKACLSURL, "kacls_url mismatch", googlecse.Authorization},
		{"authz resource_name over 128 bytes", authz(drive(map[string]any{"resource_name": long}), googlecse.OpUnwrap), googlecse.ErrResourceName, "resource_name too long", googlecse.Authorization},
		{"authz expired", authz(drive(map[string]any{"exp": now.Add(-time.Hour).Unix(), "iat": now.Add(-2 * time.Hour).Unix()}), googlecse.OpUnwrap), jwtverify.ErrExpired, "JWT expired", googlecse.Authorization},
		{"authz wrong aud", authz(drive(map[string]any{"aud": "cse-authorisation"}), googlecse.OpUnwrap), jwtverify.ErrAudience, "audience mismatch (aud)", googlecse.Authorization},
		{"authz issuer not Google's", authz(fa("a@x.com", map[string]any{"aud": "cse-authorization", "role": "writer", "kacls_url": kaclsURL, "resource_name": resource}), googlecse.OpUnwrap), googlecse.ErrIssuer, "untrusted issuer (iss)", googlecse.Authorization},
		{"kacls untrusted peer", kacls(fa("a@x.com", map[string]any{"iss": "https://evil.example/kacls", "aud": "kacls-migration"})), googlecse.ErrIssuer, "untrusted issuer (iss)", googlecse.KACLSToKACLSAuthentication},
		{"kacls other KACLS", kacls(e.fake.MintKACLSToKACLS(map[string]any{"kacls_url": "https://other.example", "resource_name": resource})), googlecse.ErrKACLSURL, "kacls_url mismatch", googlecse.KACLSToKACLSAuthentication},
		{"kacls expired", kacls(e.fake.MintKACLSToKACLS(map[string]any{"kacls_url": kaclsURL, "resource_name": resource, "exp": now.Add(-time.Hour).Unix(), "iat": now.Add(-2 * time.Hour).Unix()})), jwtverify.ErrExpired, "JWT expired", googlecse.KACLSToKACLSAuthentication},
		{"pair emails differ by one character", pair(fa("alice@example.com", nil), drive(map[string]any{"email": "alicf@example.com", "role": "reader"}), googlecse.UserAuthentication), googlecse.ErrEmail, "email mismatch", googlecse.AuthorizationPair},
		{"pair google_email wins", pair(fa("alice@corp.example", map[string]any{"google_email": "bob@example.com"}), drive(map[string]any{"role": "reader"}), googlecse.UserAuthentication), googlecse.ErrEmail, "email mismatch", googlecse.AuthorizationPair},
		{"pair guest refused", pair(fa("alice@example.com", nil), drive(map[string]any{"role": "reader", "email_type": "google-visitor"}), googlecse.UserAuthentication), googlecse.ErrGuest, "email_type not allowed (guest)", googlecse.AuthorizationPair},
		{"pair delegate resource differs", pair(fa("alice@example.com", map[string]any{"delegated_to": "bob@example.com", "resource_name": resource + "x"}), drive(map[string]any{"role": "reader", "delegated_to": "bob@example.com"}), googlecse.DelegateAuthentication), googlecse.ErrResourceName, "resource_name mismatch", googlecse.AuthorizationPair},
		{"pair delegate to someone else", pair(fa("alice@example.com", map[string]any{"delegated_to": "bob@example.com", "resource_name": resource}), drive(map[string]any{"role": "reader", "delegated_to": "carol@example.com"}), googlecse.DelegateAuthentication), googlecse.ErrDelegation, "delegated_to mismatch", googlecse.AuthorizationPair},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.audit.take()
			err := c.do()
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			rec := e.one(t)
			if rec.Valid || rec.Details != c.details || rec.Type != c.typ {
				t.Fatalf("record: valid %v, details %q, type %q; want false, %q, %q", rec.Valid, rec.Details, rec.Type, c.details, c.typ)
			}
		})
	}
}

// TestUntrustedIssuersFetchNothing: an authorization token naming an issuer
// outside Google's list, or a kacls-to-kacls token naming an untrusted peer,
// is refused before any request: the token never chooses a key URL.
func TestUntrustedIssuersFetchNothing(t *testing.T) {
	var hits int
	evil := newCountingServer(t, &hits)
	e := newEnv(t, nil)
	ctx := context.Background()
	tok := e.fake.MintKACLSToKACLS(map[string]any{"iss": evil, "kacls_url": kaclsURL, "resource_name": resource})
	if _, err := e.v.VerifyKACLSToKACLS(ctx, tenantRemote, tok, resource); !errors.Is(err, googlecse.ErrIssuer) {
		t.Fatalf("err = %v, want ErrIssuer", err)
	}
	tok = e.fake.MintKACLSToKACLS(map[string]any{"iss": evil + "/../", "aud": "cse-authorization", "kacls_url": kaclsURL, "resource_name": resource})
	if _, err := e.v.VerifyAuthorization(ctx, tenantRemote, tok, googlecse.OpUnwrap); !errors.Is(err, googlecse.ErrIssuer) {
		t.Fatalf("err = %v, want ErrIssuer", err)
	}
	if hits != 0 || e.v.Sources() != 0 {
		t.Fatalf("%d requests to the token's URL, %d sources made", hits, e.v.Sources())
	}
}

// TestGmailResourceName: Gmail's resource_name may be up to 512 bytes.
func TestGmailResourceName(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	name := strings.Repeat("g", 512)
	if _, err := e.v.VerifyAuthorization(ctx, tenantRemote, e.authz(t, googlecse.IssuerGmail, map[string]any{"role": "decrypter", "resource_name": name}), googlecse.OpPrivateKeyDecrypt); err != nil {
		t.Fatalf("Gmail, 512 bytes: %v", err)
	}
	if _, err := e.v.VerifyAuthorization(ctx, tenantRemote, e.authz(t, googlecse.IssuerGmail, map[string]any{"role": "decrypter", "resource_name": name + "g"}), googlecse.OpPrivateKeyDecrypt); !errors.Is(err, googlecse.ErrResourceName) {
		t.Fatalf("Gmail, 513 bytes: %v", err)
	}
	if _, err := e.v.VerifyAuthorization(ctx, tenantRemote, e.authz(t, googlecse.IssuerDrive, map[string]any{"role": "reader", "resource_name": name}), googlecse.OpUnwrap); !errors.Is(err, googlecse.ErrResourceName) {
		t.Fatalf("Drive, 512 bytes: %v", err)
	}
}

// TestRemoteIdPFaults: a cse-configuration that is not JSON, a discovery_uri
// that is not https, an empty JWKS, an IdP down: each is refused and audited.
func TestRemoteIdPFaults(t *testing.T) {
	for _, c := range []struct {
		name   string
		faults googlecsetest.Faults
		want   error
	}{
		{"not JSON", googlecsetest.Faults{CSEConfigurationJSON: true}, googlecse.ErrIdPConfiguration},
		{"discovery over http", googlecsetest.Faults{DiscoveryOverHTTP: true}, googlecse.ErrIdPConfiguration},
		{"empty JWKS", googlecsetest.Faults{EmptyJWKS: true}, jwtverify.ErrUnavailable},
		{"IdP down", googlecsetest.Faults{Down: true}, googlecse.ErrUnavailable},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.fake.SetFaults(c.faults)
			_, err := e.v.VerifyAuthentication(context.Background(), tenantRemote, e.fake.MintAuthentication("a@x.com", nil), googlecse.UserAuthentication, googlecse.OpUnwrap)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if rec := e.one(t); rec.Valid || rec.Details == "" {
				t.Fatalf("record %+v", rec)
			}
		})
	}
}

// TestManyTenants: 10,000 tenants each with its own JWKS URL cost a source only
// when used.
func TestManyTenants(t *testing.T) {
	e := newEnv(t, func(cfg *googlecse.Config, tenants *[]googlecse.Tenant) {
		for i := range 10_000 {
			id := strings.Replace("00000000-0000-4000-8000-000000000000", "00000000", strings.Repeat("0", 8-len(itoa(i)))+itoa(i), 1)
			*tenants = append(*tenants, googlecse.Tenant{ID: id, KACLSURL: kaclsURL,
				IdPs: []googlecse.IdP{{Issuer: "https://idp" + itoa(i) + ".example", Audiences: []string{"c"}, JWKSURL: "https://idp" + itoa(i) + ".example/jwks"}}})
		}
	})
	if n := e.v.Sources(); n != 0 {
		t.Fatalf("%d sources before any call", n)
	}
	for i := range 3 {
		id := strings.Replace("00000000-0000-4000-8000-000000000000", "00000000", strings.Repeat("0", 8-len(itoa(i)))+itoa(i), 1)
		_, _ = e.v.VerifyAuthentication(context.Background(), id, "x.y.z", googlecse.UserAuthentication, googlecse.OpUnwrap)
	}
	if n := e.v.Sources(); n > 3 {
		t.Fatalf("%d sources after 3 tenants' calls", n)
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
