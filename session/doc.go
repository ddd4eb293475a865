// Package session keeps server-side HTTP sessions in Redis in the formats
// MilleGrilles' Python services use, so a Go service can share sessions with them
// behind one cookie domain.
//
// A Manager wraps handlers: it reads the session cookie (aiohttp_session's 32 hex
// characters), loads the record on first use with one GET, and saves it only if
// it changed, with one compare-and-set that replays the request's changes if
// another request saved first, so concurrent requests lose nothing. Records are
// aiohttp_session's JSON, byte for byte. MGSessions reads and writes
// MilleGrilles' mgsession.<challenge> records and their sealed cookie, answers a
// reverse proxy's verify requests and evicts every session of a user.
//
//	store := session.NewRedisStore(redisClient) // DB 2 for MilleGrilles
//	sessions, err := session.NewManager(store, session.Config{CookieName: "auth.aiohttp"})
//	if err != nil { ... }
//	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
//		s := session.FromContext(r.Context())
//		if err := s.Renew(); err != nil { ... } // a new id at every login
//		_ = s.Put("userId", userID)
//	})
//	http.ListenAndServe(addr, sessions.Middleware(mux))
//
// Costs in Redis commands: a request that leaves its session alone, none; one
// that reads it, one (GET, or GETEX with SlidingIdle); one that changes it, two
// (the read and one EVALSHA of the compare-and-set script), plus one per lost race.
// Renew adds a DEL of the old record; while Config.Index is set, a write of a
// session holding a user adds one EVALSHA on the user's index (so the index
// outlives the record); the first write after a Redis restart sends the script
// body once (EVAL).
//
// Cookies are Secure, HttpOnly, SameSite=Lax and Path=/ unless configured
// otherwise. When Redis is unreachable the middleware answers 503 and changes
// nothing; it recovers by itself when Redis returns.
//
// What it does NOT do: authenticate users (that is the app's, or
// session/passkey's, job), store sessions in cookies, or encrypt records at rest.
// SlidingIdle sessions are not understood by aiohttp_session, which judges idleness
// from the last change only.
package session
