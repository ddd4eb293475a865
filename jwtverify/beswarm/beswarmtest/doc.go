// Package beswarmtest is a fake BeSwarm service for tests: an httptest server
// (HTTP or TLS) that speaks BeSwarm's formats, so an app can test its whole
// login, its protected handlers, refreshes and host discovery without the
// Internet.
//
// It serves the login page (/authorize, which logs the user in at once and
// redirects to the callback with state, code, swarm and serviceurl), usertoken
// (single-use 60-second codes, client_secret and code_challenge checked),
// refreshtoken ({"Token"} with or without "Bearer ", expired tokens
// renewed), publickey (RSAKeyValue keys, Cache-Control max-age=600) and
// discovery (per role, configurable). Tokens are signed with a 2048-bit RSA key
// under the XML-DSig rsa-sha256 URI, with the claims of BeSwarm's documentation
// (configurable rights); the answers carry expires_on computed as BeSwarm does
// (wrongly: the issue time minus the lifetime).
//
//	fake := beswarmtest.Start(t, beswarmtest.Config{})   // or New, NewTLS, StartTLS
//	client, _ := beswarm.NewClient(fake.ClientConfig())
//	login, _ := client.Start()
//	callback, _ := fake.Login(ctx, login.URL)           // the user logs in
//	set, err := client.Callback(ctx, login, callback)
//	kid, _ := fake.RotateKey()                           // tokens now signed by kid
//	fake.SetFaults(beswarmtest.Faults{WrongNonce: true}) // the next tokens are bad
//
// Sign and Mint sign any header and claims with the fake's key (the example
// token of BeSwarm's documentation, a lying alg, …). Count reports the requests
// per path.
//
// It has no dependency beyond Sesame and the standard library, so another
// module (a demo, an app's tests) can use it. What it does NOT do: an
// interactive login page, persistence, or BeSwarm's data APIs; it is never
// meant for production.
package beswarmtest
