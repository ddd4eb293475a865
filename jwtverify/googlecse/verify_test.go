package googlecse_test

import (
	"context"
	"encoding/base64"
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

// TestNotAJWT: a string that is not a JWT is jwtverify.ErrMalformed for every
// call, whatever issuer its payload names, never "untrusted issuer"; an
// unreadable one makes no request. A JWT without a string iss says so.
func TestNotAJWT(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	b64 := base64.RawURLEncoding.EncodeToString
	header := b64([]byte(`{"alg":"RS256","kid":"rsa-1"}`))
	evil := b64([]byte(`{"iss":"https://evil.example","aud":"x","email":"a@x.com"}`))
	calls := map[string]func(raw string) error{
		"authentication": func(raw string) error {
			_, err := e.v.VerifyAuthentication(ctx, tenantRemote, raw, googlecse.UserAuthentication, googlecse.OpUnwrap)
			return err
		},
		"authorization": func(raw string) error {
			_, err := e.v.VerifyAuthorization(ctx, tenantRemote, raw, googlecse.OpUnwrap)
			return err
		},
		"kacls-to-kacls": func(raw string) error {
			_, err := e.v.VerifyKACLSToKACLS(ctx, tenantRemote, raw, resource)
			return err
		},
	}
	for _, c := range []struct {
		name       string
		raw        string
		want       error
		details    string
		unreadable bool // nothing may be fetched for it
	}{
		{"prose", "not a token", jwtverify.ErrMalformed, "malformed JWT", true},
		{"empty", "", jwtverify.ErrMalformed, "malformed JWT", true},
		{"three words", "x.y.z", jwtverify.ErrMalformed, "malformed JWT", true},
		{"two segments", header + "." + evil, jwtverify.ErrMalformed, "malformed JWT", true},
		{"four segments", header + "." + evil + ".c2ln.c2ln", jwtverify.ErrMalformed, "malformed JWT", true},
		{"payload not JSON", header + "." + b64([]byte("iss=evil")) + ".c2ln", jwtverify.ErrMalformed, "malformed JWT", true},
		{"header not JSON, an issuer in the payload", b64([]byte("RS256")) + "." + evil + ".c2ln", jwtverify.ErrMalformed, "malformed JWT", false},
		{"signature not base64url", header + "." + evil + ".c2ln+/=", jwtverify.ErrMalformed, "malformed JWT", false},
		{"padded payload", header + "." + evil + "=.c2ln", jwtverify.ErrMalformed, "malformed JWT", true},
		{"line break", header + ".\n" + evil + ".c2ln", jwtverify.ErrMalformed, "malformed JWT", false},
		{"iss repeated", header + "." + b64([]byte(`{"iss":"https://evil.example","iss":"https://idp"}`)) + ".c2ln", jwtverify.ErrMalformed, "malformed JWT", false},
		{"no iss", header + "." + b64([]byte(`{"aud":"x","email":"a@x.com"}`)) + ".c2ln", jwtverify.ErrMissingClaim, "iss missing", true},
		{"iss a number", header + "." + b64([]byte(`{"iss":7}`)) + ".c2ln", jwtverify.ErrMalformed, "iss not a string", true},
	} {
		for call, do := range calls {
			t.Run(c.name+"/"+call, func(t *testing.T) {
				e.audit.take()
				before := e.fake.Count(googlecsetest.PathCSEConfiguration)
				err := do(c.raw)
				if !errors.Is(err, c.want) || errors.Is(err, googlecse.ErrIssuer) {
					t.Fatalf("err = %v, want %v", err, c.want)
				}
				if rec := e.one(t); rec.Valid || rec.Details != c.details {
					t.Fatalf("record: valid %v, details %q; want %q", rec.Valid, rec.Details, c.details)
				}
				if n := e.fake.Count(googlecsetest.PathCSEConfiguration); c.unreadable && n != before {
					t.Fatalf("%d fetches of the IdP's configuration for an unreadable token", n-before)
				}
			})
		}
	}
}

// TestRequestValues: a privileged unwrap's kacls-to-kacls token is checked
// against the request's resource_name, /delegate is an operation whose
// kacls_owner_domain is checked, the two tokens of a pair are for one
// operation, and each refusal is in a record naming the operation.
func TestRequestValues(t *testing.T) {
	e := newEnv(t, func(_ *googlecse.Config, tenants *[]googlecse.Tenant) { (*tenants)[0].OwnerDomain = "Example.com" })
	ctx := context.Background()
	peer := e.fake.MintKACLSToKACLS(map[string]any{"kacls_url": kaclsURL, "resource_name": resource})
	delegation := func(c map[string]any) string {
		return e.authz(t, googlecse.IssuerMeet, merge(map[string]any{"role": nil, "delegated_to": "bot@example.com", "resource_name": "meeting-1"}, c))
	}
	user := e.fake.MintAuthentication("alice@example.com", nil)
	for _, c := range []struct {
		name    string
		do      func() error
		want    error // nil: valid
		details string
		op      googlecse.Operation
	}{
		{"privileged unwrap, same resource", func() error {
			k, err := e.v.VerifyKACLSToKACLS(ctx, tenantRemote, peer, resource)
			if err == nil && k.ResourceName != resource {
				t.Errorf("ResourceName %q", k.ResourceName)
			}
			return err
		}, nil, "", googlecse.OpPrivilegedUnwrap},
		{"privileged unwrap, another resource", func() error {
			k, err := e.v.VerifyKACLSToKACLS(ctx, tenantRemote, peer, resource+"-other")
			if k != nil {
				t.Error("a result with an error")
			}
			return err
		}, googlecse.ErrResourceName, "resource_name mismatch", googlecse.OpPrivilegedUnwrap},
		{"privileged unwrap, no resource in the request", func() error {
			_, err := e.v.VerifyKACLSToKACLS(ctx, tenantRemote, peer, "")
			return err
		}, googlecse.ErrResourceName, "resource_name mismatch", googlecse.OpPrivilegedUnwrap},
		{"delegate, owner domain matches (case aside)", func() error {
			z, err := e.v.VerifyAuthorization(ctx, tenantRemote, delegation(map[string]any{"kacls_owner_domain": "example.COM"}), googlecse.OpDelegate)
			if err == nil && (z.DelegatedTo != "bot@example.com" || z.ResourceName != "meeting-1" || z.OwnerDomain != "example.COM" || z.Operation != googlecse.OpDelegate) {
				t.Errorf("token %+v", z)
			}
			return err
		}, nil, "", googlecse.OpDelegate},
		{"delegate, no owner domain in the token", func() error {
			_, err := e.v.VerifyAuthorization(ctx, tenantRemote, delegation(nil), googlecse.OpDelegate)
			return err
		}, nil, "", googlecse.OpDelegate},
		{"delegate, another owner domain", func() error {
			_, err := e.v.VerifyAuthorization(ctx, tenantRemote, delegation(map[string]any{"kacls_owner_domain": "evil.example"}), googlecse.OpDelegate)
			return err
		}, googlecse.ErrOwnerDomain, "kacls_owner_domain mismatch", googlecse.OpDelegate},
		{"delegate, tenant without OwnerDomain", func() error {
			_, err := e.v.VerifyAuthorization(ctx, tenantLocal, delegation(map[string]any{"kacls_owner_domain": "example.com"}), googlecse.OpDelegate)
			return err
		}, googlecse.ErrOwnerDomain, "kacls_owner_domain unchecked", googlecse.OpDelegate},
		{"delegate, without resource_name", func() error {
			_, err := e.v.VerifyAuthorization(ctx, tenantRemote, delegation(map[string]any{"resource_name": nil}), googlecse.OpDelegate)
			return err
		}, googlecse.ErrResourceName, "resource_name missing", googlecse.OpDelegate},
		{"unwrap, another owner domain", func() error {
			_, err := e.v.VerifyAuthorization(ctx, tenantRemote, e.authz(t, googlecse.IssuerDrive, map[string]any{"kacls_owner_domain": "evil.example"}), googlecse.OpUnwrap)
			return err
		}, googlecse.ErrOwnerDomain, "kacls_owner_domain mismatch", googlecse.OpUnwrap},
		{"unwrap, tenant without OwnerDomain", func() error {
			_, err := e.v.VerifyAuthorization(ctx, tenantLocal, e.authz(t, googlecse.IssuerDrive, map[string]any{"kacls_owner_domain": "example.com"}), googlecse.OpUnwrap)
			return err
		}, nil, "", googlecse.OpUnwrap},
		{"authentication for rewrap", func() error {
			_, err := e.v.VerifyAuthentication(ctx, tenantRemote, user, googlecse.UserAuthentication, googlecse.OpRewrap)
			return err
		}, googlecse.ErrTokenType, "wrong token type", googlecse.OpRewrap},
		{"authorization for privilegedunwrap", func() error {
			_, err := e.v.VerifyAuthorization(ctx, tenantRemote, e.authz(t, googlecse.IssuerDrive, nil), googlecse.OpPrivilegedUnwrap)
			return err
		}, googlecse.ErrTokenType, "wrong token type", googlecse.OpPrivilegedUnwrap},
		{"unknown operation", func() error {
			_, err := e.v.VerifyAuthorization(ctx, tenantRemote, e.authz(t, googlecse.IssuerDrive, nil), "frobnicate")
			return err
		}, googlecse.ErrTokenType, "wrong token type", "frobnicate"},
		{"privileged unwrap by an IdP's token", func() error {
			_, err := e.v.VerifyAuthentication(ctx, tenantRemote, user, googlecse.AdminAuthentication, googlecse.OpPrivilegedUnwrap)
			return err
		}, nil, "", googlecse.OpPrivilegedUnwrap},
		{"pair of two operations", func() error {
			a, err := e.v.VerifyAuthentication(ctx, tenantRemote, user, googlecse.UserAuthentication, googlecse.OpWrap)
			if err != nil {
				t.Fatal(err)
			}
			z, err := e.v.VerifyAuthorization(ctx, tenantRemote, e.authz(t, googlecse.IssuerDrive, map[string]any{"role": "reader"}), googlecse.OpUnwrap)
			if err != nil {
				t.Fatal(err)
			}
			e.audit.take()
			return e.v.VerifyPair(ctx, tenantRemote, a, z)
		}, googlecse.ErrTokenType, "wrong token type", googlecse.OpUnwrap},
		{"pair of a delegation", func() error {
			a, err := e.v.VerifyAuthentication(ctx, tenantRemote, user, googlecse.UserAuthentication, googlecse.OpDelegate)
			if err != nil {
				t.Fatal(err)
			}
			z, err := e.v.VerifyAuthorization(ctx, tenantRemote, delegation(nil), googlecse.OpDelegate)
			if err != nil {
				t.Fatal(err)
			}
			e.audit.take()
			return e.v.VerifyPair(ctx, tenantRemote, a, z)
		}, nil, "", googlecse.OpDelegate},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.audit.take()
			err := c.do()
			if c.want == nil && err != nil || !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			rec := e.one(t)
			if rec.Valid != (c.want == nil) || rec.Details != c.details || rec.Operation != c.op {
				t.Fatalf("record: valid %v, details %q, operation %q; want %v, %q, %q", rec.Valid, rec.Details, rec.Operation, c.want == nil, c.details, c.op)
			}
		})
	}
}

// TestDiscoveryIssuer: a remote IdP's discovery document naming another issuer
// than the one it was fetched for is refused as the IdP's configuration
// error, for a token of either issuer (OpenID Connect Discovery §4.3); the
// issuer with a trailing slash is the same issuer.
func TestDiscoveryIssuer(t *testing.T) {
	for _, c := range []struct {
		name, docIssuer, tokenIssuer string // "" : the fake's Issuer
		ok                           bool
	}{
		{"the document names the token's issuer, not its own", "https://evil.example", "https://evil.example", false},
		{"the document names another issuer", "https://evil.example", "", false},
		{"a trailing slash", "/", "/", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, nil)
			fix := func(iss string) string {
				if iss == "" || iss == "/" {
					return e.fake.Issuer + iss
				}
				return iss
			}
			e.fake.SetFaults(googlecsetest.Faults{DiscoveryIssuer: fix(c.docIssuer)})
			raw := e.fake.MintAuthentication("a@x.com", map[string]any{"iss": fix(c.tokenIssuer)})
			_, err := e.v.VerifyAuthentication(context.Background(), tenantRemote, raw, googlecse.UserAuthentication, googlecse.OpUnwrap)
			rec := e.one(t)
			if c.ok {
				if err != nil || !rec.Valid {
					t.Fatalf("err = %v, record %+v", err, rec)
				}
				return
			}
			if !errors.Is(err, googlecse.ErrIdPConfiguration) || errors.Is(err, googlecse.ErrIssuer) || !strings.Contains(err.Error(), "configuration is wrong") {
				t.Fatalf("err = %v, want ErrIdPConfiguration saying the configuration is wrong", err)
			}
			if rec.Valid || rec.Details != "IdP configuration wrong" {
				t.Fatalf("record: valid %v, details %q", rec.Valid, rec.Details)
			}
		})
	}
}

// TestPairTenant: a pair binds both tokens to the call's tenant: tokens
// verified for another tenant are refused (ErrTenant), and so are tokens
// this package did not verify (ErrTokenType); each refusal has its record.
func TestPairTenant(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	authn, err := e.v.VerifyAuthentication(ctx, tenantLocal, e.localAuthn(nil), googlecse.UserAuthentication, googlecse.OpUnwrap)
	if err != nil {
		t.Fatal(err)
	}
	local, err := e.v.VerifyAuthorization(ctx, tenantLocal, e.authz(t, googlecse.IssuerDrive, map[string]any{"role": "reader"}), googlecse.OpUnwrap)
	if err != nil {
		t.Fatal(err)
	}
	remote, err := e.v.VerifyAuthorization(ctx, tenantRemote, e.authz(t, googlecse.IssuerDrive, map[string]any{"role": "reader"}), googlecse.OpUnwrap)
	if err != nil {
		t.Fatal(err)
	}
	e.audit.take()
	for _, c := range []struct {
		name   string
		tenant string
		authz  *googlecse.AuthorizationToken
		want   error
	}{
		{"authorization of another tenant", tenantLocal, remote, googlecse.ErrTenant},
		{"authentication of another tenant", tenantRemote, remote, googlecse.ErrTenant},
		{"both of another tenant", tenantRemote, local, googlecse.ErrTenant},
		{"not verified here", tenantLocal, &googlecse.AuthorizationToken{Operation: googlecse.OpUnwrap, Token: local.Token, Email: local.Email}, googlecse.ErrTokenType},
		{"unknown tenant", "00000000-0000-4000-8000-000000000000", &googlecse.AuthorizationToken{}, googlecse.ErrTenant},
		{"same tenant", tenantLocal, local, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := e.v.VerifyPair(ctx, c.tenant, authn, c.authz)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			rec := e.one(t)
			if rec.Valid != (c.want == nil) || rec.Type != googlecse.AuthorizationPair {
				t.Fatalf("record %+v", rec)
			}
			if c.want == googlecse.ErrTenant && c.name != "unknown tenant" && rec.Details != "tokens of another tenant" {
				t.Fatalf("details %q", rec.Details)
			}
		})
	}
}
