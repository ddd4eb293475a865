// Package oidc is a ProConnect relying party: the OpenID Connect login of French
// public agents, with every ProConnect rule checked.
//
// A Client fetches ProConnect's discovery document (refreshed with its max-age,
// issuer and endpoint hosts checked) and JWKS, builds authorization URLs with
// 256-bit state and nonce, PKCE S256 and ProConnect's options (prompt, login_hint,
// idp_hint, siret_hint, acr through the claims parameter), exchanges the code with
// client_secret_post, verifies the ID token (signature with the registered
// algorithms, iss, aud, azp, exp, iat, nonce, at_hash, acr) and the signed
// userinfo (iss, aud, and a sub equal to the ID token's), refreshes tokens, and
// builds the browser-redirect logout URL. Handlers wire it into an app:
//
//	client, err := oidc.New(oidc.Config{
//		Host: oidc.Production, ClientID: id, ClientSecret: secret,
//		RedirectURL:           "https://app.example/auth/callback",
//		PostLogoutRedirectURL: "https://app.example/auth/logged-out",
//	})
//	h, err := oidc.NewHandlers(client, oidc.HandlerConfig{
//		FlowKey: key32, // seals the flow cookies
//		OnLogin: func(w http.ResponseWriter, r *http.Request, l *oidc.Login) error {
//			return sessions.Start(w, r, l.Agent.Sub, l.IDToken.Raw) // your session
//		},
//		LoggedIn: sessions.Has, OnLogout: sessions.End,
//	})
//	mux.Handle("/auth/login", h.Login())
//	mux.Handle("/auth/callback", h.Callback())
//	mux.Handle("/auth/logout", h.Logout()) // POST
//	mux.Handle("/auth/logged-out", h.LogoutCallback())
//	mux.Handle("/", h.RequireLogin(app))
//
// Between the redirect and the callback the state, nonce, PKCE verifier and return
// path wait in a FlowStore; the default is an AES-GCM sealed __Host- cookie per
// login (several tabs may log in at once), accepted once and for ten minutes.
// Package oidctest is a fake ProConnect to test against.
//
// What it does NOT do: keep the app's session (OnLogin hands the verified Login
// to your session, such as Sesame's session package), authenticate to the token
// endpoint with private_key_jwt, or talk to OpenID providers other than
// ProConnect-like ones (it is a focused client, not a generic one).
package oidc
