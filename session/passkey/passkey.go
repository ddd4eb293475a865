package passkey

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/sesame-go/sesame/session"
)

// Session keys. The authentication state and the login keys are those of
// MilleGrilles' aiohttp session record.
const (
	// KeyAuthentication holds the login ceremony's state, webauthn-rs's
	// PasskeyAuthentication (see Authentication).
	KeyAuthentication = "passkey_authentication"
	// KeyAuthenticationExpires holds the login ceremony's deadline, unix
	// seconds; a state without it is expired.
	KeyAuthenticationExpires = "passkey_authentication_expires"
	// KeyRegistration holds the registration ceremony's state (go-webauthn's
	// SessionData, the user id, whether it came from the EnrollHook).
	KeyRegistration = "passkey_registration"
	// KeyUserIDChallenge and KeyUserNameChallenge hold the user a
	// username-first login was begun for.
	KeyUserIDChallenge   = "userIdChallenge"
	KeyUserNameChallenge = "userNameChallenge"
	// KeyUserID, KeyUserName and KeyAuthenticated record the logged-in user.
	KeyUserID        = "userId"
	KeyUserName      = "userName"
	KeyAuthenticated = "authentifiee"
)

// Paths served by Handler.
const (
	PathRegisterBegin  = "/passkey/register/begin"
	PathRegisterFinish = "/passkey/register/finish"
	PathLoginBegin     = "/passkey/login/begin"
	PathLoginFinish    = "/passkey/login/finish"
	PathScript         = "/passkey/passkey.js"
)

// DefaultTimeout is a ceremony's default lifetime.
const DefaultTimeout = 5 * time.Minute

// MaxBodySize bounds a ceremony request body in bytes.
const MaxBodySize = 64 << 10

// Config configures Passkeys. RPID, RPOrigins, Users and Sessions are
// required; every other zero value is the secure default.
type Config struct {
	// RPID is the relying party id, the site's registrable domain or host
	// ("example.com").
	RPID string
	// RPOrigins are the origins the browser may run the ceremonies from
	// ("https://login.example.com").
	RPOrigins []string
	// RPName is the site's name shown by authenticators; default RPID.
	RPName string
	// Users keeps accounts and their passkeys.
	Users UserStore
	// Sessions is the session Manager the handlers run in; a handler reached
	// outside its Middleware wraps itself in it. Its rule for handlers that
	// change state guards every ceremony (Manager.CheckRequest with
	// application/json): list in its session.Config.TrustedOrigins any origin
	// other than the handlers' own whose pages run the ceremonies.
	Sessions *session.Manager
	// Timeout is a ceremony's lifetime; default DefaultTimeout.
	Timeout time.Duration
	// UserVerification is the policy of both ceremonies; default
	// protocol.VerificationRequired.
	UserVerification protocol.UserVerificationRequirement
	// AllowBackupEligibleUpgrade lets a credential registered as not backup
	// eligible log in once it became eligible (BE=1), as long as it is not
	// backed up yet (BS=0): webauthn-rs's allow_backup_eligible_upgrade,
	// written into each login state. Default false: any change is refused.
	AllowBackupEligibleUpgrade bool
	// EnrollHook decides who a request without a logged-in user may register
	// a passkey for (first passkey, recovery): it returns a user already in
	// Users, or an error to refuse. It may read the request body (what the
	// script's register(fields) sent, at most MaxBodySize). Nil: only
	// logged-in users register.
	EnrollHook func(r *http.Request) (*User, error)
	// FakeCredentialKey keys the HMAC deriving the stand-in credentials
	// answered for an unknown username (how many, their ids and transports),
	// so that they do not change between requests, as a real user's do not;
	// default 32 random bytes per New. Set it, secret and shared, when several
	// processes answer the same names or a restart must not change the
	// answers.
	FakeCredentialKey []byte
	// ErrorHandler answers a refused request; default JSON {"error": Reason,
	// "message": …} with the status of ErrorStatus.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Logger receives refusals; nil discards.
	Logger *slog.Logger
	// Now is the clock deciding a ceremony's expiry; default time.Now.
	Now func() time.Time
}

// Passkeys runs the ceremonies. Its handlers are safe for concurrent use.
type Passkeys struct {
	cfg Config
	wa  *webauthn.WebAuthn
	v   *Verifier // the login rules, on wa
}

// New checks cfg and returns Passkeys.
func New(cfg Config) (*Passkeys, error) {
	if cfg.Users == nil || cfg.Sessions == nil {
		return nil, fmt.Errorf("%w: Users and Sessions are required", ErrConfig)
	}
	if cfg.RPID == "" || len(cfg.RPOrigins) == 0 {
		return nil, fmt.Errorf("%w: RPID and RPOrigins are required", ErrConfig)
	}
	if cfg.RPName == "" {
		cfg.RPName = cfg.RPID
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	switch cfg.UserVerification {
	case "":
		cfg.UserVerification = protocol.VerificationRequired
	case protocol.VerificationRequired, protocol.VerificationPreferred, protocol.VerificationDiscouraged:
	default:
		return nil, fmt.Errorf("%w: UserVerification %q", ErrConfig, cfg.UserVerification)
	}
	if len(cfg.FakeCredentialKey) == 0 {
		cfg.FakeCredentialKey = make([]byte, 32)
		_, _ = rand.Read(cfg.FakeCredentialKey)
	}
	if cfg.ErrorHandler == nil {
		cfg.ErrorHandler = defaultErrorHandler
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	rk := true
	wa, err := webauthn.New(&webauthn.Config{
		RPID: cfg.RPID, RPDisplayName: cfg.RPName, RPOrigins: cfg.RPOrigins,
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			RequireResidentKey: &rk, ResidentKey: protocol.ResidentKeyRequirementRequired,
			UserVerification: cfg.UserVerification,
		},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: cfg.Timeout, TimeoutUVD: cfg.Timeout},
			Registration: webauthn.TimeoutConfig{Timeout: cfg.Timeout, TimeoutUVD: cfg.Timeout},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &Passkeys{cfg: cfg, wa: wa, v: &Verifier{wa: wa}}, nil
}

// Handler serves the four ceremony endpoints (POST, JSON) and the script
// (GET) at the Path… constants; mount it at "/passkey/". Each ceremony
// handler, mounted here or alone, takes only a POST with Content-Type
// application/json from the page's own origin or one of the Sessions
// Manager's TrustedOrigins (session.Manager.CheckRequest): anything else is
// refused before the session is read (405 "method", 403 "cross_origin", 415
// "content_type").
func (p *Passkeys) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST "+PathRegisterBegin, p.BeginRegistration())
	mux.Handle("POST "+PathRegisterFinish, p.FinishRegistration())
	mux.Handle("POST "+PathLoginBegin, p.BeginLogin())
	mux.Handle("POST "+PathLoginFinish, p.FinishLogin())
	mux.Handle("GET "+PathScript, Script())
	return mux
}

// inSession runs f inside the Manager's middleware unless it already is,
// for a request that passes the Manager's rule for state-changing handlers
// (a same-origin or trusted JSON POST); it refuses any other before the
// session is read.
func (p *Passkeys) inSession(f func(w http.ResponseWriter, r *http.Request, s *session.Session) error) http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if err := f(w, r, session.FromContext(r.Context())); err != nil {
			p.refuse(w, r, err)
		}
	})
	wrapped := p.cfg.Sessions.Middleware(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := p.cfg.Sessions.CheckRequest(r, session.MediaJSON); err != nil {
			w.Header().Set("Cache-Control", "no-store")
			if errors.Is(err, session.ErrMethod) {
				w.Header().Set("Allow", http.MethodPost)
			}
			p.refuse(w, r, err)
			return
		}
		if session.FromContext(r.Context()) != nil {
			h.ServeHTTP(w, r)
			return
		}
		wrapped.ServeHTTP(w, r)
	})
}

// refuse logs a refusal and hands it to the ErrorHandler.
func (p *Passkeys) refuse(w http.ResponseWriter, r *http.Request, err error) {
	p.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "passkey refused", slog.String("path", r.URL.Path), slog.String("reason", Reason(err)), slog.String("error", err.Error()))
	p.cfg.ErrorHandler(w, r, err)
}

// webauthnUser adapts a User to go-webauthn.
type webauthnUser struct {
	u     *User
	creds []webauthn.Credential
}

func newWebauthnUser(u *User) *webauthnUser {
	w := &webauthnUser{u: u}
	for _, c := range u.Credentials {
		w.creds = append(w.creds, c.Credential)
	}
	return w
}

func (w *webauthnUser) WebAuthnID() []byte { return []byte(w.u.ID) }
func (w *webauthnUser) WebAuthnName() string {
	return w.u.Name
}
func (w *webauthnUser) WebAuthnDisplayName() string {
	if w.u.DisplayName == "" {
		return w.u.Name
	}
	return w.u.DisplayName
}
func (w *webauthnUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

// registration is the state kept under KeyRegistration.
type registration struct {
	Session  webauthn.SessionData `json:"session"`
	UserID   string               `json:"userId"`
	Enrolled bool                 `json:"enrolled"`
}

// loggedIn returns the session's logged-in user id, or "".
func loggedIn(s *session.Session) (string, error) {
	ok, err := s.GetBool(KeyAuthenticated)
	if err != nil || !ok {
		return "", err
	}
	return s.GetString(KeyUserID)
}

func readBody(r *http.Request, w http.ResponseWriter) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodySize))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	return b, nil
}

func writeJSON(w http.ResponseWriter, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(b)
	return err
}

// sessionErr keeps the session package's own errors (ErrEnded…) and marks
// the others as a bad state.
func sessionErr(err error) error {
	if errors.Is(err, ErrFormat) || errors.Is(err, ErrWeakKey) { // the cause, wrapped by session.ErrValue
		return err
	}
	if errors.Is(err, session.ErrValue) {
		return fmt.Errorf("%w: %w", ErrFormat, err)
	}
	return err
}

// BeginRegistration answers go-webauthn's credential creation options
// ({"publicKey": …}) for the session's logged-in user, or for the user the
// EnrollHook admits, and keeps the ceremony under KeyRegistration.
func (p *Passkeys) BeginRegistration() http.Handler {
	return p.inSession(func(w http.ResponseWriter, r *http.Request, s *session.Session) error {
		body, err := readBody(r, w)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(body)) // the EnrollHook may read it
		uid, err := loggedIn(s)
		if err != nil {
			return sessionErr(err)
		}
		var u *User
		enrolled := false
		switch {
		case uid != "":
			if u, err = p.cfg.Users.UserByID(r.Context(), uid); err != nil {
				return err
			}
		case p.cfg.EnrollHook != nil:
			if u, err = p.cfg.EnrollHook(r); err != nil {
				return fmt.Errorf("%w: enrolment refused: %w", ErrNotLoggedIn, err)
			}
			if u == nil {
				return fmt.Errorf("%w: enrolment refused", ErrNotLoggedIn)
			}
			if u, err = p.cfg.Users.UserByID(r.Context(), u.ID); err != nil {
				return err
			}
			enrolled = true
		default:
			return ErrNotLoggedIn
		}
		wu := newWebauthnUser(u)
		exclude := make([]protocol.CredentialDescriptor, 0, len(wu.creds))
		for _, c := range wu.creds {
			exclude = append(exclude, c.Descriptor())
		}
		opts, sd, err := p.wa.BeginRegistration(wu, webauthn.WithExclusions(exclude))
		if err != nil {
			return fmt.Errorf("%w: %w", ErrConfig, err)
		}
		sd.Expires = p.cfg.Now().Add(p.cfg.Timeout)
		if err := s.Put(KeyRegistration, registration{Session: *sd, UserID: u.ID, Enrolled: enrolled}); err != nil {
			return err
		}
		return writeJSON(w, opts)
	})
}

// FinishRegistration verifies the browser's attestation (the
// PublicKeyCredential's JSON) against the ceremony, which it ends whatever
// the outcome, and adds the passkey to the user it was begun for.
func (p *Passkeys) FinishRegistration() http.Handler {
	return p.inSession(func(w http.ResponseWriter, r *http.Request, s *session.Session) error {
		var st registration
		found, err := s.Get(KeyRegistration, &st)
		if derr := s.Delete(KeyRegistration); derr != nil {
			return derr
		}
		if err != nil {
			return sessionErr(err)
		}
		if !found {
			return ErrNoCeremony
		}
		if st.Session.Expires.IsZero() || !p.cfg.Now().Before(st.Session.Expires) {
			return ErrExpired
		}
		if !st.Enrolled {
			uid, err := loggedIn(s)
			if err != nil {
				return sessionErr(err)
			}
			if uid == "" || differ(uid, st.UserID) {
				return fmt.Errorf("%w: the session's user changed since the begin", ErrNotLoggedIn)
			}
		}
		body, err := readBody(r, w)
		if err != nil {
			return err
		}
		parsed, err := protocol.ParseCredentialCreationResponseBytes(body)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadRequest, err)
		}
		u, err := p.cfg.Users.UserByID(r.Context(), st.UserID)
		if err != nil {
			return err
		}
		st.Session.Expires = time.Time{} // judged above with Config.Now
		cred, err := p.wa.CreateCredential(newWebauthnUser(u), st.Session, parsed)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrVerification, err)
		}
		if _, _, err := checkKey(cred.PublicKey); err != nil {
			return err
		}
		c := Credential{
			Credential:         *cred,
			RegistrationPolicy: p.cfg.UserVerification,
			ExtensionStates: Extensions{
				CredProtect: ExtensionNotRequested, HMACCreateSecret: ExtensionNotRequested,
				AppID: ExtensionNotRequested, CredProps: ExtensionIgnored,
			},
			AttestationData: Attestation{Data: "None", Metadata: json.RawMessage(`"None"`)},
		}
		c.Extensions = webauthn.CredentialExtensions{} // not recorded: webauthn-rs's states say NotRequested/Ignored
		if c.AttestationFormat == "" {
			c.AttestationFormat = "none"
		}
		if _, err := c.wire(); err != nil { // storable in webauthn-rs's shape
			return err
		}
		if err := p.cfg.Users.AddCredential(r.Context(), u.ID, c); err != nil {
			return err
		}
		return writeJSON(w, map[string]any{"ok": true, "credentialId": base64.RawURLEncoding.EncodeToString(c.ID)})
	})
}

// differ reports whether a and b differ, in constant time.
func differ(a, b string) bool {
	return !hmac.Equal([]byte(a), []byte(b))
}

type loginRequest struct {
	Username string `json:"username"`
}

// BeginLogin answers go-webauthn's assertion options ({"publicKey": …}) and
// keeps the ceremony under KeyAuthentication in webauthn-rs's shape. An empty
// JSON body ({} or nothing) or username begins a discoverable login (passkey
// autofill included); a username begins a username-first one, answered alike
// whether the user exists (with passkeys) or not: an unknown name gets
// stand-in credentials (see standIn) in the same members, the same order and
// the same shapes as a real user's, stable for that name.
func (p *Passkeys) BeginLogin() http.Handler {
	return p.inSession(func(w http.ResponseWriter, r *http.Request, s *session.Session) error {
		body, err := readBody(r, w)
		if err != nil {
			return err
		}
		var req loginRequest
		if len(bytes.TrimSpace(body)) > 0 {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&req); err != nil || len(req.Username) > 256 {
				return fmt.Errorf("%w: login body", ErrBadRequest)
			}
		}
		uvOpt := webauthn.WithUserVerification(p.cfg.UserVerification)
		var (
			opts  *protocol.CredentialAssertion
			sd    *webauthn.SessionData
			creds []Credential
			uid   string
		)
		if req.Username == "" {
			opts, sd, err = p.wa.BeginDiscoverableLogin(uvOpt)
		} else {
			u, lerr := p.cfg.Users.UserByName(r.Context(), req.Username)
			switch {
			case lerr == nil && len(u.Credentials) > 0:
				uid, creds = u.ID, u.Credentials
				opts, sd, err = p.wa.BeginLogin(newWebauthnUser(u), uvOpt)
			case lerr == nil || errors.Is(lerr, ErrUnknownUser):
				opts, sd, err = p.wa.BeginLogin(p.standIn(req.Username), uvOpt)
				if err == nil {
					sd.AllowedCredentialIDs = nil
				}
			default:
				return lerr
			}
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrConfig, err)
		}
		st := Authentication{Session: *sd, Credentials: creds, AllowBackupEligibleUpgrade: p.cfg.AllowBackupEligibleUpgrade}
		for _, put := range []struct {
			k string
			v any
		}{{KeyAuthentication, st}, {KeyAuthenticationExpires, p.cfg.Now().Add(p.cfg.Timeout).Unix()}} {
			if err := s.Put(put.k, put.v); err != nil {
				return err
			}
		}
		for k, v := range map[string]string{KeyUserNameChallenge: req.Username, KeyUserIDChallenge: uid} {
			if v == "" {
				err = s.Delete(k)
			} else {
				err = s.Put(k, v)
			}
			if err != nil {
				return err
			}
		}
		return writeJSON(w, opts)
	})
}

// standIn stands for an unknown name in a username-first BeginLogin, so that
// its answer cannot be told from a real user's: one to three credentials (one
// most often, as most users hold one passkey), each with the id length and the
// transports (sorted, as browsers' getTransports() reports them) of a common
// kind of authenticator. How many, which kinds and the ids are all drawn from
// an HMAC of the name under FakeCredentialKey, so the same name gets the same
// answer every time, as a real user does; go-webauthn then writes them out
// exactly as it writes a real user's. A real user with more passkeys, or an
// authenticator of a rarer shape, is still told apart by whoever knows this
// table.
func (p *Passkeys) standIn(name string) *webauthnUser {
	count := pick(p.derive(name, "count", 0, 2), standInCounts()) + 1
	creds := make([]webauthn.Credential, count)
	kinds := standInKinds()
	weights := make([]int, len(kinds))
	for i, k := range kinds {
		weights[i] = k.weight
	}
	for i := range creds {
		k := kinds[pick(p.derive(name, "kind", i, 2), weights)]
		creds[i] = webauthn.Credential{ID: p.derive(name, "id", i, k.idLen), Transport: k.transports}
	}
	return &webauthnUser{u: &User{ID: "-", Name: name}, creds: creds}
}

// standInKind is a kind of authenticator a stand-in credential looks like.
type standInKind struct {
	weight     int // how often, out of the sum of the weights
	idLen      int // credential id length in bytes
	transports []protocol.AuthenticatorTransport
}

// standInKinds are the kinds of authenticators stand-in credentials are drawn
// from, most common first.
func standInKinds() []standInKind {
	hybridInternal := []protocol.AuthenticatorTransport{protocol.Hybrid, protocol.Internal}
	return []standInKind{
		{35, 16, hybridInternal}, // a passkey synced by a password manager (Google)
		{25, 20, hybridInternal}, // a passkey synced by iCloud Keychain
		{15, 32, []protocol.AuthenticatorTransport{protocol.Internal}},          // a platform authenticator (Windows Hello)
		{15, 64, []protocol.AuthenticatorTransport{protocol.NFC, protocol.USB}}, // a security key
		{10, 64, []protocol.AuthenticatorTransport{protocol.USB}},               // a USB-only security key
	}
}

// standInCounts weighs how many credentials a stand-in has: 1, 2 or 3.
func standInCounts() []int { return []int{70, 22, 8} }

// pick returns the index i of weights chosen by the 16-bit value of b, with a
// chance of weights[i] out of their sum.
func pick(b []byte, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	v := int(b[0])<<8 | int(b[1])
	v %= total
	for i, w := range weights {
		if v < w {
			return i
		}
		v -= w
	}
	return len(weights) - 1
}

// derive returns n bytes from HMAC-SHA256 under FakeCredentialKey of what
// (a label), i and the name, in as many blocks as needed.
func (p *Passkeys) derive(name, what string, i, n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	for block := 0; len(out) < n; block++ {
		m := hmac.New(sha256.New, p.cfg.FakeCredentialKey)
		fmt.Fprintf(m, "sesame passkey stand-in\x00%s\x00%d\x00%d\x00", what, i, block)
		m.Write([]byte(name))
		out = m.Sum(out)
	}
	return out[:n]
}
