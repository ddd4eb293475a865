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
//	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		s := session.FromContext(r.Context())
//		if err := s.Renew(); err != nil { ... } // a new id at every login
//		_ = s.Put("userId", userID)
//	})
//	mux.Handle("POST /login", sessions.Protect(login)) // same-origin form POSTs only
//	http.ListenAndServe(addr, sessions.Middleware(mux))
//
// A handler that changes state (logs in or out, signs up, writes the session)
// goes behind Manager.Protect, or calls Manager.CheckRequest first: Sesame's
// one rule for such handlers, which session/passkey's ceremonies and oidc's
// logout apply too. It takes a POST only (never a GET), from the request's own
// origin or one of Config.TrustedOrigins (Go's http.CrossOriginProtection:
// Sec-Fetch-Site, else Origin against Host, so a same-site sibling host is
// refused as a cross-site page is), with the body type the handler takes (a
// form by default; never text/plain), and refuses anything else with
// ErrMethod (405), ErrCrossOrigin (403) or ErrContentType (415) before the
// session is read.
//
// Costs in Redis commands: a request that leaves its session alone, none; one
// that reads it, one (GET, or GETEX with SlidingIdle); one that changes it, two
// (the read and one EVALSHA of the compare-and-set script), plus one per lost
// race. Requests of one process writing one session do not race: the Manager
// serialises their commits per session id and starts each from the value the
// previous one wrote; across processes, lost races back off with jitter. While
// Config.Index is set, a write of a session holding a user first adds one
// EVALSHA on the user's index (before the record, so a failure leaves nothing
// written), and a login (a write bringing a user into a session) one SISMEMBER
// after it. Renew costs one more EVALSHA (the old record becomes a forward
// marker). The first write after a Redis restart sends the script body once
// (EVAL).
//
// Logout is final. Once Destroy or MGSessions.EvictUser returned, no request
// that held the user's session, or renewed it, while it ran leaves a live
// session of that user under any id: a commit whose session ended meanwhile
// drops its changes (ErrEnded, 409), a renewal writes its new record before it
// closes the old one with a marker that a concurrent logout follows, and a
// login that an eviction raced ends its record again (see IndexChecker).
//
// Cookies are Secure, HttpOnly, SameSite=Lax and Path=/ unless configured
// otherwise; a "__Host-" or "__Secure-" cookie name that the other attributes
// would make browsers drop is refused by NewManager and NewMGSessions. When Redis is unreachable the middleware answers 503 and the
// store holds what it held before the request (see ErrUnavailable); it
// recovers by itself when Redis returns, through a Sentinel or Cluster
// failover too: on a cluster client, a connection error makes the client
// reload its slot map (at most twice a second), so requests reach the promoted
// replica seconds after the promotion, not at go-redis's periodic reload a
// minute later.
//
// # Durability
//
// Redis replicates asynchronously: a write the master acknowledged a moment
// before it died may be missing from the replica promoted in its place. With
// RedisConfig.WaitReplicas (NewRedisStoreWith), every write is followed, in the
// same pipeline on the same connection to the key's master, by WAIT
// WaitReplicas WaitTimeout: a commit succeeds only once that many replicas
// hold the write, and fewer is ErrNotReplicated (a 503 whose outcome is
// unknown: the master applied the write, a failover may or may not keep it).
// The cost is one more round trip per write, from the master to the replicas
// and back: the app sends nothing more, but its write is answered only once a
// replica acknowledged it (see the README's benchmarks). Reads are unchanged.
// It is off by default.
//
// # Where Sesame departs from aiohttp_session
//
// Records are byte for byte what aiohttp_session writes (numbers as Python's
// json.dumps writes them). Where the two read or write differently:
//
//	case                          aiohttp_session               Sesame                         why
//	SameSite                      not set by default            Lax by default                 security: CSRF
//	deletion cookie               "", Max-Age=0, Path, Domain   the same plus HttpOnly,        harmless: the browser replaces
//	                                                            Secure, SameSite               the cookie either way
//	created missing or not a      missing: empty session, id    corrupt: anonymous, a write    security: no id continued for
//	number, ≤ 0                   kept; string: crash           takes a new id                 a record it cannot date
//	created in the future         live (age negative)           corrupt beyond 60 s of skew    security: would never idle out
//	created a float               read                          read (rounded down)            changed: no security reason
//	duplicate session cookies     the last                      the first (most specific       security: cookie tossing from
//	                                                            Path, RFC 6265 §5.4)           a sibling host or path
//	an emptied session            {} and deletion cookie        the same                       -
//	unknown top-level members     dropped on rewrite            dropped on rewrite             changed (were kept)
//	the index key                 none                          sesame.user_sessions.<user>    needed by EvictUser; Python
//	                                                            set, with Config.Index         never reads it
//	the old id after a renewal    (no renewal)                  {"_sesame_renewed": "<id>"}:   security: a logout racing the
//	                                                            Python sees an expired,        renewal reaches the new id
//	                                                            empty session
//	a session Python started,     (no lifetime)                 counts from its created        changed (was dropped at once)
//	with Config.Lifetime
//	NaN, Infinity, numbers out    written as NaN/Infinity       refused: Put ErrValue, a       not JSON (RFC 8259); Go could
//	of float64 range                                            record holding them corrupt    not read its own record
//	integers over 4300 digits     refused on read (ValueError)  refused: ErrValue, ErrCorrupt  Python cannot read them back
//	SlidingIdle                   idle judged on the last       optional GETEX per read        Python drops such a session
//	                              change                                                       IdleTimeout after its last change
//
// # Cookie secret rotation
//
// MGSessions seals mgsession cookies with the 32-byte key stored, standard
// base64, under webauth.cookies.secret; MilleGrilles' Python services read the
// same key, and rotating it means writing a new key there (SET), which they
// use from then on: cookies sealed with the old key no longer open on their
// side. Sesame reads the key again every MGConfig.SecretRefresh (5 s, one GET
// at a time), seals with the current key and opens with the current one or,
// for MGConfig.SecretGrace (1 minute) after it saw the rotation, the previous
// one, so that cookies it sealed just before seeing the rotation keep working
// while it catches up. A key that is deleted, truncated or not base64 makes
// every seal and open fail (ErrSecret; the verify handler answers 503).
//
// What it does NOT do: authenticate users (that is the app's, or
// session/passkey's, job), store sessions in cookies, or encrypt records at rest.
package session
