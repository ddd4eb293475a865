// Package beswarm verifies and uses BeSwarm tokens end to end: the token
// profile, the rights in its scope, the login and token client, host discovery,
// and (in beswarmtest) a fake BeSwarm to test against.
//
//	keys, _ := beswarm.PublicKeys("https://dev.beswarm.net", jwtverify.RemoteKeysConfig{})
//	v, _ := beswarm.NewVerifier(keys, beswarm.Config{Audience: []string{beswarm.AnyAudience}})
//	api := jwtverify.Middleware(v, jwtverify.MiddlewareConfig{})
//	mux.Handle("POST /accounts", api(beswarm.Require("userbankaccount", beswarm.Write)(h)))
//
//	client, _ := beswarm.NewClient(beswarm.ClientConfig{AppID: id, ClientSecret: secret,
//		AuthorizeURL: "https://dev.beswarm.net/authorize", Verifier: v})
//	login, _ := client.Start()                    // keep login in the session; redirect to login.URL
//	set, err := client.Callback(ctx, login, r.URL.Query())
//	ts := client.TokenSource(set, login.CodeChallenge, beswarm.TokenSourceConfig{OnRefresh: save})
//	hosts, err := client.Discovery(ts).Hosts(ctx, "api/foodoffer")
//
// Tokens: BeSwarm signs with RSA from a .NET service whose header alg is an
// XML-DSig URI; each URI maps through a fixed table to the algorithm of its own
// hash (…#rsa-sha256 to RS256, …#rsa-sha384 to RS384, …#rsa-sha512 to RS512),
// never by free text. iss must be "BeSwarm" (configurable: older tokens said
// "mystrongbox"), aud "*" is accepted only when Config.Audience lists it, exp
// and nbf are required. BeSwarm's own sample code turns these checks off; this
// package does not. Claims decodes tokentype, swarmid, lang, nonce, nbf, exp,
// scope (a JSON object in a string, into Rights) and funcs (a JSON array in a
// string); private stays opaque. A malformed scope is ErrScope, never an empty
// grant.
//
// Nonce: a token's nonce is the lowercase hex SHA-256 of the login's secret
// code challenge; CheckNonce compares it in constant time and
// case-insensitively, because BeSwarm's .NET client sends the hash in
// uppercase. (The example token of BeSwarm's documentation carries a
// 63-character nonce, a typo of the 64-character hash of its code challenge
// "9819811".)
//
// The JSON shapes assumed, read from BeSwarm's documentation and the public
// repositories be-swarm/Dev (docs), be-swarm/CoreBlazorApp (its generated
// client: swaggergen/src/access.cs and core.cs, SessionWebApi.cs) and
// be-swarm/CoreWebApi (its token service); anything else is refused with
// ErrResponse (or jwtverify.ErrMalformed for keys):
//
//   - every answer: {"datas":…,"status":200,"error":{"errorCode":…,"description":…}};
//     a 4xx or a status other than 200 is ErrDenied, a 5xx ErrUnavailable.
//   - publickey (GET <service>/api/v1/core/publickey):
//     datas [{"indice":"k1","key":"<RSAKeyValue>…</RSAKeyValue>"}].
//   - usertoken (POST <service>/api/access/v1/usertoken, body
//     {"code_challenge","client_secret","code","swarm"}): datas
//     {"usertoken":T,"applicationtoken":T}, T being {"token_type":"Bearer",
//     "id_token","expires_in":"3600" (a string),"expires_on","hosts":[…]} and
//     nothing else. expires_on is ignored: BeSwarm computes it as the issue
//     time minus the lifetime; the expiry is the token's own exp.
//   - refreshtoken (POST <service>/api/access/v1/refreshtoken, body
//     {"Token":"Bearer <token>","Code_challenge"} as BeSwarm's client sends
//     it): datas T.
//   - discovery (GET <host>/api/core/v1/discovery/<role>, and
//     …/api/core/v1/discovery for the generic host list): datas
//     ["https://host",…], a non-empty list (the documentation leaves the shape
//     open; this is the StringListResultAction of BeSwarm's client).
//
// Security: serviceurl and swarm arrive through the browser. Exchange, Refresh
// and Discovery only talk to HTTPS hosts inside ClientConfig.Domains (BeSwarm's
// own by default; exact or dot-suffix match; no userinfo, query or fragment; no
// port unless listed), never follow redirects, and bound every answer. The
// state of a callback must be the login's (256 random bits, constant-time
// compare). Key URLs are configuration, never taken from a token or a
// callback.
//
// What it does not do: issue tokens (beswarmtest does, for tests), call
// BeSwarm's data APIs, or store sessions (keep Login and TokenSet in your
// session store; TokenSourceConfig.OnRefresh tells you when to save).
package beswarm
