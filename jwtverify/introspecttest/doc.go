// Package introspecttest is a fake OAuth 2.0 token introspection endpoint
// (RFC 7662) for tests of resource servers that take opaque tokens: a real
// HTTP server that hands out opaque tokens, answers for them, revokes them,
// authenticates its caller and misbehaves on demand.
//
//	srv := introspecttest.Start(t, introspecttest.Config{})
//	in, err := jwtverify.NewIntrospector(srv.IntrospectionConfig())
//	tok := srv.Issue(map[string]any{"sub": "alice", "scope": "orders:read", "exp": time.Now().Add(time.Hour).Unix()})
//	srv.Revoke(tok)                              // active false from now on
//	srv.SetStatus(http.StatusServiceUnavailable) // the endpoint is down
//
// Unknown tokens are answered {"active":false}; a caller without the
// configured client credentials gets 401 invalid_client. It is a test
// helper, never an authorization server.
package introspecttest
