package passkey

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/sesame-go/sesame/session"
)

const testChallenge = "9SyRpnLFkD6f--YyCO2EQPBV1jdiNNj2ZAqsI6nUwU8"

// softCredential is a's credential as webauthn-rs stores it, edited by over
// (rsCred's members).
func softCredential(t testing.TB, a *soft, over map[string]string) Credential {
	t.Helper()
	c := Credential{Credential: webauthn.Credential{ID: a.credID, PublicKey: a.coseKey(t)}}
	w, err := c.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	_ = json.Unmarshal(w, &m)
	members := map[string]string{"cred_id": string(m["cred_id"]), "cred": string(m["cred"])}
	for k, v := range over {
		members[k] = v
	}
	got, err := DecodeCredential([]byte(rsCred(members)))
	if err != nil {
		t.Fatal(err)
	}
	return *got
}

// rsState is a webauthn-rs PasskeyAuthentication holding creds, as a
// MilleGrilles service writes it.
func rsState(t testing.TB, policy string, upgrade bool, creds ...Credential) []byte {
	t.Helper()
	list := make([]string, len(creds))
	for i, c := range creds {
		b, err := c.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		list[i] = string(b)
	}
	up := "false"
	if upgrade {
		up = "true"
	}
	return []byte(`{"ast":{"credentials":[` + strings.Join(list, ",") + `],"policy":"` + policy + `","challenge":"` + testChallenge + `","appid":null,"allow_backup_eligible_upgrade":` + up + `}}`)
}

func assertionOptions() []byte {
	return []byte(`{"publicKey":{"challenge":"` + testChallenge + `"}}`)
}

// TestVerifyLogin: one assertion checked against a stored state and a user,
// without HTTP or a session: the result webauthn-rs returns, and its rules,
// with counter and flags taken from the state's copy of the credential.
func TestVerifyLogin(t *testing.T) {
	v, err := NewVerifier(VerifierConfig{RPID: "example.test", RPOrigins: []string{"https://example.test"}})
	if err != nil {
		t.Fatal(err)
	}
	der := b64u(testCertDER(t))
	tests := []struct {
		name      string
		state     map[string]string // the state's credential (nil: a discoverable state, no credentials)
		stored    map[string]string // the user's credential
		policy    string
		upgrade   bool
		edit      func(a *soft, u *User)
		want      error
		wantRes   LoginResult // CredentialID filled in
		wantStore bool        // Update changes the stored credential
	}{
		{name: "counter moves", state: map[string]string{}, stored: map[string]string{}, policy: "preferred",
			edit: func(a *soft, _ *User) { a.counter = 5 }, wantRes: LoginResult{UserVerified: true, Counter: 5, NeedsUpdate: true}, wantStore: true},
		{name: "no counter", state: map[string]string{}, stored: map[string]string{}, policy: "preferred",
			wantRes: LoginResult{UserVerified: true}},
		{name: "discoverable: the user's credential", stored: map[string]string{"counter": "3"}, policy: "preferred",
			edit: func(a *soft, _ *User) { a.counter = 4 }, wantRes: LoginResult{UserVerified: true, Counter: 4, NeedsUpdate: true}, wantStore: true},
		{name: "the state's counter, not the store's", state: map[string]string{"counter": "7"}, stored: map[string]string{}, policy: "preferred",
			edit: func(a *soft, _ *User) { a.counter = 5 }, want: ErrCounter},
		{name: "the state's flags, not the store's", state: map[string]string{"user_verified": "true"}, stored: map[string]string{}, policy: "discouraged",
			edit: func(a *soft, _ *User) { a.flags = 0 }, want: ErrUserVerification},
		{name: "registered required, ceremony discouraged", state: map[string]string{"registration_policy": `"required"`}, stored: map[string]string{}, policy: "discouraged",
			edit: func(a *soft, _ *User) { a.flags = 0 }, want: ErrUserVerification},
		{name: "registered discouraged though verified", state: map[string]string{"registration_policy": `"discouraged"`, "user_verified": "true"}, stored: map[string]string{}, policy: "preferred",
			edit: func(a *soft, _ *User) { a.flags = 0 }, wantRes: LoginResult{}},
		{name: "a Windows Hello credential (TPM, AttCa)", policy: "required",
			state:   map[string]string{"attestation": `{"data":{"AttCa":["` + der + `","` + der + `"]},"metadata":{"Tpm":{"aaguid":"6028b017-b1d4-4c02-b4b3-afcdafc96bb2","firmware_version":1}}}`, "attestation_format": `"Tpm"`, "registration_policy": `"required"`, "user_verified": "true", "counter": "41", "extensions": `{"cred_protect":{"Set":"userVerificationRequired"},"hmac_create_secret":{"Set":true}}`},
			stored:  map[string]string{"attestation": `{"data":{"AttCa":["` + der + `"]},"metadata":"None"}`, "attestation_format": `"Tpm"`, "counter": "41"},
			edit:    func(a *soft, _ *User) { a.counter = 42 },
			wantRes: LoginResult{UserVerified: true, Counter: 42, NeedsUpdate: true}, wantStore: true},
		{name: "backup eligibility upgrade allowed", state: map[string]string{}, stored: map[string]string{}, policy: "preferred", upgrade: true,
			edit:    func(a *soft, _ *User) { a.flags |= protocol.FlagBackupEligible },
			wantRes: LoginResult{UserVerified: true, BackupEligible: true, NeedsUpdate: true}, wantStore: true},
		{name: "backup eligibility upgrade refused", state: map[string]string{}, stored: map[string]string{}, policy: "preferred",
			edit: func(a *soft, _ *User) { a.flags |= protocol.FlagBackupEligible }, want: ErrBackupEligible},
		{name: "backup state changes", state: map[string]string{"backup_eligible": "true"}, stored: map[string]string{"backup_eligible": "true"}, policy: "preferred",
			edit:    func(a *soft, _ *User) { a.flags |= protocol.FlagBackupEligible | protocol.FlagBackupState },
			wantRes: LoginResult{UserVerified: true, BackupEligible: true, BackupState: true, NeedsUpdate: true}, wantStore: true},
		{name: "not one of the user's", state: map[string]string{}, stored: map[string]string{}, policy: "preferred",
			edit: func(_ *soft, u *User) { u.Credentials = nil }, want: ErrUnknownCredential},
		{name: "another user's handle", state: map[string]string{}, stored: map[string]string{}, policy: "preferred",
			edit: func(a *soft, _ *User) { a.userHandle = []byte("id-bob") }, want: ErrUnknownCredential},
		{name: "discoverable without a user handle", stored: map[string]string{}, policy: "preferred",
			edit: func(a *soft, _ *User) { a.userHandle = nil }, want: ErrVerification},
		{name: "another challenge", state: map[string]string{}, stored: map[string]string{}, policy: "preferred",
			edit: func(a *soft, _ *User) { a.challenge = b64u(make([]byte, 32)) }, want: ErrVerification},
		{name: "another origin", state: map[string]string{}, stored: map[string]string{}, policy: "preferred",
			edit: func(a *soft, _ *User) { a.origin = "https://evil.test" }, want: ErrVerification},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newSoft(t)
			a.userHandle = []byte("id-alice")
			stored := softCredential(t, a, tt.stored)
			u := &User{ID: "id-alice", Name: "alice", Credentials: []Credential{stored}}
			var creds []Credential
			if tt.state != nil {
				creds = append(creds, softCredential(t, a, tt.state))
			}
			st, err := DecodeAuthentication(rsState(t, tt.policy, tt.upgrade, creds...))
			if err != nil {
				t.Fatal(err)
			}
			if tt.edit != nil {
				tt.edit(a, u)
			}
			res, err := v.VerifyLogin(st, u, a.get(t, assertionOptions()))
			if tt.want != nil {
				if !errors.Is(err, tt.want) || res != nil {
					t.Fatalf("VerifyLogin = %+v, %v; want %v", res, err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.wantRes
			want.CredentialID = a.credID
			if string(res.CredentialID) != string(want.CredentialID) || res.UserVerified != want.UserVerified || res.BackupEligible != want.BackupEligible ||
				res.BackupState != want.BackupState || res.Counter != want.Counter || res.NeedsUpdate != want.NeedsUpdate {
				t.Fatalf("result %+v, want %+v", res, want)
			}
			c := u.Credentials[0]
			if changed := c.Update(res); changed != tt.wantStore || c.Authenticator.SignCount != max(res.Counter, stored.Authenticator.SignCount) ||
				c.Flags.BackupEligible != (res.BackupEligible || stored.Flags.BackupEligible) || c.Flags.BackupState != res.BackupState {
				t.Fatalf("Update = %v: counter %d, flags %+v", changed, c.Authenticator.SignCount, c.Flags)
			}
		})
	}
	if _, err := v.VerifyLogin(&Authentication{}, &User{ID: "x"}, []byte(`{`)); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("a response that does not parse: %v", err)
	}
}

// mgSession serves a route that writes a ceremony into the session as a
// MilleGrilles service does (its keys, no Sesame deadline unless given),
// beside h's handlers and with h's sessions.
func mgSession(t *testing.T, h *harness, state []byte, uid, name string, deadline *int64) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/passkey/", h.p.Handler())
	mux.HandleFunc("POST /mg/begin", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		for k, v := range map[string]any{KeyAuthentication: json.RawMessage(state), KeyUserIDChallenge: uid, KeyUserNameChallenge: name} {
			if err := s.Put(k, v); err != nil {
				t.Error(err)
			}
		}
		if deadline != nil {
			_ = s.Put(KeyAuthenticationExpires, *deadline)
		}
	})
	srv := httptest.NewServer(h.p.cfg.Sessions.Middleware(mux))
	t.Cleanup(srv.Close)
	return srv
}

// TestFinishMilleGrillesCeremony: a login a MilleGrilles service began
// (webauthn-rs's state and its keys in the session, no Sesame deadline) is
// finished by Sesame, once; a state with a deadline past is expired; a state
// whose key is weak says so (the session getter wraps passkey's sentinel).
func TestFinishMilleGrillesCeremony(t *testing.T) {
	h := newHarness(t, newUsers(t, "alice"), nil)
	a := newSoft(t)
	h.register(a, "id-alice")
	creds, _ := h.users.Credentials(t.Context(), "id-alice")
	state := rsState(t, "preferred", true, creds[0])
	past := h.clock.Now().Unix() - 1
	tests := []struct {
		name     string
		state    []byte
		deadline *int64
		reason   string // "" logs in
	}{
		{"no deadline", state, nil, ""},
		{"the seed's shape, aliases and all", []byte(strings.Replace(string(state), `"type_":"ES256"`, `"type_":"ECDSA_SHA256"`, 1)), nil, ""},
		{"deadline past", state, &past, "expired"},
		{"a weak key", offCurve(t, state), nil, "weak_key"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mgSession(t, h, tt.state, "id-alice", "alice", tt.deadline)
			c := h.client()
			resp, err := c.Post(srv.URL+"/mg/begin", "application/json", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			a.counter = uint32(10 + i)
			a.userHandle = []byte("id-alice")
			finish := a.get(t, assertionOptions())
			if tt.reason != "" {
				h.refused(c, PathLoginFinish, finish, tt.reason)
				return
			}
			h.ok(c, PathLoginFinish, finish)
			if h.whoami(c) != "id-alice" {
				t.Fatal("not logged in")
			}
			h.refused(c, PathLoginFinish, finish, "no_ceremony") // used once
		})
	}
}

// offCurve replaces the y coordinate of the state's key by one off the curve.
func offCurve(t testing.TB, state []byte) []byte {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(state, &v); err != nil {
		t.Fatal(err)
	}
	k := v["ast"].(map[string]any)["credentials"].([]any)[0].(map[string]any)["cred"].(map[string]any)["key"].(map[string]any)["EC_EC2"].(map[string]any)
	k["y"] = k["x"]
	b, _ := json.Marshal(v)
	return b
}
