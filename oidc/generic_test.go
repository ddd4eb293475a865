package oidc_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

// genericClient returns a Client for a generic fake, with the fake's client
// registration; tune adjusts the config.
func genericClient(t *testing.T, fake *oidctest.Server, tune func(*oidc.Config)) *oidc.Client {
	t.Helper()
	cfg := oidc.Config{
		Issuer: fake.Issuer, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
		RedirectURL: "https://app.example/callback", PostLogoutRedirectURL: "https://app.example/bye",
		HTTPClient: fake.Client(),
	}
	if tune != nil {
		tune(&cfg)
	}
	c, err := oidc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// genericLogin runs a whole login against fake: AuthURL, the provider's
// redirect back (followed within the fake, stopped at the app), Complete.
func genericLogin(t *testing.T, fake *oidctest.Server, c *oidc.Client, opts ...oidc.AuthOption) (*oidc.Login, error) {
	t.Helper()
	ctx := context.Background()
	u, f, err := c.AuthURL(ctx, opts...)
	if err != nil {
		return nil, err
	}
	q, err := authorize(t, fake, u)
	if err != nil {
		return nil, err
	}
	return c.Complete(ctx, f, q)
}

// authorize GETs an authorization URL at fake and returns the query of the
// redirect back to the app, or an error carrying the fake's page.
func authorize(t *testing.T, fake *oidctest.Server, u string) (url.Values, error) {
	t.Helper()
	hc := fake.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		return nil, errors.New("authorize: " + resp.Status + ": " + string(body))
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query(), nil
}

// TestGenericIssuerForms logs in against generic fakes whose issuers are the
// root, the root with a trailing slash, and a path with and without one: the
// discovery URL drops one terminating / and the issuer must match exactly.
func TestGenericIssuerForms(t *testing.T) {
	for _, path := range []string{"", "/", "/realms/staff", "/realms/staff/"} {
		t.Run("path "+path, func(t *testing.T) {
			fake := oidctest.StartTLS(t, oidctest.Config{Generic: true, IssuerPath: path})
			c := genericClient(t, fake, func(cfg *oidc.Config) {
				// No redirect: the fake's mux would redirect a "//" path to the clean one.
				cfg.HTTPClient.CheckRedirect = func(r *http.Request, _ []*http.Request) error {
					return errors.New("redirected to " + r.URL.Path)
				}
			})
			l, err := genericLogin(t, fake, c)
			if err != nil {
				t.Fatal(err)
			}
			if l.IDToken.Issuer != fake.Issuer || l.Agent.Sub != oidctest.DocumentedAgent().Sub {
				t.Errorf("login: iss %q sub %q", l.IDToken.Issuer, l.Agent.Sub)
			}
			if n := fake.Count(fake.Path(oidctest.PathDiscovery)); n != 1 {
				t.Errorf("%d discovery requests at %s", n, fake.Path(oidctest.PathDiscovery))
			}
		})
	}
}

// TestGenericIssuerExact: a configured issuer differing from the document's
// only by a trailing slash is refused (Discovery §4.3).
func TestGenericIssuerExact(t *testing.T) {
	for _, tc := range []struct{ path, configured string }{
		{"/realms/staff", "/realms/staff/"},
		{"/realms/staff/", "/realms/staff"},
		{"/", ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			fake := oidctest.StartTLS(t, oidctest.Config{Generic: true, IssuerPath: tc.path})
			c := genericClient(t, fake, func(cfg *oidc.Config) { cfg.Issuer = fake.URL + tc.configured })
			_, err := c.Metadata(context.Background())
			if !errors.Is(err, oidc.ErrIssuerMismatch) {
				t.Fatalf("Metadata: %v, want ErrIssuerMismatch", err)
			}
		})
	}
}

// signers are one private key of each supported kind.
func signers(t *testing.T) map[string]crypto.Signer {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, edk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]crypto.Signer{"RSA": rk, "P-256": ek, "Ed25519": edk}
}

// TestClientAuthMethods logs in and refreshes with each client
// authentication method, the fake requiring exactly that method; a client
// using another method than the registered one is refused.
func TestClientAuthMethods(t *testing.T) {
	keys := signers(t)
	type method struct {
		name   string
		fake   oidctest.Config
		client func(*oidc.Config)
	}
	methods := []method{
		{"default is client_secret_basic", oidctest.Config{}, nil},
		{"client_secret_basic", oidctest.Config{AuthMethod: "client_secret_basic"}, func(c *oidc.Config) { c.AuthMethod = oidc.ClientSecretBasic }},
		{"client_secret_basic, id and secret needing form-encoding", oidctest.Config{ClientID: "app:one/é", ClientSecret: "s3cr:t+%/ü with spaces, long enough"},
			func(c *oidc.Config) { c.AuthMethod = oidc.ClientSecretBasic }},
		{"client_secret_post", oidctest.Config{AuthMethod: "client_secret_post"}, func(c *oidc.Config) { c.AuthMethod = oidc.ClientSecretPost }},
		{"client_secret_jwt", oidctest.Config{AuthMethod: "client_secret_jwt"}, func(c *oidc.Config) { c.AuthMethod = oidc.ClientSecretJWT }},
		{"none", oidctest.Config{AuthMethod: "none"}, func(c *oidc.Config) { c.AuthMethod, c.ClientSecret = oidc.AuthNone, "" }},
	}
	for name, k := range keys {
		methods = append(methods, method{"private_key_jwt " + name,
			oidctest.Config{AuthMethod: "private_key_jwt", ClientKey: k.Public(), ClientKeyID: "key-" + name},
			func(c *oidc.Config) {
				c.AuthMethod, c.ClientSecret, c.PrivateKey, c.PrivateKeyID = oidc.PrivateKeyJWT, "", k, "key-"+name
			}})
	}
	for _, m := range methods {
		t.Run(m.name, func(t *testing.T) {
			cfg := m.fake
			cfg.Generic = true
			fake := oidctest.StartTLS(t, cfg)
			c := genericClient(t, fake, m.client)
			l, err := genericLogin(t, fake, c)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Refresh(context.Background(), l.Tokens.RefreshToken, l.IDToken); err != nil {
				t.Fatalf("Refresh: %v", err)
			}
		})
	}
	// Each other method against a fake registered for another one fails.
	for _, tc := range []struct{ registered, used string }{
		{"client_secret_basic", "client_secret_post"},
		{"client_secret_post", "client_secret_basic"},
		{"client_secret_jwt", "client_secret_basic"},
		{"client_secret_basic", "client_secret_jwt"},
		{"client_secret_basic", "none"},
	} {
		t.Run(tc.used+" against "+tc.registered, func(t *testing.T) {
			fake := oidctest.StartTLS(t, oidctest.Config{Generic: true, AuthMethod: tc.registered})
			c := genericClient(t, fake, func(cfg *oidc.Config) {
				cfg.AuthMethod = oidc.AuthMethod(tc.used)
				if tc.used == "none" {
					cfg.ClientSecret = ""
				}
			})
			_, err := genericLogin(t, fake, c)
			var te *oidc.TokenError
			if !errors.Is(err, oidc.ErrTokenEndpoint) || !errors.As(err, &te) || te.Code != "invalid_client" {
				t.Fatalf("login: %v, want a TokenError invalid_client", err)
			}
		})
	}
}

// TestPrivateKeyJWTWrongKey: an assertion signed by a key the provider does
// not hold, or naming another kid, is refused.
func TestPrivateKeyJWTWrongKey(t *testing.T) {
	keys := signers(t)
	for _, tc := range []struct {
		name string
		key  crypto.Signer
		kid  string
	}{
		{"other key", keys["RSA"], "k"},
		{"other kid", keys["P-256"], "not-k"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := oidctest.StartTLS(t, oidctest.Config{Generic: true, AuthMethod: "private_key_jwt", ClientKey: keys["P-256"].Public(), ClientKeyID: "k"})
			c := genericClient(t, fake, func(cfg *oidc.Config) {
				cfg.AuthMethod, cfg.ClientSecret, cfg.PrivateKey, cfg.PrivateKeyID = oidc.PrivateKeyJWT, "", tc.key, tc.kid
			})
			if _, err := genericLogin(t, fake, c); !errors.Is(err, oidc.ErrTokenEndpoint) {
				t.Fatalf("login: %v, want ErrTokenEndpoint", err)
			}
		})
	}
}

// TestGenericConfig: the zero value of each generic setting, and the
// contradictions New refuses.
func TestGenericConfig(t *testing.T) {
	keys := signers(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	ok := oidc.Config{Issuer: "https://sso.example", ClientID: "c", ClientSecret: "s", RedirectURL: "https://app.example/cb"}
	for _, tc := range []struct {
		name string
		edit func(*oidc.Config)
	}{
		{"no secret with the default method", func(c *oidc.Config) { c.ClientSecret = "" }},
		{"secret with none", func(c *oidc.Config) { c.AuthMethod = oidc.AuthNone }},
		{"none without PKCE", func(c *oidc.Config) {
			c.AuthMethod, c.ClientSecret, c.InsecureDisablePKCE = oidc.AuthNone, "", true
		}},
		{"unknown method", func(c *oidc.Config) { c.AuthMethod = "tls_client_auth" }},
		{"client_secret_jwt with a short secret", func(c *oidc.Config) { c.AuthMethod = oidc.ClientSecretJWT }},
		{"private_key_jwt without a key", func(c *oidc.Config) { c.AuthMethod, c.ClientSecret = oidc.PrivateKeyJWT, "" }},
		{"private_key_jwt without a kid", func(c *oidc.Config) {
			c.AuthMethod, c.ClientSecret, c.PrivateKey = oidc.PrivateKeyJWT, "", keys["RSA"]
		}},
		{"private_key_jwt with a secret", func(c *oidc.Config) {
			c.AuthMethod, c.PrivateKey, c.PrivateKeyID = oidc.PrivateKeyJWT, keys["RSA"], "k"
		}},
		{"private_key_jwt with a 1024-bit RSA key", func(c *oidc.Config) {
			c.AuthMethod, c.ClientSecret, c.PrivateKey, c.PrivateKeyID = oidc.PrivateKeyJWT, "", small, "k"
		}},
		{"private_key_jwt with an algorithm unfit for the key", func(c *oidc.Config) {
			c.AuthMethod, c.ClientSecret, c.PrivateKey, c.PrivateKeyID, c.PrivateKeyAlgorithm = oidc.PrivateKeyJWT, "", keys["P-256"], "k", "RS256"
		}},
		{"private_key_jwt with HS256", func(c *oidc.Config) {
			c.AuthMethod, c.ClientSecret, c.PrivateKey, c.PrivateKeyID, c.PrivateKeyAlgorithm = oidc.PrivateKeyJWT, "", keys["RSA"], "k", "HS256"
		}},
		{"a key with a secret method", func(c *oidc.Config) { c.PrivateKey, c.PrivateKeyID = keys["RSA"], "k" }},
		{"signed and unsigned userinfo", func(c *oidc.Config) { c.SignedUserInfo, c.InsecureUnsignedUserInfo = true, true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			if _, err := oidc.New(cfg); !errors.Is(err, oidc.ErrConfig) {
				t.Errorf("New: %v, want ErrConfig", err)
			}
		})
	}
	if _, err := oidc.New(ok); err != nil {
		t.Errorf("New(generic defaults): %v", err)
	}
}

// TestGenericDefaults: a generic issuer asks for openid alone, authenticates
// with client_secret_basic and reads userinfo by its content type; the
// ProConnect preset keeps its scopes, client_secret_post and signed userinfo,
// whether chosen by Host, by ProConnect or by an Issuer equal to a ProConnect
// deployment's.
func TestGenericDefaults(t *testing.T) {
	const pcScopes = "openid email given_name usual_name uid siret"
	for _, tc := range []struct {
		name       string
		cfg        oidc.Config
		proconnect bool
	}{
		{"generic", oidc.Config{Issuer: "https://sso.example"}, false},
		{"generic with a path", oidc.Config{Issuer: "https://sso.example/api/v2"}, false},
		{"host", oidc.Config{Host: oidc.Integration}, true},
		{"ProConnect", oidc.Config{Issuer: "https://pc.example/api/v2", ProConnect: true}, true},
		{"issuer of a ProConnect host", oidc.Config{Issuer: oidc.Production.Issuer()}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.ClientID, cfg.ClientSecret, cfg.RedirectURL = "c", "s", "https://app.example/cb"
			n, err := oidc.Normalize(cfg)
			if err != nil {
				t.Fatal(err)
			}
			want := oidc.Config{ProConnect: false, AuthMethod: oidc.ClientSecretBasic, SignedUserInfo: false}
			scopes := "openid"
			if tc.proconnect {
				want = oidc.Config{ProConnect: true, AuthMethod: oidc.ClientSecretPost, SignedUserInfo: true}
				scopes = pcScopes
			}
			if n.ProConnect != want.ProConnect || n.AuthMethod != want.AuthMethod || n.SignedUserInfo != want.SignedUserInfo ||
				strings.Join(n.Scopes, " ") != scopes {
				t.Errorf("normalized: ProConnect %v AuthMethod %s SignedUserInfo %v scopes %q", n.ProConnect, n.AuthMethod, n.SignedUserInfo, n.Scopes)
			}
		})
	}
}

// TestGenericUserInfo: userinfo is read by its content type; plain JSON is
// refused only when the registration asks for a signed one, and a JWT is
// verified whatever the registration says.
func TestGenericUserInfo(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fake   oidctest.Config
		faults oidctest.Faults
		signed bool
		want   []error // nil: the login succeeds
	}{
		{"JSON", oidctest.Config{}, oidctest.Faults{}, false, nil},
		{"JSON when a signed one is registered", oidctest.Config{}, oidctest.Faults{}, true, []error{oidc.ErrUserInfo}},
		{"JWT", oidctest.Config{UserInfoAlg: "ES256"}, oidctest.Faults{}, false, nil},
		{"JWT when a signed one is registered", oidctest.Config{UserInfoAlg: "RS256"}, oidctest.Faults{}, true, nil},
		{"JWT of another issuer", oidctest.Config{UserInfoAlg: "ES256"}, oidctest.Faults{UserInfoWrongIssuer: true}, false, []error{oidc.ErrUserInfo}},
		{"JWT for another client", oidctest.Config{UserInfoAlg: "ES256"}, oidctest.Faults{UserInfoWrongAud: true}, false, []error{oidc.ErrUserInfo}},
		{"JSON of another sub", oidctest.Config{}, oidctest.Faults{UserInfoSub: "someone-else"}, false, []error{oidc.ErrSubject}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.fake
			cfg.Generic = true
			fake := oidctest.StartTLS(t, cfg)
			fake.SetFaults(tc.faults)
			c := genericClient(t, fake, func(cfg *oidc.Config) {
				cfg.SignedUserInfo = tc.signed
				cfg.Scopes = []string{"openid", "email"}
			})
			l, err := genericLogin(t, fake, c)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if l.Agent.Email != oidctest.DocumentedAgent().Email {
					t.Errorf("email %q", l.Agent.Email)
				}
				return
			}
			wantErr(t, err, tc.want...)
		})
	}
}

// TestGenericAtHash: at_hash is optional in the code flow (OpenID Connect
// Core §3.1.3.6; panva's oidc-provider leaves it out at the token endpoint),
// so a generic provider's ID token without one logs in; one that is present
// must match, and under the ProConnect preset it stays required.
func TestGenericAtHash(t *testing.T) {
	for _, tc := range []struct {
		name       string
		proconnect bool
		faults     oidctest.Faults
		want       []error // nil: the login succeeds
	}{
		{"generic without at_hash", false, oidctest.Faults{NoAtHash: true}, nil},
		{"generic with a wrong at_hash", false, oidctest.Faults{WrongAtHash: true}, []error{oidc.ErrIDToken, oidc.ErrAtHash}},
		{"ProConnect without at_hash", true, oidctest.Faults{NoAtHash: true}, []error{oidc.ErrIDToken, oidc.ErrAtHash}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := oidctest.StartTLS(t, oidctest.Config{Generic: !tc.proconnect})
			fake.SetFaults(tc.faults)
			c := genericClient(t, fake, func(cfg *oidc.Config) { cfg.ProConnect = tc.proconnect })
			_, err := genericLogin(t, fake, c)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, tc.want...)
		})
	}
}

// inFlight is a RoundTripper counting the requests it has not finished.
type inFlight struct {
	next http.RoundTripper
	mu   sync.Mutex
	n    int
}

func (f *inFlight) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.n++
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.n--
		f.mu.Unlock()
	}()
	return f.next.RoundTrip(r)
}

func (f *inFlight) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// TestCompleteUserInfoOverlap: Complete asks userinfo while it verifies the
// ID token, yet a refused ID token is the error whatever userinfo answers
// (down, or never), and Complete returns with no request left running; a
// good ID token with userinfo down is ErrUnavailable, as before.
func TestCompleteUserInfoOverlap(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults oidctest.Faults
		want   []error
		not    error
	}{
		{"ID token refused, userinfo down", oidctest.Faults{WrongNonce: true, Down: true}, []error{oidc.ErrIDToken}, oidc.ErrUnavailable},
		{"ID token refused, userinfo never answers", oidctest.Faults{BadSignature: true, Delay: time.Hour}, []error{oidc.ErrIDToken}, oidc.ErrUnavailable},
		{"ID token good, userinfo down", oidctest.Faults{Down: true}, []error{oidc.ErrUnavailable}, oidc.ErrIDToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := oidctest.StartTLS(t, oidctest.Config{Generic: true})
			tr := &inFlight{next: fake.Client().Transport}
			c := genericClient(t, fake, func(cfg *oidc.Config) { cfg.HTTPClient = &http.Client{Transport: tr} })
			if _, err := genericLogin(t, fake, c); err != nil { // warm: discovery and JWKS
				t.Fatal(err)
			}
			tc.faults.Endpoints = []string{fake.Path(oidctest.PathUserInfo)}
			fake.SetFaults(tc.faults)
			_, err := genericLogin(t, fake, c)
			wantErr(t, err, tc.want...)
			if errors.Is(err, tc.not) {
				t.Errorf("error %q wraps %q", err, tc.not)
			}
			if n := tr.count(); n != 0 {
				t.Errorf("%d requests still running after Complete returned", n)
			}
		})
	}
}
