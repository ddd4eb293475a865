package googlecse_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sesame-go/sesame/jwtverify/googlecse"
)

// TestCustomClaimsPerKind: every claim Google's CSE reference documents for a
// token's kind (authentication, delegate, kacls-to-kacls, and the Drive, Gmail
// and migration authorization tokens) counts as defined, and so do RFC 7519's
// registered claims; number_of_custom_claims counts only the others.
func TestCustomClaimsPerKind(t *testing.T) {
	e := newEnv(t, func(_ *googlecse.Config, tenants *[]googlecse.Tenant) { (*tenants)[0].OwnerDomain = "example.com" })
	ctx := context.Background()
	fa := e.fake.MintAuthentication
	authn := func(raw string, typ googlecse.TokenType) func() error {
		return func() error {
			_, err := e.v.VerifyAuthentication(ctx, tenantRemote, raw, typ, googlecse.OpUnwrap)
			return err
		}
	}
	authz := func(iss string, op googlecse.Operation, claims map[string]any) func() error {
		raw := e.authz(t, iss, claims)
		return func() error {
			_, err := e.v.VerifyAuthorization(ctx, tenantRemote, raw, op)
			return err
		}
	}
	now := time.Now().Unix()
	gmail := map[string]any{"role": "decrypter", "message_id": "18c2f1", "spki_hash": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
		"spki_hash_algorithm": "SHA-256", "perimeter_id": "eu", "kacls_owner_domain": "example.com"}
	cases := []struct {
		name string
		do   func() error
		want int
	}{
		{"user authentication, its claims and RFC 7519's", authn(fa("a@x.com", map[string]any{"google_email": "a@example.com", "sub": "1", "nbf": now, "jti": "j"}), googlecse.UserAuthentication), 0},
		{"user authentication, an IdP's own claims", authn(fa("a@x.com", map[string]any{"hd": "x.com", "name": "A", "resource_name": resource}), googlecse.UserAuthentication), 3},
		{"admin authentication", authn(fa("a@x.com", map[string]any{"google_email": "a@example.com", "amr": []string{"pwd"}}), googlecse.AdminAuthentication), 1},
		{"delegate authentication", authn(fa("a@x.com", map[string]any{"google_email": "a@example.com", "delegated_to": "bob@example.com", "resource_name": resource}), googlecse.DelegateAuthentication), 0},
		{"delegate authentication, one more", authn(fa("a@x.com", map[string]any{"delegated_to": "bob@example.com", "resource_name": resource, "perimeter_id": "eu"}), googlecse.DelegateAuthentication), 1},
		{"Gmail authorization", authz(googlecse.IssuerGmail, googlecse.OpPrivateKeyDecrypt, gmail), 0},
		{"Gmail authorization, one more", authz(googlecse.IssuerGmail, googlecse.OpPrivateKeyDecrypt, merge(gmail, map[string]any{"x": 1})), 1},
		{"Drive authorization", authz(googlecse.IssuerDrive, googlecse.OpUnwrap, map[string]any{"role": "reader", "email_type": "google", "perimeter_id": "eu",
			"delegated_to": "bob@example.com", "kacls_owner_domain": "example.com"}), 0},
		{"Drive authorization with Gmail's claims", authz(googlecse.IssuerDrive, googlecse.OpUnwrap, map[string]any{"role": "reader", "message_id": "1", "spki_hash": "h"}), 2},
		{"migration authorization", authz(googlecse.IssuerMigration, googlecse.OpRewrap, map[string]any{"role": "migrator", "kacls_owner_domain": "example.com"}), 0},
		{"migration authorization with a perimeter", authz(googlecse.IssuerMigration, googlecse.OpRewrap, map[string]any{"role": "migrator", "perimeter_id": "eu"}), 1},
		{"kacls-to-kacls", func() error {
			_, err := e.v.VerifyKACLSToKACLS(ctx, tenantRemote, e.fake.MintKACLSToKACLS(map[string]any{"kacls_url": kaclsURL, "resource_name": resource}), resource)
			return err
		}, 0},
		{"kacls-to-kacls with an email", func() error {
			_, err := e.v.VerifyKACLSToKACLS(ctx, tenantRemote, e.fake.MintKACLSToKACLS(map[string]any{"kacls_url": kaclsURL, "resource_name": resource, "email": "a@x.com"}), resource)
			return err
		}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.audit.take()
			if err := c.do(); err != nil {
				t.Fatal(err)
			}
			if rec := e.one(t); !rec.Valid || rec.JWT.NumberOfCustomClaims != c.want {
				t.Fatalf("valid %v, number_of_custom_claims %d, want %d", rec.Valid, rec.JWT.NumberOfCustomClaims, c.want)
			}
		})
	}
}

// merge returns a copy of a with b's entries.
func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// TestRecordValuesWhole: a valid token's values reach the record whole (a
// 512-byte Gmail resource_name, a long KACLS URL, a long email); a refused
// token's are cut only beyond what a valid token can carry, on a UTF-8
// boundary.
func TestRecordValuesWhole(t *testing.T) {
	longURL := "https://kacls.example/api/v1/" + strings.Repeat("k", 400)
	e := newEnv(t, func(_ *googlecse.Config, tenants *[]googlecse.Tenant) { (*tenants)[1].KACLSURL = longURL })
	ctx := context.Background()
	name512 := "//gmail.googleapis.com/" + strings.Repeat("é", (512-23)/2) + "x" // 512 bytes, two-byte runes
	if len(name512) != 512 {
		t.Fatalf("test name of %d bytes", len(name512))
	}
	email := strings.Repeat("a", 64) + "@" + strings.Repeat("d", 63) + "." + strings.Repeat("e", 63) + ".example.com" // 203 bytes
	gmail := func(c map[string]any) string {
		return e.authz(t, googlecse.IssuerGmail, merge(map[string]any{"role": "decrypter", "kacls_url": longURL, "email": email}, c))
	}
	authn, err := e.v.VerifyAuthentication(ctx, tenantLocal, e.localAuthn(map[string]any{"email": email}), googlecse.UserAuthentication, googlecse.OpPrivateKeyDecrypt)
	if err != nil {
		t.Fatal(err)
	}
	if rec := e.one(t); val(rec.JWT.Email) != email {
		t.Errorf("authentication record's email %q", val(rec.JWT.Email))
	}
	authz, err := e.v.VerifyAuthorization(ctx, tenantLocal, gmail(map[string]any{"resource_name": name512}), googlecse.OpPrivateKeyDecrypt)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.v.VerifyPair(ctx, tenantLocal, authn, authz); err != nil {
		t.Fatal(err)
	}
	for _, rec := range e.audit.take() {
		if !rec.Valid || val(rec.JWT.ResourceName) != name512 || val(rec.JWT.KACLSURL) != longURL || val(rec.JWT.Email) != email {
			t.Errorf("%s record: valid %v, resource_name of %d bytes, kacls_url of %d, email of %d", rec.Type, rec.Valid,
				len(val(rec.JWT.ResourceName)), len(val(rec.JWT.KACLSURL)), len(val(rec.JWT.Email)))
		}
	}
	past := map[string]any{"exp": time.Now().Add(-time.Hour).Unix(), "iat": time.Now().Add(-2 * time.Hour).Unix()}
	for _, c := range []struct {
		name, resource, want string
	}{
		{"expired, 512 bytes: whole", name512, name512},
		{"expired, 600 bytes: cut at 512", strings.Repeat("é", 300), strings.Repeat("é", 256) + "…"},
		{"expired, cut inside a rune", "a" + strings.Repeat("é", 300), "a" + strings.Repeat("é", 255) + "…"},
		{"too long (signed, refused after)", strings.Repeat("r", 513), strings.Repeat("r", 512) + "…"},
	} {
		t.Run(c.name, func(t *testing.T) {
			claims := map[string]any{"resource_name": c.resource}
			if strings.HasPrefix(c.name, "expired") {
				claims = merge(claims, past)
			}
			if _, err := e.v.VerifyAuthorization(ctx, tenantLocal, gmail(claims), googlecse.OpPrivateKeyDecrypt); err == nil {
				t.Fatal("accepted")
			}
			rec := e.one(t)
			if got := val(rec.JWT.ResourceName); got != c.want || !utf8.ValidString(got) {
				t.Errorf("resource_name %q (%d bytes), want %d bytes", got, len(got), len(c.want))
			}
			if val(rec.JWT.KACLSURL) != longURL || val(rec.JWT.Email) != email {
				t.Errorf("kacls_url or email cut: %d, %d bytes", len(val(rec.JWT.KACLSURL)), len(val(rec.JWT.Email)))
			}
		})
	}
}

// TestRecordAbsentClaims: a claim the token lacks is absent from the record
// (from its JSON too), never "" or 0; present claims stay.
func TestRecordAbsentClaims(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		do     func() error
		absent []string // jwt members the record must not have
		has    []string // jwt members it must have
	}{
		{"kacls-to-kacls: no email", func() error {
			_, err := e.v.VerifyKACLSToKACLS(ctx, tenantRemote, e.fake.MintKACLSToKACLS(map[string]any{"kacls_url": kaclsURL, "resource_name": resource}), resource)
			return err
		}, []string{"email", "google_email"}, []string{"iss", "aud", "exp", "iat", "kacls_url", "resource_name"}},
		{"refused without exp", func() error {
			_, err := e.v.VerifyAuthentication(ctx, tenantLocal, e.localAuthn(map[string]any{"exp": nil}), googlecse.UserAuthentication, googlecse.OpUnwrap)
			return err
		}, []string{"exp", "kacls_url", "resource_name"}, []string{"email", "iss", "aud", "iat"}},
		{"refused without iat and aud", func() error {
			_, err := e.v.VerifyAuthentication(ctx, tenantLocal, e.localAuthn(map[string]any{"iat": nil, "aud": nil}), googlecse.UserAuthentication, googlecse.OpUnwrap)
			return err
		}, []string{"iat", "aud"}, []string{"email", "iss", "exp"}},
		{"refused without email, google_email a number", func() error {
			_, err := e.v.VerifyAuthentication(ctx, tenantLocal, e.localAuthn(map[string]any{"email": nil, "google_email": 7}), googlecse.UserAuthentication, googlecse.OpUnwrap)
			return err
		}, []string{"email", "google_email"}, []string{"iss", "aud", "exp", "iat"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.audit.take()
			_ = c.do()
			rec := e.one(t)
			jwt, _ := marshal(t, rec)["jwt"].(map[string]any)
			for _, name := range c.absent {
				if v, ok := jwt[name]; ok {
					t.Errorf("jwt.%s = %v, want absent", name, v)
				}
			}
			for _, name := range c.has {
				if _, ok := jwt[name]; !ok {
					t.Errorf("jwt.%s absent", name)
				}
			}
		})
	}
}

// The pair's record says of the authorization token what the
// authorization's own record said (type and operation aside); a refused
// pair's record bounds the values as any refusal's does.
func TestPairRecordRepeatsAuthorization(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	long := strings.Repeat("a", 400) + "@example.com" // a valid token's email, over the 320 bytes a refusal keeps
	authn, err := e.v.VerifyAuthentication(ctx, tenantLocal, e.localAuthn(map[string]any{"email": long}), googlecse.UserAuthentication, googlecse.OpUnwrap)
	if err != nil {
		t.Fatal(err)
	}
	e.one(t)
	for _, c := range []struct {
		name  string
		email string
		valid bool
	}{{"valid", long, true}, {"refused", "bob@example.com", false}} {
		t.Run(c.name, func(t *testing.T) {
			authz, err := e.v.VerifyAuthorization(ctx, tenantLocal, e.authz(t, googlecse.IssuerDrive, map[string]any{"email": long, "perimeter_id": "p", "x": 1}), googlecse.OpUnwrap)
			if err != nil {
				t.Fatal(err)
			}
			own := e.one(t)
			a := *authn
			a.Email = c.email
			if err := e.v.VerifyPair(ctx, tenantLocal, &a, authz); (err == nil) != c.valid {
				t.Fatalf("VerifyPair: %v", err)
			}
			pair := e.one(t)
			if pair.Type != googlecse.AuthorizationPair || pair.Valid != c.valid {
				t.Fatalf("pair record: %+v", pair)
			}
			want := marshal(t, own.JWT)
			if !c.valid {
				if n := len(val(pair.JWT.Email)); n >= len(long) {
					t.Fatalf("refused pair's record keeps an email of %d bytes", n)
				}
				want["email"] = val(pair.JWT.Email)
			}
			if got := marshal(t, pair.JWT); !reflect.DeepEqual(got, want) || pair.JWK != own.JWK {
				t.Fatalf("pair record's jwt\n%v\nwant\n%v (jwk %+v, %+v)", got, want, pair.JWK, own.JWK)
			}
		})
	}
}
