package passkey

import (
	"bytes"
	"crypto/subtle"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// VerifierConfig names the relying party whose assertions a Verifier checks.
// RPID and RPOrigins are required.
type VerifierConfig struct {
	// RPID is the relying party id, the site's registrable domain or host
	// ("example.com").
	RPID string
	// RPOrigins are the origins the browser may run the ceremony from
	// ("https://login.example.com").
	RPOrigins []string
}

// Verifier checks passkey assertions against a stored login state with
// webauthn-rs 0.4.9's rules, outside HTTP and without a session.Manager: a
// service that keeps webauthn-rs states its own way (a MilleGrilles service,
// a queue worker) gets the same answer FinishLogin would. It is safe for
// concurrent use.
//
//	v, err := passkey.NewVerifier(passkey.VerifierConfig{RPID: "example.com", RPOrigins: origins})
//	st, err := passkey.DecodeAuthentication(stateJSON) // webauthn-rs's PasskeyAuthentication
//	res, err := v.VerifyLogin(st, user, assertionJSON)
//	if cred.Update(res) { /* store cred: counter or backup flags moved */ }
type Verifier struct {
	wa *webauthn.WebAuthn
}

// NewVerifier checks cfg and returns a Verifier.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.RPID == "" || len(cfg.RPOrigins) == 0 {
		return nil, fmt.Errorf("%w: RPID and RPOrigins are required", ErrConfig)
	}
	wa, err := webauthn.New(&webauthn.Config{RPID: cfg.RPID, RPDisplayName: cfg.RPID, RPOrigins: cfg.RPOrigins})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &Verifier{wa: wa}, nil
}

// LoginResult is what a verified assertion says, webauthn-rs's
// AuthenticationResult.
type LoginResult struct {
	// CredentialID is the id of the credential that signed.
	CredentialID []byte
	// UserVerified is the assertion's UV flag.
	UserVerified bool
	// BackupEligible is the assertion's BE flag (it may only have moved from
	// false to true since registration).
	BackupEligible bool
	// BackupState is the assertion's BS flag.
	BackupState bool
	// Counter is the assertion's signature counter.
	Counter uint32
	// NeedsUpdate reports that the stored credential should be updated
	// (Credential.Update): the counter moved forward or a backup flag changed.
	NeedsUpdate bool
}

// VerifyLogin verifies one assertion (the browser's PublicKeyCredential JSON)
// against a login state and the user it is for, with webauthn-rs's rules:
//
//   - the credential is looked up in the state's credentials when the state
//     holds any (a username-first login: counter, flags and key come from the
//     state's copy, as in webauthn-rs), and must also be one of user's;
//     otherwise (a discoverable login) in user's credentials, and the
//     assertion's user handle must be user's id;
//   - challenge, origin, relying party id hash, user presence and signature,
//     as go-webauthn checks them;
//   - user verification is required when the state's policy is required,
//     when the credential was registered under required, or when it was
//     registered under preferred and verified then;
//   - backup eligibility may only move from false to true, and only when the
//     state allows the upgrade; a backup state needs eligibility;
//   - the counter must move forward unless it and the stored one are 0.
//
// Errors: ErrBadRequest for a response that does not parse,
// ErrUnknownCredential, ErrUserVerification, ErrBackupEligible,
// ErrVerification, ErrCounter.
func (v *Verifier) VerifyLogin(st *Authentication, user *User, response []byte) (*LoginResult, error) {
	if st == nil || user == nil {
		return nil, fmt.Errorf("%w: a state and a user are required", ErrNoCeremony)
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	return v.verify(st, user, parsed)
}

func (v *Verifier) verify(st *Authentication, user *User, parsed *protocol.ParsedCredentialAssertionData) (*LoginResult, error) {
	cred, err := loginCredential(st, user, parsed)
	if err != nil {
		return nil, err
	}
	flags := parsed.Response.AuthenticatorData.Flags
	check, err := checkAssertion(cred, flags, st)
	if err != nil {
		return nil, err
	}
	wu := &webauthnUser{u: user, creds: []webauthn.Credential{check}}
	sd := st.Session
	if len(sd.AllowedCredentialIDs) > 0 {
		sd.UserID = []byte(user.ID)
		_, err = v.wa.ValidateLogin(wu, sd, parsed)
	} else {
		_, _, err = v.wa.ValidatePasskeyLogin(func(_, _ []byte) (webauthn.User, error) { return wu, nil }, sd, parsed)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerification, err)
	}
	from, to := cred.Authenticator.SignCount, parsed.Response.AuthenticatorData.Counter
	if to <= from && (to != 0 || from != 0) {
		return nil, fmt.Errorf("%w: %d after %d", ErrCounter, to, from)
	}
	res := &LoginResult{
		CredentialID: cred.ID, UserVerified: flags.HasUserVerified(),
		BackupEligible: flags.HasBackupEligible(), BackupState: flags.HasBackupState(), Counter: to,
	}
	res.NeedsUpdate = to > from || res.BackupEligible != cred.Flags.BackupEligible || res.BackupState != cred.Flags.BackupState
	return res, nil
}

// loginCredential finds the credential an assertion is for (see VerifyLogin).
func loginCredential(st *Authentication, user *User, parsed *protocol.ParsedCredentialAssertionData) (*Credential, error) {
	handle := parsed.Response.UserHandle
	if len(handle) > 0 && subtle.ConstantTimeCompare(handle, []byte(user.ID)) != 1 {
		return nil, fmt.Errorf("%w: the user handle is another user's", ErrUnknownCredential)
	}
	owned := credentialIndex(user.Credentials, parsed.RawID)
	if owned < 0 {
		return nil, fmt.Errorf("%w: not one of the user's", ErrUnknownCredential)
	}
	if len(st.Credentials) == 0 {
		if len(handle) == 0 {
			return nil, fmt.Errorf("%w: a discoverable login without a user handle", ErrVerification)
		}
		return &user.Credentials[owned], nil
	}
	i := credentialIndex(st.Credentials, parsed.RawID)
	if i < 0 {
		return nil, fmt.Errorf("%w: not one the ceremony allows", ErrUnknownCredential)
	}
	return &st.Credentials[i], nil
}

func credentialIndex(creds []Credential, id []byte) int {
	for i := range creds {
		if bytes.Equal(creds[i].ID, id) {
			return i
		}
	}
	return -1
}

// userVerificationRequired is webauthn-rs's rule: required when the
// ceremony's policy or the credential's registration policy is required, or
// when the credential was registered under preferred and was verified then.
func userVerificationRequired(c *Credential, policy protocol.UserVerificationRequirement) bool {
	switch {
	case policy == protocol.VerificationRequired, c.RegistrationPolicy == protocol.VerificationRequired:
		return true
	case c.RegistrationPolicy == protocol.VerificationPreferred || c.RegistrationPolicy == "":
		return c.Flags.UserVerified
	}
	return false
}

// checkAssertion applies the rules webauthn-rs enforces and go-webauthn does
// not, before the signature is checked: user verification
// (userVerificationRequired) and backup eligibility (BS=1 needs BE=1; a
// credential stored eligible stays eligible; one stored not eligible may
// assert BE=1 only with allow_backup_eligible_upgrade, and only while BS=0).
// It returns the credential go-webauthn should verify against, with the
// assertion's backup flags when they changed in an allowed way.
func checkAssertion(c *Credential, flags protocol.AuthenticatorFlags, st *Authentication) (webauthn.Credential, error) {
	if !flags.HasUserVerified() && userVerificationRequired(c, st.Session.UserVerification) {
		return webauthn.Credential{}, fmt.Errorf("%w: the assertion is not user verified", ErrUserVerification)
	}
	be, bs := flags.HasBackupEligible(), flags.HasBackupState()
	switch {
	case bs && !be:
		return webauthn.Credential{}, fmt.Errorf("%w: backup state without eligibility", ErrBackupEligible)
	case c.Flags.BackupEligible && !be:
		return webauthn.Credential{}, fmt.Errorf("%w: the credential lost backup eligibility", ErrBackupEligible)
	case !c.Flags.BackupEligible && be && !st.AllowBackupEligibleUpgrade:
		return webauthn.Credential{}, fmt.Errorf("%w: the credential became backup eligible", ErrBackupEligible)
	case !c.Flags.BackupEligible && be && bs:
		return webauthn.Credential{}, fmt.Errorf("%w: an upgrade to backup eligible while already backed up", ErrBackupEligible)
	}
	check := c.Credential
	check.Flags = withBackupFlags(c.Flags, be, bs)
	return check, nil
}

// withBackupFlags returns f with its backup flags set to be and bs.
func withBackupFlags(f webauthn.CredentialFlags, be, bs bool) webauthn.CredentialFlags {
	raw := protocol.FlagUserPresent
	if f.UserVerified {
		raw |= protocol.FlagUserVerified
	}
	if be {
		raw |= protocol.FlagBackupEligible
	}
	if bs {
		raw |= protocol.FlagBackupState
	}
	return webauthn.NewCredentialFlags(raw)
}

// Update applies a login's result to c as webauthn-rs's
// Credential::update_credential does: a counter that moved forward, the
// backup state, and backup eligibility moving from false to true. It reports
// whether c changed and so should be stored; a result for another
// credential changes nothing.
func (c *Credential) Update(r *LoginResult) bool {
	if r == nil || !bytes.Equal(r.CredentialID, c.ID) {
		return false
	}
	changed := false
	if r.Counter > c.Authenticator.SignCount {
		c.Authenticator.SignCount = r.Counter
		changed = true
	}
	be := c.Flags.BackupEligible || r.BackupEligible
	if be != c.Flags.BackupEligible || r.BackupState != c.Flags.BackupState {
		c.Flags = withBackupFlags(c.Flags, be, r.BackupState && be)
		changed = true
	}
	return changed
}
