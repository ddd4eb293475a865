package passkey

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"

	"github.com/sesame-go/sesame/session"
)

// FinishLogin verifies the browser's assertion against the ceremony, which
// it ends whatever the outcome, with webauthn-rs's rules (Verifier.VerifyLogin),
// moves the credential's counter forward in Users and stores its changed
// backup flags, then renews the session id and records the user: userId,
// userName, authentifiee true.
//
// The ceremony may have been begun by Sesame or by a MilleGrilles service
// (webauthn-rs's state under passkey_authentication, the user under
// userIdChallenge / userNameChallenge). A state Sesame began carries its
// deadline (passkey_authentication_expires, Config.Timeout after the begin);
// a state without one is valid while the session record lives, so its age is
// bounded by the session's lifetime (the record's idle TTL, aiohttp's
// max_age), and like every state it is used once: the first finish deletes it.
func (p *Passkeys) FinishLogin() http.Handler {
	return p.inSession(func(w http.ResponseWriter, r *http.Request, s *session.Session) error {
		st, name, uid, err := p.takeAuthentication(s)
		if err != nil {
			return err
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
			u, err = p.cfg.Users.UserByID(r.Context(), uid)
		case len(parsed.Response.UserHandle) == 0:
			return fmt.Errorf("%w: a discoverable login without a user handle", ErrVerification)
		default:
			u, err = p.cfg.Users.UserByID(r.Context(), string(parsed.Response.UserHandle))
		}
		if errors.Is(err, ErrUnknownUser) {
			return fmt.Errorf("%w: %w", ErrUnknownCredential, err)
		}
		if err != nil {
			return err
		}
		res, err := p.v.verify(st, u, parsed)
		if err != nil {
			return err
		}
		if err := p.record(r, u, res); err != nil {
			return err
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

// takeAuthentication reads the login ceremony from the session and deletes it
// (used once, success or not): its state, and the user name and id of a
// username-first login.
func (p *Passkeys) takeAuthentication(s *session.Session) (st *Authentication, name, uid string, err error) {
	st = &Authentication{}
	found, err := s.Get(KeyAuthentication, st)
	hasDeadline, herr := s.Has(KeyAuthenticationExpires)
	deadline, derr := s.GetInt64(KeyAuthenticationExpires)
	name, nerr := s.GetString(KeyUserNameChallenge)
	uid, ierr := s.GetString(KeyUserIDChallenge)
	for _, k := range []string{KeyAuthentication, KeyAuthenticationExpires, KeyUserNameChallenge, KeyUserIDChallenge} {
		if err := s.Delete(k); err != nil {
			return nil, "", "", err
		}
	}
	switch err := errors.Join(err, herr, derr, nerr, ierr); {
	case err != nil:
		return nil, "", "", sessionErr(err)
	case !found:
		return nil, "", "", ErrNoCeremony
	case hasDeadline && p.cfg.Now().Unix() >= deadline:
		return nil, "", "", ErrExpired
	}
	return st, name, uid, nil
}

// record stores what a login changed in the user's credential: the counter,
// moved with a compare-and-set from the value Users holds (so two logins with
// one cloned counter cannot both pass, and a state older than the last login
// cannot set it back), and the backup flags.
func (p *Passkeys) record(r *http.Request, u *User, res *LoginResult) error {
	i := credentialIndex(u.Credentials, res.CredentialID)
	stored := u.Credentials[i] // VerifyLogin found it among u's
	from := stored.Authenticator.SignCount
	if res.Counter <= from && (res.Counter != 0 || from != 0) {
		return fmt.Errorf("%w: %d after %d", ErrCounter, res.Counter, from)
	}
	if err := p.cfg.Users.BumpCounter(r.Context(), u.ID, stored.ID, from, res.Counter); err != nil {
		return err
	}
	updated := stored
	if !updated.Update(res) || (updated.Flags == stored.Flags) {
		return nil
	}
	return p.cfg.Users.UpdateCredential(r.Context(), u.ID, updated)
}

// Reason names why a request was refused, for logs, metrics and the default
// error body: "method", "cross_origin", "content_type" (the request rule,
// session.ErrMethod, ErrCrossOrigin, ErrContentType), "bad_request",
// "no_ceremony", "expired", "not_logged_in", "verification",
// "unknown_credential", "counter", "backup_eligible", "user_verification",
// "weak_key", "duplicate", "format", "unavailable", "ended", "internal".
func Reason(err error) string {
	for _, r := range reasons() {
		if errors.Is(err, r.err) {
			return r.name
		}
	}
	return "internal"
}

// ErrorStatus is the HTTP status of a refusal: 405 for another method than
// POST, 403 for a cross-origin request, 415 for a body that is not
// application/json, 400 for a bad request or ceremony, 401 for an assertion
// or attestation refused, 403 for a registration without a logged-in user,
// 409 for a duplicate or an ended session, 503 when a store is down, 500
// otherwise.
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
		{session.ErrMethod, "method", http.StatusMethodNotAllowed},
		{session.ErrCrossOrigin, "cross_origin", http.StatusForbidden},
		{session.ErrContentType, "content_type", http.StatusUnsupportedMediaType},
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
