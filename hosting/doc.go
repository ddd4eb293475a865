// Package hosting keeps MilleGrilles hosting tokens in Redis, in the records
// MilleGrilles' services share ("Tokens locaux", DB 3):
//
//	hebergement:<instance_id>  →  {"jwt_readonly": "<JWT>", "jwt_readwrite": "<JWT>", "url": "<consignation URL>"}
//
// each record expiring 30 s before the earlier of its two tokens.
//
//	cache, err := hosting.NewCache(redisClient, hosting.Config{Verifier: verifier}) // DB 3
//	err = cache.Put(ctx, instanceID, hosting.Tokens{ReadOnly: ro, ReadWrite: rw, URL: u})
//	src, err := hosting.NewTokenSource(cache, hosting.FetcherFunc(fetchFromHostingService))
//	tokens, err := src.Tokens(ctx, instanceID) // cached, or fetched once for all concurrent callers
//
// Put reads each token's exp, refuses a token without one (ErrNoExpiry), stores
// nothing when the TTL (earliest exp − 30 s) is not positive (ErrExpired), and
// writes the record with one SET … EX, byte for byte as Python's json.dumps. Get
// is one bounded GET (a record over 64 KiB is refused without being
// transferred); the record is read as MilleGrilles' services read it (members
// Sesame does not know are ignored; the three it knows are required strings),
// with no repeated member, and its exp checked again.
//
// exp is read through a jwtverify Verifier when Config.Verifier is set: the
// tokens' signatures and claims are then verified on every Put and Get. Without
// one, exp is decoded from the tokens WITHOUT verifying them; the cache then
// vouches only for their shape and lifetime, not their origin.
//
// What it does NOT do: obtain tokens (a Fetcher does), refresh them before they
// expire, or verify them for the consignation service that receives them.
package hosting
