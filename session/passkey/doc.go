// Package passkey runs WebAuthn passkey registration and login on
// go-webauthn, inside a session.Manager, and reads and writes the ceremony
// state and credentials in webauthn-rs 0.4.9's serde shape, so a Go service
// and MilleGrilles' Python/Rust services share them.
package passkey
