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
// builds the browser-redirect logout URL. Handlers wire it into an app, here with
// Sesame's session package keeping the logged-in state (the whole runnable
// version is ExampleNewHandlers_session):
//
//	client, err := oidc.New(oidc.Config{
//		Host: oidc.Production, ClientID: id, ClientSecret: secret,
//		RedirectURL:           "https://app.example/auth/callback",
//		PostLogoutRedirectURL: "https://app.example/auth/logged-out",
//	})
//	sessions, err := session.NewManager(session.NewRedisStore(rdb), session.Config{})
//	h, err := oidc.NewHandlers(client, oidc.HandlerConfig{
//		FlowKey: key32, // seals the flow cookies
//		OnLogin: func(w http.ResponseWriter, r *http.Request, l *oidc.Login) error {
//			s := session.FromContext(r.Context())
//			if err := s.Renew(); err != nil { // a new session id at every login
//				return err
//			}
//			return errors.Join(s.Put("agent", l.Agent), s.Put("id_token", l.IDToken.Raw))
//		},
//		LoggedIn: func(r *http.Request) bool {
//			ok, _ := session.FromContext(r.Context()).Has("agent")
//			return ok
//		},
//		OnLogout: func(w http.ResponseWriter, r *http.Request) string {
//			s := session.FromContext(r.Context())
//			hint, _ := s.GetString("id_token")
//			_ = s.Destroy() // then the handler redirects to ProConnect's session/end
//			return hint
//		},
//	})
//	mux.Handle("GET /auth/login", h.Login())
//	mux.Handle("GET /auth/callback", h.Callback())
//	mux.Handle("POST /auth/logout", h.Logout())
//	mux.Handle("GET /auth/logged-out", h.LogoutCallback())
//	mux.Handle("/", h.RequireLogin(app))
//	http.ListenAndServe(addr, sessions.Middleware(mux))
//
// Between the redirect and the callback the state, nonce, PKCE verifier and return
// path wait in a FlowStore; the default is an AES-GCM sealed __Host- cookie per
// login (several tabs may log in at once), accepted once and for ten minutes.
// Package oidctest is a fake ProConnect to test against.
//
// Each callback is bound to the Client that started it (issuer and client ID in
// the flow, and RFC 9207's iss parameter, required when the provider advertises
// it), so two providers behind one app cannot be mixed up. Discovery and JWKS are
// fetched by Sesame's shared remote engine: single-flight, cached for their
// max-age, served stale while the provider is down, backed off after failures,
// and redirected only within their origin.
//
// What it does NOT do: keep the app's session (OnLogin hands the verified Login
// to your session, such as Sesame's session package), authenticate to the token
// endpoint with private_key_jwt, or talk to OpenID providers other than
// ProConnect-like ones (it is a focused client, not a generic one).
package oidc
