package oidc_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

// A login without a browser, against the fake ProConnect: AuthURL, the redirect
// back with a code, then Complete (code exchange, ID token and userinfo checks).
func Example() {
	fake, err := oidctest.New(oidctest.Config{})
	if err != nil {
		panic(err)
	}
	defer fake.Close()
	client, err := oidc.New(oidc.Config{
		Issuer: fake.Issuer, ProConnect: true, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
		RedirectURL: "https://app.example/callback", InsecureAllowHTTP: true,
		Scopes: []string{"email", "usual_name", "siret", "chorusdt"},
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	authURL, flow, err := client.AuthURL(ctx, oidc.WithACR("eidas1"))
	if err != nil {
		panic(err)
	}
	// The browser goes to authURL; the fake logs its agent in and redirects back.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authURL)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))

	login, err := client.Complete(ctx, flow, back.Query())
	if err != nil {
		panic(err)
	}
	a := login.Agent
	fmt.Println(a.UsualName, a.SIRET, a.ChorusDTSociete, login.IDToken.ACR)
	// Output: DUBOIS 34329377500037 CHT eidas1
}

// Asking for a silent login and a given organization.
func ExampleClient_AuthURL() {
	fake, _ := oidctest.New(oidctest.Config{})
	defer fake.Close()
	client, _ := oidc.New(oidc.Config{Issuer: fake.Issuer, ProConnect: true, ClientID: "id", ClientSecret: "secret",
		RedirectURL: "https://app.example/callback", InsecureAllowHTTP: true})
	u, _, err := client.AuthURL(context.Background(), oidc.WithPrompt(oidc.PromptNone), oidc.WithSIRETHint("34329377500037"))
	if err != nil {
		panic(err)
	}
	q, _ := url.Parse(u)
	fmt.Println(q.Query().Get("prompt"), q.Query().Get("siret_hint"), q.Query().Get("code_challenge_method"))
	_, _, err = client.AuthURL(context.Background(), oidc.WithSIRETHint("123"))
	fmt.Println(err)
	// Output:
	// none 34329377500037 S256
	// oidc: invalid authorization option: SIRET hint "123" is not 14 digits
}
