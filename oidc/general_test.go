package oidc_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

// authorizeQuery returns the parameters of the last authorization request the
// fake received (the pushed ones for PAR).
func authorizeQuery(t *testing.T, fake *oidctest.Server) url.Values {
	t.Helper()
	var q url.Values
	for _, r := range fake.Requests() {
		switch r.Path {
		case fake.Path(oidctest.PathAuthorize):
			if !r.Query.Has("request_uri") {
				q = r.Query
			}
		case fake.Path(oidctest.PathPAR):
			q = r.Form
		}
	}
	if q == nil {
		t.Fatal("no authorization request")
	}
	return q
}

// TestPAR: a provider requiring PAR gets every request pushed, whatever the
// config; UsePAR and WithPAR push to a provider that merely offers it; WithPAR
// against a provider without PAR is ErrUnsupported. Each client
// authentication method authenticates the push.
func TestPAR(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fake    oidctest.Config
		usePAR  bool
		opts    []oidc.AuthOption
		pushed  bool
		wantErr error
	}{
		{"required", oidctest.Config{Generic: true, RequirePAR: true}, false, nil, true, nil},
		{"required, client_secret_post", oidctest.Config{Generic: true, RequirePAR: true, AuthMethod: "client_secret_post"}, false, nil, true, nil},
		{"required, client_secret_jwt", oidctest.Config{Generic: true, RequirePAR: true, AuthMethod: "client_secret_jwt"}, false, nil, true, nil},
		{"offered, not asked", oidctest.Config{Generic: true}, false, nil, false, nil},
		{"offered, UsePAR", oidctest.Config{Generic: true}, true, nil, true, nil},
		{"offered, WithPAR", oidctest.Config{Generic: true}, false, []oidc.AuthOption{oidc.WithPAR()}, true, nil},
		{"absent, WithPAR", oidctest.Config{}, false, []oidc.AuthOption{oidc.WithPAR()}, false, oidc.ErrUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := oidctest.StartTLS(t, tc.fake)
			c := genericClient(t, fake, func(cfg *oidc.Config) {
				cfg.UsePAR = tc.usePAR
				cfg.ProConnect = !tc.fake.Generic
				cfg.AuthMethod = oidc.AuthMethod(tc.fake.AuthMethod)
			})
			l, err := genericLogin(t, fake, c, tc.opts...)
			if tc.wantErr != nil {
				wantErr(t, err, tc.wantErr, oidc.ErrPAR)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.IDToken.Subject == "" {
				t.Error("no subject")
			}
			if n := fake.Count(fake.Path(oidctest.PathPAR)); (n == 1) != tc.pushed {
				t.Errorf("%d pushed requests, want pushed %v", n, tc.pushed)
			}
		})
	}
}

// TestPARRefused: an error answer of the PAR endpoint is ErrPAR, a server
// error ErrUnavailable too.
func TestPARRefused(t *testing.T) {
	fake := oidctest.StartTLS(t, oidctest.Config{Generic: true, RequirePAR: true, AuthMethod: "client_secret_post"})
	c := genericClient(t, fake, nil) // client_secret_basic: the PAR endpoint refuses it
	_, _, err := c.AuthURL(context.Background())
	wantErr(t, err, oidc.ErrPAR)
	if got := oidc.Reason(err); got != oidc.ErrPAR.Error() {
		t.Errorf("Reason %q", got)
	}
	fake.SetFaults(oidctest.Faults{Down: true, Endpoints: []string{fake.Path(oidctest.PathPAR)}})
	_, _, err = c.AuthURL(context.Background())
	wantErr(t, err, oidc.ErrPAR, oidc.ErrUnavailable)
}

// TestMaxAge: max_age is sent, and the ID token's auth_time must be present
// and within it.
func TestMaxAge(t *testing.T) {
	for _, tc := range []struct {
		name   string
		faults oidctest.Faults
		maxAge time.Duration
		want   error
	}{
		{"fresh", oidctest.Faults{}, time.Hour, nil},
		{"max_age 0, fresh", oidctest.Faults{}, 0, nil},
		{"too old", oidctest.Faults{OldAuthTime: true}, time.Hour, oidc.ErrAuthTime},
		{"missing", oidctest.Faults{NoAuthTime: true}, time.Hour, oidc.ErrAuthTime},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := oidctest.StartTLS(t, oidctest.Config{Generic: true})
			fake.SetFaults(tc.faults)
			c := genericClient(t, fake, nil)
			l, err := genericLogin(t, fake, c, oidc.WithMaxAge(tc.maxAge))
			if got := authorizeQuery(t, fake).Get("max_age"); got != strconvSeconds(tc.maxAge) {
				t.Errorf("max_age %q", got)
			}
			if tc.want != nil {
				wantErr(t, err, oidc.ErrIDToken, tc.want)
				if got := oidc.Reason(err); got != tc.want.Error() {
					t.Errorf("Reason %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.IDToken.AuthTime.IsZero() {
				t.Error("AuthTime not exposed")
			}
		})
	}
	// Without max_age, an old auth_time is accepted.
	fake := oidctest.StartTLS(t, oidctest.Config{Generic: true})
	fake.SetFaults(oidctest.Faults{OldAuthTime: true})
	if _, err := genericLogin(t, fake, genericClient(t, fake, nil)); err != nil {
		t.Fatalf("login without max_age: %v", err)
	}
}

func strconvSeconds(d time.Duration) string {
	b, _ := json.Marshal(int64(d / time.Second))
	return string(b)
}

// TestGenericAuthParams: prompt, login_hint, acr_values and claims reach the
// provider as given, pushed or not; the ProConnect-only hints are refused.
func TestGenericAuthParams(t *testing.T) {
	for _, par := range []bool{false, true} {
		fake := oidctest.StartTLS(t, oidctest.Config{Generic: true})
		c := genericClient(t, fake, func(cfg *oidc.Config) { cfg.UsePAR = par })
		_, err := genericLogin(t, fake, c,
			oidc.WithPrompt(oidc.PromptSelectAccount, oidc.PromptConsent),
			oidc.WithLoginHint("jdoe"),
			oidc.WithACRValues("urn:mace:incommon:iap:silver", "gold"),
			oidc.WithClaims(map[string]map[string]json.RawMessage{"userinfo": {"email": json.RawMessage(`{"essential":true}`)}}),
			oidc.WithAMR(),
		)
		if err != nil {
			t.Fatal(err)
		}
		q := authorizeQuery(t, fake)
		for k, want := range map[string]string{
			"prompt": "select_account consent", "login_hint": "jdoe", "acr_values": "urn:mace:incommon:iap:silver gold",
			"claims": `{"id_token":{"amr":{"essential":true}},"userinfo":{"email":{"essential":true}}}`,
		} {
			if got := q.Get(k); got != want {
				t.Errorf("PAR %v: %s = %q, want %q", par, k, got, want)
			}
		}
	}
	fake := oidctest.StartTLS(t, oidctest.Config{Generic: true})
	c := genericClient(t, fake, nil)
	for name, opt := range map[string]oidc.AuthOption{
		"idp_hint":          oidc.WithIDPHint("x"),
		"siret_hint":        oidc.WithSIRETHint("34329377500037"),
		"empty login_hint":  oidc.WithLoginHint(""),
		"control character": oidc.WithLoginHint("a\nb"),
		"empty acr_values":  oidc.WithACRValues(),
		"claims member":     oidc.WithClaims(map[string]map[string]json.RawMessage{"access_token": {}}),
		"negative max_age":  oidc.WithMaxAge(-time.Second),
	} {
		if _, _, err := c.AuthURL(context.Background(), opt); !errors.Is(err, oidc.ErrOption) {
			t.Errorf("%s: %v, want ErrOption", name, err)
		}
	}
}

// TestProConnectRefusesGenericOptions: under the ProConnect preset the
// options ProConnect does not take are refused, the rest unchanged.
func TestProConnectRefusesGenericOptions(t *testing.T) {
	fake := oidctest.StartTLS(t, oidctest.Config{})
	c := genericClient(t, fake, func(cfg *oidc.Config) { cfg.ProConnect = true; cfg.AuthMethod = "" })
	for name, opt := range map[string]oidc.AuthOption{
		"select_account":       oidc.WithPrompt(oidc.PromptSelectAccount),
		"acr_values":           oidc.WithACRValues("eidas1"),
		"login_hint not email": oidc.WithLoginHint("jdoe"),
		"max_age":              oidc.WithMaxAge(time.Hour),
	} {
		if _, _, err := c.AuthURL(context.Background(), opt); !errors.Is(err, oidc.ErrOption) {
			t.Errorf("%s: %v, want ErrOption", name, err)
		}
	}
}

// TestSIDAndAuthTime: the verified ID token exposes sid and auth_time.
func TestSIDAndAuthTime(t *testing.T) {
	fake := oidctest.StartTLS(t, oidctest.Config{Generic: true})
	l, err := genericLogin(t, fake, genericClient(t, fake, nil))
	if err != nil {
		t.Fatal(err)
	}
	claims := l.IDToken.Claims()
	var sid string
	var authTime int64
	_ = json.Unmarshal(claims["sid"], &sid)
	_ = json.Unmarshal(claims["auth_time"], &authTime)
	if sid == "" || l.IDToken.SessionID != sid {
		t.Errorf("SessionID %q, sid claim %q", l.IDToken.SessionID, sid)
	}
	if authTime == 0 || l.IDToken.AuthTime.Unix() != authTime {
		t.Errorf("AuthTime %v, auth_time claim %d", l.IDToken.AuthTime, authTime)
	}
}

// TestNoUserInfoEndpoint: a provider without a userinfo endpoint logs in with
// the ID token's claims; UserInfo says ErrUnsupported.
func TestNoUserInfoEndpoint(t *testing.T) {
	fake := oidctest.StartTLS(t, oidctest.Config{Generic: true, NoUserInfo: true})
	c := genericClient(t, fake, func(cfg *oidc.Config) { cfg.Scopes = []string{"email"} })
	l, err := genericLogin(t, fake, c)
	if err != nil {
		t.Fatal(err)
	}
	if l.Agent.Email != oidctest.DocumentedAgent().Email || l.Agent.IDToken != l.IDToken {
		t.Errorf("agent %+v", l.Agent)
	}
	if _, err := c.UserInfo(context.Background(), l.Tokens.AccessToken, l.IDToken); !errors.Is(err, oidc.ErrUnsupported) {
		t.Errorf("UserInfo: %v, want ErrUnsupported", err)
	}
}

// TestLogoutWithoutEndSession: RP-initiated logout needs an
// end_session_endpoint; without one LogoutURL is ErrUnsupported and the
// Logout handler ends the local session only.
func TestLogoutWithoutEndSession(t *testing.T) {
	fake := oidctest.StartTLS(t, oidctest.Config{Generic: true, NoEndSession: true})
	c := genericClient(t, fake, nil)
	if _, _, err := c.LogoutURL(context.Background(), ""); !errors.Is(err, oidc.ErrUnsupported) {
		t.Fatalf("LogoutURL: %v, want ErrUnsupported", err)
	}
	with := oidctest.StartTLS(t, oidctest.Config{Generic: true})
	u, _, err := genericClient(t, with, nil).LogoutURL(context.Background(), "")
	if err != nil || !strings.HasPrefix(u, with.URL+with.Path(oidctest.PathEndSession)+"?") {
		t.Fatalf("LogoutURL: %q, %v", u, err)
	}
}

// TestRefreshRotation: a refresh returns the provider's new refresh token,
// the old one no longer works, the refreshed ID token is verified, and a
// TokenSource keeps the rotated token.
func TestRefreshRotation(t *testing.T) {
	ctx := context.Background()
	fake := oidctest.StartTLS(t, oidctest.Config{Generic: true})
	c := genericClient(t, fake, nil)
	l, err := genericLogin(t, fake, c)
	if err != nil {
		t.Fatal(err)
	}
	old := l.Tokens.RefreshToken
	t1, err := c.Refresh(ctx, old, l.IDToken)
	if err != nil {
		t.Fatal(err)
	}
	if t1.RefreshToken == "" || t1.RefreshToken == old {
		t.Fatalf("refresh token not rotated: %q", t1.RefreshToken)
	}
	if t1.IDToken == nil || t1.IDToken == l.IDToken || t1.IDToken.Subject != l.IDToken.Subject {
		t.Fatalf("refreshed ID token %+v", t1.IDToken)
	}
	var te *oidc.TokenError
	if _, err := c.Refresh(ctx, old, l.IDToken); !errors.Is(err, oidc.ErrTokenEndpoint) || !errors.As(err, &te) || te.Code != "invalid_grant" || te.Status != http.StatusBadRequest {
		t.Fatalf("old refresh token: %v, want a TokenError invalid_grant (HTTP 400)", err)
	}
	// A TokenSource refreshes an expired access token and keeps the new refresh token.
	expired := *t1
	expired.Expiry = time.Now().Add(-time.Minute)
	var saved []*oidc.Tokens
	ts := c.TokenSource(&expired, func(_ context.Context, t *oidc.Tokens) error { saved = append(saved, t); return nil })
	t2, err := ts.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if t2.RefreshToken == t1.RefreshToken || len(saved) != 1 || saved[0].RefreshToken != t2.RefreshToken {
		t.Fatalf("TokenSource did not keep the rotated token")
	}
	// A refreshed ID token of another subject is refused.
	fake.SetFaults(oidctest.Faults{Subject: "someone-else"})
	if _, err := c.Refresh(ctx, t2.RefreshToken, l.IDToken); !errors.Is(err, oidc.ErrSubject) {
		t.Fatalf("refresh with another sub: %v, want ErrSubject", err)
	}
	_ = http.StatusOK
}

// TestGenericHandlers runs the Handlers against generic fakes: a login
// through PAR when required, and a logout that goes to the provider's
// end_session_endpoint when it has one, else ends the local session only.
func TestGenericHandlers(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  oidctest.Config
	}{
		{"PAR required, end_session", oidctest.Config{Generic: true, RequirePAR: true, IssuerPath: "/realms/x"}},
		{"no end_session", oidctest.Config{Generic: true, NoEndSession: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := oidctest.StartTLS(t, tc.cfg)
			a := newApp(t, fake, func(c *oidc.Config) {
				c.ProConnect, c.AuthMethod, c.Scopes = false, "", []string{"usual_name", "siret"}
				if tc.cfg.NoEndSession {
					c.PostLogoutRedirectURL = "" // not needed without RP-initiated logout
				}
			})
			b := newBrowser(t, a)
			p := b.follow(a.srv.URL+"/private/page", "")
			if p.status != http.StatusOK || p.body != "hello DUBOIS 34329377500037" {
				t.Fatalf("protected page: %d %q (errors %v)", p.status, p.body, a.errs)
			}
			if n := fake.Count(fake.Path(oidctest.PathPAR)); (n == 1) != tc.cfg.RequirePAR {
				t.Errorf("%d pushed requests", n)
			}
			resp, err := b.c.PostForm(a.srv.URL+"/logout", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if tc.cfg.NoEndSession {
				if resp.StatusCode != http.StatusSeeOther || loc.Path != "/" || loc.Host != "" {
					t.Fatalf("local logout: %d %s", resp.StatusCode, loc)
				}
			} else if loc.Path != fake.Path(oidctest.PathEndSession) {
				t.Fatalf("logout redirect %s", loc)
			}
			if p := b.do(http.MethodGet, a.srv.URL+"/private/page"); p.status != http.StatusSeeOther {
				t.Errorf("still logged in after logout: %d", p.status)
			}
		})
	}
}

// TestAssertionAudience: each client assertion names as its sole audience
// the endpoint it is posted to (token or PAR endpoint), or the issuer with
// ClientAssertionAudienceIssuer.
func TestAssertionAudience(t *testing.T) {
	for _, issuerAud := range []bool{false, true} {
		fake := oidctest.StartTLS(t, oidctest.Config{Generic: true, RequirePAR: true, AuthMethod: "client_secret_jwt"})
		c := genericClient(t, fake, func(cfg *oidc.Config) {
			cfg.AuthMethod, cfg.ClientAssertionAudienceIssuer = oidc.ClientSecretJWT, issuerAud
		})
		if _, err := genericLogin(t, fake, c); err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, r := range fake.Requests() {
			a := r.Form.Get("client_assertion")
			if a == "" {
				continue
			}
			seen++
			parts := strings.Split(a, ".")
			payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
			var claims struct {
				Aud any `json:"aud"`
			}
			_ = json.Unmarshal(payload, &claims)
			want := fake.URL + r.Path
			if issuerAud {
				want = fake.Issuer
			}
			if got, _ := json.Marshal(claims.Aud); string(got) != `"`+want+`"` {
				t.Errorf("issuer aud %v: assertion to %s has aud %s, want %s", issuerAud, r.Path, got, want)
			}
		}
		if seen != 2 {
			t.Errorf("%d assertions, want 2 (PAR and token)", seen)
		}
	}
	_, err := oidc.New(oidc.Config{Issuer: "https://sso.example", ClientID: "c", ClientSecret: "s",
		RedirectURL: "https://app.example/cb", ClientAssertionAudienceIssuer: true})
	if !errors.Is(err, oidc.ErrConfig) {
		t.Errorf("ClientAssertionAudienceIssuer with client_secret_basic: %v, want ErrConfig", err)
	}
}
