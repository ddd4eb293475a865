package beswarm_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/beswarm"
	"github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest"
)

// An app logs a user in against the fake BeSwarm, calls its own API protected
// by Require with the user token, and refreshes the token.
func Example() {
	ctx := context.Background()
	fake, err := beswarmtest.New(beswarmtest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()

	// The verifier takes its keys from the service's publickey endpoint.
	keys, err := beswarm.PublicKeys(fake.URL, jwtverify.RemoteKeysConfig{InsecureAllowHTTP: true, HTTPClient: fake.Client()})
	if err != nil {
		log.Fatal(err)
	}
	verifier, err := beswarm.NewVerifier(keys, beswarm.Config{Audience: []string{beswarm.AnyAudience}})
	if err != nil {
		log.Fatal(err)
	}
	cfg := fake.ClientConfig() // production: AppID, ClientSecret, AuthorizeURL; BeSwarm's domains by default
	cfg.Verifier = verifier
	client, err := beswarm.NewClient(cfg)
	if err != nil {
		log.Fatal(err)
	}

	// Login: redirect the browser to login.URL, keep login in the session.
	login, err := client.Start()
	if err != nil {
		log.Fatal(err)
	}
	callback, err := fake.Login(ctx, login.URL) // the user logs in; BeSwarm calls back
	if err != nil {
		log.Fatal(err)
	}
	set, err := client.Callback(ctx, login, callback)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("swarm:", set.Swarm, "type:", set.User.Claims.TokenType)

	// The app's API: writing bank accounts needs userbankaccount:write,
	// deleting them userbankaccount:delete.
	api := jwtverify.Middleware(verifier, jwtverify.MiddlewareConfig{})
	mux := http.NewServeMux()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.Handle("POST /accounts", api(beswarm.Require("userbankaccount", beswarm.Write)(ok)))
	mux.Handle("DELETE /accounts", api(beswarm.Require("userbankaccount", beswarm.Delete)(ok)))
	app := httptest.NewServer(mux)
	defer app.Close()

	ts := client.TokenSource(set, beswarm.TokenSourceConfig{})
	for _, method := range []string{"POST", "DELETE"} {
		cur, err := ts.Token(ctx)
		if err != nil {
			log.Fatal(err)
		}
		req, _ := http.NewRequestWithContext(ctx, method, app.URL+"/accounts", nil)
		req.Header.Set("Authorization", "Bearer "+cur.User.Raw)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(method, resp.StatusCode, resp.Header.Get("WWW-Authenticate") != "")
	}

	// Refresh: a TokenSource does it a minute before exp; here, by hand.
	refreshed, err := client.Refresh(ctx, set)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("new token:", refreshed.User.Raw != set.User.Raw, "nonce ok:", beswarm.CheckNonce(refreshed.User.Claims, login.CodeChallenge) == nil)
	// Output:
	// swarm: testdev type: User
	// POST 204 false
	// DELETE 403 true
	// new token: true nonce ok: true
}
