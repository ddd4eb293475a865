package passkey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/sesame-go/sesame/session"
)

// FinishLogin verifies the browser's assertion against the ceremony, which
// it ends whatever the outcome, applies webauthn-rs's rules that go-webauthn
// lacks (see checkAssertion), moves the credential's counter forward in
// Users, then renews the session id and records the user: userId, userName,
// authentifiee true.
func (p *Passkeys) FinishLogin() http.Handler {
	return p.inSession(func(w http.ResponseWriter, r *http.Request, s *session.Session) error {
		var st Authentication
		found, err := s.Get(KeyAuthentication, &st)
		deadline, derr := s.GetInt64(KeyAuthenticationExpires)
		name, nerr := s.GetString(KeyUserNameChallenge)
		uid, ierr := s.GetString(KeyUserIDChallenge)
		for _, k := range []string{KeyAuthentication, KeyAuthenticationExpires, KeyUserNameChallenge, KeyUserIDChallenge} {
			if err := s.Delete(k); err != nil { // used once, success or not
				return err
			}
		}
		if err := errors.Join(err, derr, nerr, ierr); err != nil {
			return sessionErr(err)
		}
		if !found {
			return ErrNoCeremony
		}
		if deadline == 0 || p.cfg.Now().Unix() >= deadline {
			return ErrExpired
		}
		body, err := readBody(r, w)
		if err != nil {
			return err
		}
		parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadRequest, err)
		}
		var u *User
		switch {
		case name != "" && uid == "": // a username-first login for an unknown name
			return fmt.Errorf("%w: no such user", ErrUnknownCredential)
		case name != "":
			st.Session.UserID = []byte(uid)
			u, err = p.cfg.Users.UserByID(r.Context(), uid)
		default:
			if len(parsed.Response.UserHandle) == 0 {
				return fmt.Errorf("%w: a discoverable login without a user handle", ErrVerification)
			}
			u, err = p.cfg.Users.UserByID(r.Context(), string(parsed.Response.UserHandle))
		}
		if errors.Is(err, ErrUnknownUser) {
			return fmt.Errorf("%w: %w", ErrUnknownCredential, err)
		}
		if err != nil {
			return err
		}
		i := credentialIndex(u.Credentials, parsed.RawID)
		if i < 0 {
			return fmt.Errorf("%w: not one of the user's", ErrUnknownCredential)
		}
		stored := u.Credentials[i]
		check, updated, err := checkAssertion(&stored, parsed.Response.AuthenticatorData.Flags, st)
		if err != nil {
			return err
		}
		wu := newWebauthnUser(u)
		wu.creds[i] = check
		if name != "" { // go-webauthn checks the credential is in the ceremony's list
			_, err = p.wa.ValidateLogin(wu, st.Session, parsed)
		} else {
			_, _, err = p.wa.ValidatePasskeyLogin(func(rawID, userHandle []byte) (webauthn.User, error) {
				return wu, nil
			}, st.Session, parsed)
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrVerification, err)
		}
		from, to := stored.Authenticator.SignCount, parsed.Response.AuthenticatorData.Counter
		if to <= from && (to != 0 || from != 0) {
			return fmt.Errorf("%w: %d after %d", ErrCounter, to, from)
		}
		if err := p.cfg.Users.BumpCounter(r.Context(), u.ID, stored.ID, from, to); err != nil {
			return err
		}
		if updated != nil {
			updated.Authenticator.SignCount = to
			if err := p.cfg.Users.UpdateCredential(r.Context(), u.ID, *updated); err != nil {
				return err
			}
		}
		if err := s.Renew(); err != nil {
			return err
		}
		for _, kv := range []struct {
			k string
			v any
		}{{KeyUserID, u.ID}, {KeyUserName, u.Name}, {KeyAuthenticated, true}} {
			if err := s.Put(kv.k, kv.v); err != nil {
				return err
			}
		}
		return writeJSON(w, map[string]any{"ok": true, "userId": u.ID, "userName": u.Name})
	})
}

func credentialIndex(creds []Credential, id []byte) int {
	for i := range creds {
		if bytes.Equal(creds[i].ID, id) {
			return i
		}
	}
	return -1
}

// checkAssertion applies the rules webauthn-rs enforces and go-webauthn does
// not, before the signature is checked:
//
//   - user verification: required when the ceremony's policy requires it, or
//     when the credential was registered with it (user_verified);
//   - backup eligibility: BS=1 needs BE=1; a credential stored eligible stays
//     eligible; one stored not eligible may assert BE=1 only with
//     allow_backup_eligible_upgrade and only while BS=0 (webauthn-rs refuses
//     BE=1 with BS=1 there too).
//
// It returns the credential go-webauthn should verify against (eligible when
// upgraded) and, when the stored flags must change, the credential to store.
func checkAssertion(c *Credential, flags protocol.AuthenticatorFlags, st Authentication) (webauthn.Credential, *Credential, error) {
	if !flags.HasUserVerified() && (c.Flags.UserVerified || st.Session.UserVerification == protocol.VerificationRequired) {
		return webauthn.Credential{}, nil, fmt.Errorf("%w: the assertion is not user verified", ErrUserVerification)
	}
	be, bs := flags.HasBackupEligible(), flags.HasBackupState()
	switch {
	case bs && !be:
		return webauthn.Credential{}, nil, fmt.Errorf("%w: backup state without eligibility", ErrBackupEligible)
	case c.Flags.BackupEligible && !be:
		return webauthn.Credential{}, nil, fmt.Errorf("%w: the credential lost backup eligibility", ErrBackupEligible)
	case !c.Flags.BackupEligible && be && !st.AllowBackupEligibleUpgrade:
		return webauthn.Credential{}, nil, fmt.Errorf("%w: the credential became backup eligible", ErrBackupEligible)
	case !c.Flags.BackupEligible && be && bs:
		return webauthn.Credential{}, nil, fmt.Errorf("%w: an upgrade to backup eligible while already backed up", ErrBackupEligible)
	}
	check := c.Credential
	if be == c.Flags.BackupEligible && bs == c.Flags.BackupState {
		return check, nil, nil
	}
	raw := protocol.FlagUserPresent
	if c.Flags.UserVerified {
		raw |= protocol.FlagUserVerified
	}
	if be {
		raw |= protocol.FlagBackupEligible
	}
	if bs {
		raw |= protocol.FlagBackupState
	}
	check.Flags = webauthn.NewCredentialFlags(raw)
	updated := *c
	updated.Flags = check.Flags
	return check, &updated, nil
}

// Reason names why a request was refused, for logs, metrics and the default
// error body: "bad_request", "no_ceremony", "expired", "not_logged_in",
// "verification", "unknown_credential", "counter", "backup_eligible",
// "user_verification", "weak_key", "duplicate", "format", "unavailable",
// "ended", "internal".
func Reason(err error) string {
	for _, r := range reasons() {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "internal"
}

// ErrorStatus is the HTTP status of a refusal: 400 for a bad request or
// ceremony, 401 for an assertion or attestation refused, 403 for a
// registration without a logged-in user, 409 for a duplicate or an ended
// session, 503 when a store is down, 500 otherwise.
func ErrorStatus(err error) int {
	for _, r := range reasons() {
		if errors.Is(err, r.err) {
			return r.status
		}
	}
	return http.StatusInternalServerError
}

type reason struct {
	err    error
	name   string
	status int
}

func reasons() []reason {
	return []reason{
		{ErrUnavailable, "unavailable", http.StatusServiceUnavailable},
		{session.ErrUnavailable, "unavailable", http.StatusServiceUnavailable},
		{session.ErrEnded, "ended", http.StatusConflict},
		{ErrBadRequest, "bad_request", http.StatusBadRequest},
		{ErrNoCeremony, "no_ceremony", http.StatusBadRequest},
		{ErrExpired, "expired", http.StatusBadRequest},
		{ErrFormat, "format", http.StatusBadRequest},
		{ErrWeakKey, "weak_key", http.StatusBadRequest},
		{ErrNotLoggedIn, "not_logged_in", http.StatusForbidden},
		{ErrUnknownCredential, "unknown_credential", http.StatusUnauthorized},
		{ErrUnknownUser, "unknown_credential", http.StatusUnauthorized},
		{ErrCounter, "counter", http.StatusUnauthorized},
		{ErrBackupEligible, "backup_eligible", http.StatusUnauthorized},
		{ErrUserVerification, "user_verification", http.StatusUnauthorized},
		{ErrVerification, "verification", http.StatusUnauthorized},
		{ErrDuplicate, "duplicate", http.StatusConflict},
	}
}

func defaultErrorHandler(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(ErrorStatus(err))
	b, _ := json.Marshal(map[string]string{"error": Reason(err), "message": http.StatusText(ErrorStatus(err))})
	_, _ = w.Write(b)
}
