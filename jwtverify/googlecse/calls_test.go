package googlecse_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/googlecse"
	"github.com/sesame-go/sesame/jwtverify/googlecse/googlecsetest"
)

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
