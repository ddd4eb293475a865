package passkey

import "errors"

// Errors returned by this package. Each is wrapped with what was wrong; test
// for them with errors.Is.
var (
	// ErrConfig is returned by New given an invalid configuration.
	ErrConfig = errors.New("passkey: invalid configuration")

	// ErrFormat is returned when a webauthn-rs record (ceremony state,
	// credential or stored user) does not have the expected shape: unknown or
	// missing members, duplicate names, a wrong variant of key, type_,
	// extensions or attestation, bytes of the wrong length, too much data.
	ErrFormat = errors.New("passkey: malformed record")

	// ErrWeakKey is returned for a credential public key Sesame refuses: an RSA
	// modulus under 2048 bits, a point off its curve, an algorithm webauthn-rs
	// does not know.
	ErrWeakKey = errors.New("passkey: unacceptable public key")

	// ErrBadRequest is returned when a request body is not the JSON a ceremony
	// expects.
	ErrBadRequest = errors.New("passkey: bad request")

	// ErrNoCeremony is returned by a finish with no ceremony begun in the
	// session, or one already finished (a ceremony is used once).
	ErrNoCeremony = errors.New("passkey: no ceremony in progress")

	// ErrExpired is returned when the ceremony's timeout passed before it was
	// finished.
	ErrExpired = errors.New("passkey: ceremony expired")

	// ErrNotLoggedIn is returned by BeginRegistration when the session holds
	// no logged-in user and no EnrollHook admitted the request, and by
	// FinishRegistration when the session's user changed since the begin.
	ErrNotLoggedIn = errors.New("passkey: registration needs a logged-in user")

	// ErrVerification is returned when an assertion or attestation does not
	// verify: client data of the wrong origin, type or challenge, a bad
	// signature, a relying party id hash of another site.
	ErrVerification = errors.New("passkey: verification failed")

	// ErrUnknownCredential is returned for a credential id that is not
	// registered, or not to the user the ceremony was begun for.
	ErrUnknownCredential = errors.New("passkey: unknown credential")

	// ErrUnknownUser is returned by a UserStore for a user it does not hold.
	ErrUnknownUser = errors.New("passkey: unknown user")

	// ErrDuplicate is returned by a UserStore asked to add a user or a
	// credential id that already exists.
	ErrDuplicate = errors.New("passkey: already registered")

	// ErrCounter is returned when an assertion's signature counter does not
	// move forward from the stored one (unless both are 0): the authenticator
	// may have been cloned. It is also returned when another login moved the
	// stored counter meanwhile.
	ErrCounter = errors.New("passkey: signature counter did not increase")

	// ErrBackupEligible is returned when an assertion's backup flags
	// contradict the credential's: backup eligibility lost, gained without
	// allow_backup_eligible_upgrade, gained while already backed up (BS=1),
	// or the backup state set without eligibility.
	ErrBackupEligible = errors.New("passkey: backup eligibility changed")

	// ErrUserVerification is returned when an assertion lacks user
	// verification that the ceremony's policy, or the credential's
	// registration with user verification, requires.
	ErrUserVerification = errors.New("passkey: user verification required")

	// ErrUnavailable is returned when a UserStore's backend is down; try later
	// (503).
	ErrUnavailable = errors.New("passkey: store unavailable")
)
