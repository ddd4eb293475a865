// Package oidc is an OpenID Connect relying party for any OpenID Certified
// provider (Keycloak, Auth0, Entra, Google, Ory, …), with a ProConnect preset
// that checks every ProConnect rule (the login of French public agents).
//
// A Client fetches the provider's discovery document (refreshed with its
// max-age, issuer checked exactly, endpoints https, on the issuer's host for
// ProConnect) and JWKS, builds authorization URLs with 256-bit state and nonce,
// PKCE S256 and the options (prompt, login_hint, max_age, acr_values, claims,
// and ProConnect's idp_hint, siret_hint, acr through the claims parameter),
// pushed first (PAR, RFC 9126) when the provider requires it or the config
// asks, exchanges the code authenticating as registered (client_secret_basic,
// client_secret_post, client_secret_jwt, private_key_jwt or none), verifies
// the ID token (signature with the registered algorithms, iss, aud, azp, exp,
// iat, nonce, at_hash, acr, auth_time against max_age) and the userinfo (JSON,
// or a JWT with iss and aud verified; signed required when registered so, and
// always for ProConnect; a sub equal to the ID token's), refreshes tokens (a
// rotated refresh token replaces the old one), and builds the browser-redirect
// logout URL when the provider has an end_session_endpoint. Back-channel
// logout tokens are verified by VerifyLogoutToken (each jti once, across
// every instance with a RedisIDStore) and served by Handlers.BackChannelLogout,
// which ends the sessions they name on every instance when
// HandlerConfig.Sessions is the app's *session.Manager (see SessionIndex), or
// hands them to OnBackChannelLogout. Handlers wire it into an app, here with
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
// Package oidctest is a fake ProConnect, or a fake generic provider, to test
// against.
//
// Each callback is bound to the Client that started it (issuer and client ID in
// the flow, and RFC 9207's iss parameter, required when the provider advertises
// it), so two providers behind one app cannot be mixed up. Discovery and JWKS are
// fetched by Sesame's shared remote engine: single-flight, cached for their
// max-age, served stale while the provider is down, backed off after failures,
// and redirected only within their origin.
//
// A generic provider is named by its issuer:
//
//	client, err := oidc.New(oidc.Config{
//		Issuer: "https://sso.example.com/realms/staff", ClientID: id, ClientSecret: secret,
//		Scopes:      []string{"openid", "email", "profile"},
//		RedirectURL: "https://app.example/auth/callback",
//	})
//
// What it does NOT do: keep the app's session (OnLogin hands the verified Login
// to your session, such as Sesame's session package), the implicit or hybrid
// flows, or mutual-TLS client authentication.
package oidc
