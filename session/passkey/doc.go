// Package passkey runs WebAuthn passkey registration and login on
// go-webauthn, inside a session.Manager, and reads and writes the ceremony
// state and credentials in webauthn-rs 0.4.9's serde shape, so a Go service
// and MilleGrilles' services share them.
//
// New(Config) returns Passkeys, whose Handler serves four JSON endpoints
// (BeginRegistration, FinishRegistration, BeginLogin, FinishLogin) and the
// browser module (Script, /passkey/passkey.js: register, login, autofill).
// A ceremony's state lives in the user's session (KeyRegistration,
// KeyAuthentication in webauthn-rs's PasskeyAuthentication shape), expires
// after Config.Timeout and is used once: a finish deletes it, success or not.
// A login renews the session id, then records userId, userName and
// authentifiee: true, as MilleGrilles' aiohttp session does.
//
// Each ceremony handler takes a POST with Content-Type application/json from
// the page's own origin, or one of the session Manager's TrustedOrigins, and
// nothing else: session.Manager.CheckRequest, Sesame's one rule for handlers
// that change state, refuses a GET (405 "method"), a cross-origin request,
// cross-site or from a same-site sibling host (403 "cross_origin"), and a
// form, text/plain or missing body type (415 "content_type") before the
// session is read, so no other page can begin, end or overwrite a ceremony,
// sign a user up, or replace the session cookie.
//
// A passkey is only added to the session's logged-in user, or to the user
// Config.EnrollHook admits. A username-first BeginLogin answers an unknown
// name like a known one, byte for byte but for the random challenge and the
// credential id bytes: one to three stand-in credentials with the id lengths
// and transports of common authenticators, derived from an HMAC of the name
// under Config.FakeCredentialKey so that the same name gets the same answer.
//
// Rules webauthn-rs enforces and go-webauthn does not, applied by FinishLogin:
// a signature counter that does not increase is refused (ErrCounter) unless
// both are 0, and the store's BumpCounter is a compare-and-set; a credential
// registered with user verification needs it at every login
// (ErrUserVerification); a credential stored not backup eligible may assert
// BE=1 only with allow_backup_eligible_upgrade and only while BS=0, as
// webauthn-rs refuses BE=1 with BS=1 there (ErrBackupEligible). RSA keys under
// 2048 bits are refused (ErrWeakKey).
//
// Users and passkeys are kept by a UserStore: MemoryStore, or RedisStore
// (webauthn-rs credential records, single-key commands). Stored records and
// states are untrusted: strict, bounded reading (ErrFormat).
package passkey
