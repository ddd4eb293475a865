// Package oidctest is a fake ProConnect, or a fake generic OpenID Provider,
// for tests: an httptest server (HTTP or TLS) that behaves like the real one,
// so an app can test its whole login and logout without the Internet.
//
// It serves ProConnect's paths and discovery fields (/api/v2/...; discovery and
// JWKS with Cache-Control max-age=600), signs ID tokens and userinfo with ES256,
// RS256 or HS256 (the client secret), answers userinfo as application/jwt or
// JSON, maps scopes to claims as ProConnect does (chorusdt gives
// chorusdt:matricule and chorusdt:societe, phone gives phone_number), honours the
// claims parameter, prompt=none (login_required without a session), state and
// nonce of 32+ characters, and PKCE S256; its token endpoint takes
// client_secret_post only, single-use 60-second codes and rotating refresh
// tokens; session/end answers 303. Faults make it misbehave, and it records
// every request:
//
//	fake := oidctest.Start(t, oidctest.Config{})        // or StartTLS
//	client, _ := oidc.New(oidc.Config{
//		Issuer: fake.Issuer, ProConnect: true, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
//		RedirectURL: app.URL + "/callback", InsecureAllowHTTP: true,
//	})
//	fake.SetFaults(oidctest.Faults{WrongNonce: true}) // the next ID token is bad
//	n := fake.Count(oidctest.PathJWKS)                // requests recorded
//
// Agents log in at once (the one named by login_hint, else the first), or
// through a page of plain links with Config.Interactive.
//
// With Config.Generic it is a general-purpose provider instead: the issuer at
// Config.IssuerPath (root or not, with or without a trailing slash), any
// authorization parameter (max_age honoured), the registered client
// authentication method checked exactly (client_secret_basic by default,
// client_secret_post, client_secret_jwt, private_key_jwt with kid, or none
// with PKCE; assertions with a jti seen once), a PAR endpoint (required with
// RequirePAR), plain JSON userinfo by default, and optional
// end_session_endpoint and userinfo_endpoint. LogoutToken mints back-channel
// logout tokens, good or broken, and SendLogoutToken posts one to an app;
// LogoutSession ends a login's provider session (LastSessionID names the
// latest) and posts its logout token to the registered BackChannelLogoutURI,
// as a user logging out at the provider:
//
//	fake := oidctest.Start(t, oidctest.Config{Generic: true, IssuerPath: "/realms/staff", RequirePAR: true,
//		BackChannelLogoutURI: app.URL + "/backchannel-logout"})
//	n := fake.Count(fake.Path(oidctest.PathPAR))
//	// … the browser logs in through the app …
//	status, _, _ := fake.LogoutSession(ctx, nil, fake.LastSessionID()) // 200: the app ended the session
//	tok, _ := fake.LogoutToken(oidctest.LogoutToken{SessionID: sid, BadSignature: true})
//	status, _, _ = fake.SendLogoutToken(ctx, nil, app.URL+"/backchannel-logout", tok) // 400
//
// What it does NOT do: token introspection, identity-provider federation,
// back-channel logout on its own (session/end ends the fake session without
// sending a logout token: a test calls LogoutSession), or persistence; it is
// for tests and local development, never production.
package oidctest
