package passkey

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
)

// TestRegisterAndLogin: a logged-in user registers a passkey, then logs in
// with it on a fresh browser, discoverable and username-first; the session id
// changes at login and the seed's keys record the user.
func TestRegisterAndLogin(t *testing.T) {
	h := newHarness(t, newUsers(t, "alice"), nil)
	a := newSoft(t)
	h.register(a, "id-alice")
	creds, err := h.users.Credentials(context.Background(), "id-alice")
	if err != nil || len(creds) != 1 || !creds[0].Flags.UserVerified || creds[0].RegistrationPolicy != protocol.VerificationRequired {
		t.Fatalf("stored %+v, %v", creds, err)
	}
	for i, name := range []string{"", "alice"} {
		c := h.client()
		h.ok(c, PathLoginBegin, nil) // an anonymous session exists before the login
		u, _ := http.NewRequest("GET", h.srv.URL, nil)
		before := c.Jar.Cookies(u.URL)
		a.counter = uint32(i + 1)
		if st, b := h.loginWith(c, a, name); st != http.StatusOK {
			t.Fatalf("login %q: %d %s", name, st, b)
		}
		if got := h.whoami(c); got != "id-alice" {
			t.Fatalf("logged in as %q", got)
		}
		after := c.Jar.Cookies(u.URL)
		if len(before) != 1 || len(after) != 1 || before[0].Value == after[0].Value {
			t.Errorf("session id not renewed: %v then %v", before, after)
		}
	}
	creds, _ = h.users.Credentials(context.Background(), "id-alice")
	if creds[0].Authenticator.SignCount != 2 {
		t.Errorf("counter %d, want 2", creds[0].Authenticator.SignCount)
	}
}

// TestExportedCredentialLogsIn: a passkey registered through Sesame, exported
// in webauthn-rs's shape and read back into another store verifies a login.
func TestExportedCredentialLogsIn(t *testing.T) {
	h := newHarness(t, newUsers(t, "alice"), nil)
	a := newSoft(t)
	h.register(a, "id-alice")
	creds, _ := h.users.Credentials(context.Background(), "id-alice")
	exported, err := json.Marshal(creds[0])
	if err != nil {
		t.Fatal(err)
	}
	var shape map[string]any
	_ = json.Unmarshal(exported, &shape)
	var keys []string
	for k := range shape {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := []string{"attestation", "attestation_format", "backup_eligible", "backup_state", "counter", "cred", "cred_id", "extensions", "registration_policy", "transports", "user_verified"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("exported members %v, want %v", keys, want)
	}
	back, err := DecodeCredential(exported)
	if err != nil {
		t.Fatal(err)
	}
	other := NewMemoryStore()
	if err := other.AddUser(context.Background(), User{ID: "id-alice", Name: "alice", Credentials: []Credential{*back}}); err != nil {
		t.Fatal(err)
	}
	h2 := newHarness(t, other, nil)
	a.counter = 1
	c := h2.client()
	if st, b := h2.loginWith(c, a, "alice"); st != http.StatusOK {
		t.Fatalf("login with the exported credential: %d %s", st, b)
	}
	if h2.whoami(c) != "id-alice" {
		t.Fatal("not logged in")
	}
	// The state kept in the session is webauthn-rs's, holding the credential.
	a.counter = 2
	c = h2.client()
	h2.ok(c, PathLoginBegin, []byte(`{"username":"alice"}`))
}

// TestUnknownUsername: a username-first begin for an unknown user answers
// like a known one: same members, one credential id, stable; the finish is
// refused and nobody is logged in.
func TestUnknownUsername(t *testing.T) {
	h := newHarness(t, newUsers(t, "alice"), nil)
	a := newSoft(t)
	h.register(a, "id-alice")
	shape := func(b []byte) (map[string]any, []any) {
		var v map[string]any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		pk := v["publicKey"].(map[string]any)
		allow, _ := pk["allowCredentials"].([]any)
		delete(pk, "challenge")
		delete(pk, "allowCredentials")
		return v, allow
	}
	known, kAllow := shape(h.ok(h.client(), PathLoginBegin, []byte(`{"username":"alice"}`)))
	c := h.client()
	unknown, uAllow := shape(h.ok(c, PathLoginBegin, []byte(`{"username":"mallory"}`)))
	_, uAllow2 := shape(h.ok(h.client(), PathLoginBegin, []byte(`{"username":"mallory"}`)))
	if !reflect.DeepEqual(known, unknown) || len(kAllow) != 1 || len(uAllow) == 0 { // how many: TestUnknownUserLooksKnown
		t.Fatalf("known %v %v, unknown %v %v", known, kAllow, unknown, uAllow)
	}
	if reflect.TypeOf(kAllow[0]) != reflect.TypeOf(uAllow[0]) || !reflect.DeepEqual(uAllow, uAllow2) {
		t.Errorf("fake credentials %v then %v", uAllow, uAllow2)
	}
	h.refused(c, PathLoginFinish, a.get(t, h.ok(c, PathLoginBegin, []byte(`{"username":"mallory"}`))), "unknown_credential")
	if h.whoami(c) != "" {
		t.Fatal("logged in")
	}
}

// TestBadInput: each refusal with its reason, and nobody logged in.
func TestBadInput(t *testing.T) {
	type env struct {
		h     *harness
		c     *http.Client
		alice *soft
	}
	setup := func(t *testing.T, edit func(*Config)) env {
		h := newHarness(t, newUsers(t, "alice", "bob"), edit)
		a := newSoft(t)
		h.register(a, "id-alice")
		return env{h, h.client(), a}
	}
	for name, tc := range map[string]struct {
		edit func(*Config)
		run  func(t *testing.T, e env) (path string, body []byte, reason string)
	}{
		"registration without login": {nil, func(t *testing.T, e env) (string, []byte, string) {
			return PathRegisterBegin, nil, "not_logged_in"
		}},
		"registration finish without begin": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.h.login(e.c, "id-alice")
			return PathRegisterFinish, newSoft(t).create(t, []byte(`{"publicKey":{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","user":{"id":"aWQtYWxpY2U"}}}`)), "no_ceremony"
		}},
		"registration for another user than the session's": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.h.login(e.c, "id-alice")
			opts := e.h.ok(e.c, PathRegisterBegin, nil)
			e.h.login(e.c, "id-bob")
			e.h.ok(e.c, "/test/login?id=", nil) // and then nobody
			return PathRegisterFinish, newSoft(t).create(t, opts), "not_logged_in"
		}},
		"registration of an RSA key under 2048 bits": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.h.login(e.c, "id-alice")
			a := newSoft(t)
			k, err := rsa.GenerateKey(rand.Reader, 1024)
			if err != nil {
				t.Fatal(err)
			}
			a.rsaKey = k
			opts := e.h.ok(e.c, PathRegisterBegin, nil)
			return PathRegisterFinish, a.create(t, opts), "weak_key"
		}},
		"registration with the wrong challenge": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.h.login(e.c, "id-alice")
			a := newSoft(t)
			a.challenge = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			return PathRegisterFinish, a.create(t, e.h.ok(e.c, PathRegisterBegin, nil)), "verification"
		}},
		"registration of a credential id already registered": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.h.login(e.c, "id-bob")
			a := newSoft(t)
			a.credID = e.alice.credID
			return PathRegisterFinish, a.create(t, e.h.ok(e.c, PathRegisterBegin, nil)), "duplicate"
		}},
		"login finish without begin": {nil, func(t *testing.T, e env) (string, []byte, string) {
			return PathLoginFinish, e.alice.get(t, []byte(`{"publicKey":{"challenge":"AAAAAAAAAAAAAAAAAAAAAA"}}`)), "no_ceremony"
		}},
		"login begin reused": {nil, func(t *testing.T, e env) (string, []byte, string) {
			opts := e.h.ok(e.c, PathLoginBegin, nil)
			e.alice.counter = 5
			e.h.refused(e.c, PathLoginFinish, []byte(`{}`), "bad_request")
			return PathLoginFinish, e.alice.get(t, opts), "no_ceremony"
		}},
		"login after success reused": {nil, func(t *testing.T, e env) (string, []byte, string) {
			opts := e.h.ok(e.c, PathLoginBegin, nil)
			e.alice.counter = 5
			resp := e.alice.get(t, opts)
			e.h.ok(e.c, PathLoginFinish, resp)
			e.h.ok(e.c, "/test/login?id=", nil) // log out (keeps the session, empties the user)
			return PathLoginFinish, resp, "no_ceremony"
		}},
		"login expired": {nil, func(t *testing.T, e env) (string, []byte, string) {
			opts := e.h.ok(e.c, PathLoginBegin, nil)
			e.h.clock.Add(DefaultTimeout + time.Second)
			e.alice.counter = 5
			return PathLoginFinish, e.alice.get(t, opts), "expired"
		}},
		"registration expired": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.h.login(e.c, "id-alice")
			opts := e.h.ok(e.c, PathRegisterBegin, nil)
			e.h.clock.Add(DefaultTimeout)
			return PathRegisterFinish, newSoft(t).create(t, opts), "expired"
		}},
		"login with the wrong origin": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.alice.origin = "https://evil.test"
			e.alice.counter = 5
			return PathLoginFinish, e.alice.get(t, e.h.ok(e.c, PathLoginBegin, nil)), "verification"
		}},
		"login with the wrong type": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.alice.clientType = "webauthn.create"
			e.alice.counter = 5
			return PathLoginFinish, e.alice.get(t, e.h.ok(e.c, PathLoginBegin, nil)), "verification"
		}},
		"login with the wrong challenge": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.alice.challenge = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			e.alice.counter = 5
			return PathLoginFinish, e.alice.get(t, e.h.ok(e.c, PathLoginBegin, nil)), "verification"
		}},
		"login with the wrong relying party": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.alice.rpID = "evil.test"
			e.alice.counter = 5
			return PathLoginFinish, e.alice.get(t, e.h.ok(e.c, PathLoginBegin, nil)), "verification"
		}},
		"login with another user's credential": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.alice.counter = 5
			return PathLoginFinish, e.alice.get(t, e.h.ok(e.c, PathLoginBegin, []byte(`{"username":"bob"}`))), "unknown_credential"
		}},
		"login with an unknown credential": {nil, func(t *testing.T, e env) (string, []byte, string) {
			a := newSoft(t)
			a.userHandle = []byte("id-alice")
			return PathLoginFinish, a.get(t, e.h.ok(e.c, PathLoginBegin, nil)), "unknown_credential"
		}},
		"login with a forged user handle": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.alice.userHandle = []byte("id-bob")
			e.alice.counter = 5
			return PathLoginFinish, e.alice.get(t, e.h.ok(e.c, PathLoginBegin, nil)), "unknown_credential"
		}},
		"login with a counter gone backwards": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.alice.counter = 7
			if st, b := e.h.loginWith(e.h.client(), e.alice, ""); st != http.StatusOK {
				t.Fatalf("%d %s", st, b)
			}
			e.alice.counter = 6
			return PathLoginFinish, e.alice.get(t, e.h.ok(e.c, PathLoginBegin, nil)), "counter"
		}},
		"login with a counter that did not move": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.alice.counter = 7
			if st, b := e.h.loginWith(e.h.client(), e.alice, ""); st != http.StatusOK {
				t.Fatalf("%d %s", st, b)
			}
			return PathLoginFinish, e.alice.get(t, e.h.ok(e.c, PathLoginBegin, nil)), "counter"
		}},
		"login with a counter back to 0": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.alice.counter = 7
			if st, b := e.h.loginWith(e.h.client(), e.alice, ""); st != http.StatusOK {
				t.Fatalf("%d %s", st, b)
			}
			e.alice.counter = 0
			return PathLoginFinish, e.alice.get(t, e.h.ok(e.c, PathLoginBegin, nil)), "counter"
		}},
		"login without user verification, registered with it": {func(c *Config) { c.UserVerification = protocol.VerificationPreferred }, func(t *testing.T, e env) (string, []byte, string) {
			e.alice.flags = 0
			e.alice.counter = 5
			return PathLoginFinish, e.alice.get(t, e.h.ok(e.c, PathLoginBegin, nil)), "user_verification"
		}},
		"login becoming backup eligible without the upgrade": {nil, func(t *testing.T, e env) (string, []byte, string) {
			e.alice.flags |= protocol.FlagBackupEligible
			e.alice.counter = 5
			return PathLoginFinish, e.alice.get(t, e.h.ok(e.c, PathLoginBegin, nil)), "backup_eligible"
		}},
		"login becoming backup eligible while backed up": {func(c *Config) { c.AllowBackupEligibleUpgrade = true }, func(t *testing.T, e env) (string, []byte, string) {
			e.alice.flags |= protocol.FlagBackupEligible | protocol.FlagBackupState
			e.alice.counter = 5
			return PathLoginFinish, e.alice.get(t, e.h.ok(e.c, PathLoginBegin, nil)), "backup_eligible"
		}},
		"login with backup state without eligibility": {func(c *Config) { c.AllowBackupEligibleUpgrade = true }, func(t *testing.T, e env) (string, []byte, string) {
			e.alice.flags |= protocol.FlagBackupState
			e.alice.counter = 5
			return PathLoginFinish, e.alice.get(t, e.h.ok(e.c, PathLoginBegin, nil)), "backup_eligible"
		}},
		"login with a bad body": {nil, func(t *testing.T, e env) (string, []byte, string) {
			return PathLoginBegin, []byte(`{"username":1}`), "bad_request"
		}},
	} {
		t.Run(name, func(t *testing.T) {
			e := setup(t, tc.edit)
			path, body, reason := tc.run(t, e)
			before := e.h.whoami(e.c) // a registration runs logged in
			e.h.refused(e.c, path, body, reason)
			if who := e.h.whoami(e.c); who != before || (path == PathLoginFinish && who != "") {
				t.Fatalf("logged in as %q", who)
			}
			a, _ := e.h.users.Credentials(context.Background(), "id-alice")
			b, _ := e.h.users.Credentials(context.Background(), "id-bob")
			if len(a) != 1 || len(b) != 0 {
				t.Fatalf("alice has %d credentials, bob %d", len(a), len(b))
			}
		})
	}
}

// TestBackupEligibleUpgrade: with allow_backup_eligible_upgrade, BE=1 and BS=0
// logs in and the stored credential becomes eligible; then losing
// eligibility is refused.
func TestBackupEligibleUpgrade(t *testing.T) {
	h := newHarness(t, newUsers(t, "alice"), func(c *Config) { c.AllowBackupEligibleUpgrade = true })
	a := newSoft(t)
	h.register(a, "id-alice")
	a.flags |= protocol.FlagBackupEligible
	a.counter = 1
	if st, b := h.loginWith(h.client(), a, ""); st != http.StatusOK {
		t.Fatalf("%d %s", st, b)
	}
	creds, _ := h.users.Credentials(context.Background(), "id-alice")
	if !creds[0].Flags.BackupEligible || creds[0].Authenticator.SignCount != 1 {
		t.Fatalf("stored flags %+v counter %d", creds[0].Flags, creds[0].Authenticator.SignCount)
	}
	a.flags &^= protocol.FlagBackupEligible
	a.counter = 2
	c := h.client()
	if st, _ := h.loginWith(c, a, ""); st != http.StatusUnauthorized || h.whoami(c) != "" {
		t.Fatalf("losing eligibility: %d", st)
	}
}

// TestZeroCounters: an authenticator without a counter (always 0) logs in
// again and again.
func TestZeroCounters(t *testing.T) {
	h := newHarness(t, newUsers(t, "alice"), nil)
	a := newSoft(t)
	h.register(a, "id-alice")
	for range 2 {
		if st, b := h.loginWith(h.client(), a, ""); st != http.StatusOK {
			t.Fatalf("%d %s", st, b)
		}
	}
}

// TestEnrollHook: without a login, only the hook's user gets the passkey.
func TestEnrollHook(t *testing.T) {
	users := newUsers(t, "alice", "bob")
	h := newHarness(t, users, func(c *Config) {
		c.EnrollHook = func(r *http.Request) (*User, error) {
			if r.Header.Get("X-Invite") != "bob" {
				return nil, ErrNotLoggedIn
			}
			return users.UserByName(r.Context(), "bob")
		}
	})
	c := h.client()
	h.refused(c, PathRegisterBegin, nil, "not_logged_in")
	req, _ := http.NewRequest("POST", h.srv.URL+PathRegisterBegin, nil)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Invite", "bob")
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%v %v", resp, err)
	}
	var opts json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&opts)
	resp.Body.Close()
	a := newSoft(t)
	h.ok(c, PathRegisterFinish, a.create(t, opts))
	if creds, _ := users.Credentials(context.Background(), "id-bob"); len(creds) != 1 {
		t.Fatal("bob has no passkey")
	}
	if creds, _ := users.Credentials(context.Background(), "id-alice"); len(creds) != 0 {
		t.Fatal("alice got a passkey")
	}
	if h.whoami(c) != "" {
		t.Fatal("enrolment logged in")
	}
}
