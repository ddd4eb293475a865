// Package certcache reads, verifies and caches MilleGrilles certificate chains,
// in the Redis records MilleGrilles' Python, Rust and Node services share:
//
//	certificat_v1:<fingerprint>  →  {"pems": ["<leaf PEM>", "<intermediate PEM>"], "ca": null}
//
// The fingerprint is the lowercase hex of the leaf's raw Ed25519 public key. A
// chain is trusted when it leads, in order, to a self-signed Ed25519 MilleGrille
// root (CN=MilleGrille) and the leaf's subject O is that root's IDMG. The leaf's
// OU is its role, its CN its instance id, and extensions 1.2.3.4.0 to .5 carry
// its exchanges (security levels), roles, domains, user id and delegations.
//
//	roots := x509.NewCertPool()
//	roots.AppendCertsFromPEM(millegrilleRootPEM)
//	certs, err := certcache.NewRedisCache(redisClient, certcache.Config{Roots: roots}) // DB 0
//	chain, err := certs.Get(ctx, fingerprint) // errors.Is(err, certcache.ErrNotFound), ...
//	if chain.Role() == "maitrecomptes" && slices.Contains(chain.Exchanges(), "2.prive") { ... }
//
// RedisCache reads a record with one bounded GET (a script: a record over
// MaxRecordSize is refused without being transferred), checks that the chain is
// the key's (deleting a record that is not, as the Node services do), verifies it
// once, slides its TTL (48 h by default, as the Python services; a record
// refused is not kept alive) and keeps it in a bounded memory tier until the
// chain expires. A fingerprint names the same chain in upper and lower case. A memory hit takes no lock and
// allocates nothing; concurrent misses of one fingerprint share one Redis read and
// one verification. Put verifies and writes the record byte for byte as Python's
// json.dumps does. MemoryCache is the same without Redis.
//
// Records are read as MilleGrilles' own services read them, tolerant of
// additions and exact in meaning: a member Sesame does not know is ignored,
// "ca" may be absent or null. Every record is untrusted: it is bounded (64 KiB)
// before it is transferred, parsed strictly where it matters (one JSON object,
// no repeated member, "pems" a list of PEM strings), and refused with a
// sentinel error (ErrMalformed, ErrTooLarge,
// ErrKeyType, ErrFingerprint, ErrChain, ErrExpired, ErrIDMG). A Config without
// Roots is refused: chains are never accepted unverified unless
// InsecureSkipVerify says so.
//
// What it does NOT do: issue or renew certificates, check revocation, trust the
// "ca" a record carries, or verify messages signed with a chain's key.
package certcache
