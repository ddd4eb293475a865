package passkey_test

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/sesame-go/sesame/session/passkey"
)

// A webauthn-rs login state, as MilleGrilles keeps it under
// passkey_authentication, read into go-webauthn's types and written back.
func ExampleDecodeAuthentication() {
	raw, err := os.ReadFile("testdata/seed_passkey_authentication.json")
	if err != nil {
		panic(err)
	}
	a, err := passkey.DecodeAuthentication(raw)
	if err != nil {
		panic(err)
	}
	c := a.Credentials[0]
	fmt.Println(a.Session.Challenge, a.Session.UserVerification, a.AllowBackupEligibleUpgrade)
	fmt.Println(len(c.ID), c.Authenticator.SignCount, c.Flags.BackupEligible, c.AttestationFormat)
	out, _ := json.Marshal(a)
	fmt.Println(len(out) > 0)
	// Output:
	// 9SyRpnLFkD6f--YyCO2EQPBV1jdiNNj2ZAqsI6nUwU8 preferred true
	// 96 0 false none
	// true
}
