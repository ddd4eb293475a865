package passkey

import (
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// Credential is a passkey in go-webauthn's type, with the members of
// webauthn-rs 0.4.9's Credential that go-webauthn has no place for. Its JSON
// is webauthn-rs's serde shape:
//
//	{"cred_id", "cred": {"type_", "key"}, "counter", "transports",
//	 "user_verified", "backup_eligible", "backup_state", "registration_policy",
//	 "extensions", "attestation": {"data", "metadata"}, "attestation_format"}
//
// cred_id, counter, transports (null is nil), the three flags, the key (as
// COSE_Key bytes in PublicKey) and the attestation format live in the
// embedded webauthn.Credential.
//
// It is read as webauthn-rs's serde reads it: members it does not know are
// ignored, "transports" may be absent or null, an extension state absent is
// NotRequested, every variant and alias serde takes is taken. It is strict
// where that guards something (ErrFormat, ErrWeakKey): sizes (MaxRecordSize,
// credential ids of at most 1023 bytes), types of known members, repeated
// names, required members, keys, attestation certificates that are not DER.
// MarshalJSON writes it exactly as serde_json writes it: member order,
// canonical names, unpadded base64url, '&', '<' and '>' unescaped (through
// encoding/json.Marshal those three come out as \u0026…, the same JSON value,
// unless the Encoder has SetEscapeHTML(false)).
type Credential struct {
	webauthn.Credential
	// RegistrationPolicy is the user verification policy the credential was
	// registered under (webauthn-rs's registration_policy).
	RegistrationPolicy protocol.UserVerificationRequirement
	// ExtensionStates are webauthn-rs's registered extension states and
	// their values. The values of the signed states (Set, Unsolicited) are
	// also in Credential.Extensions (CredProtect, HMACSecret, RK).
	ExtensionStates Extensions
	// AttestationData is webauthn-rs's attestation member.
	AttestationData Attestation
}

// attestationFormats maps webauthn-rs's AttestationFormat names to go-webauthn's.
func attestationFormats() [][2]string {
	return [][2]string{
		{"Packed", "packed"}, {"Tpm", "tpm"}, {"AndroidKey", "android-key"},
		{"AndroidSafetyNet", "android-safetynet"}, {"FIDOU2F", "fido-u2f"},
		{"AppleAnonymous", "apple"}, {"None", "none"},
	}
}

func transportsRS() []string {
	return []string{"usb", "nfc", "ble", "internal", "hybrid", "test"}
}

// policiesRS are webauthn-rs's UserVerificationPolicy names.
func policiesRS() []string {
	return []string{"required", "preferred", "discouraged"}
}

// UnmarshalJSON reads a webauthn-rs Credential (see Credential).
func (c *Credential) UnmarshalJSON(data []byte) error {
	o, err := parseObject(data)
	if err != nil {
		return err
	}
	got, err := readCredential(o)
	if err != nil {
		return err
	}
	*c = *got
	return nil
}

// MarshalJSON writes c in webauthn-rs's shape.
func (c Credential) MarshalJSON() ([]byte, error) {
	w, err := c.wire()
	if err != nil {
		return nil, err
	}
	return marshal(w)
}

func readCredential(o *object) (*Credential, error) {
	var c Credential
	var err error
	if c.ID, err = o.bytes("cred_id", maxCredID); err != nil {
		return nil, err
	}
	if len(c.ID) == 0 {
		return nil, fmt.Errorf("%w: %s.cred_id is empty", ErrFormat, o.path)
	}
	cred, err := o.obj("cred")
	if err != nil {
		return nil, err
	}
	if c.PublicKey, err = readCOSE(cred); err != nil {
		return nil, err
	}
	if c.Authenticator.SignCount, err = o.uint32("counter"); err != nil {
		return nil, err
	}
	if c.Transport, err = readTransports(o); err != nil {
		return nil, err
	}
	if c.Flags, err = readFlags(o); err != nil {
		return nil, err
	}
	pol, err := o.oneOf("registration_policy", policiesRS()...)
	if err != nil {
		return nil, err
	}
	c.RegistrationPolicy = protocol.UserVerificationRequirement(pol)
	ext, err := o.obj("extensions")
	if err != nil {
		return nil, err
	}
	if c.ExtensionStates, err = readExtensions(ext); err != nil {
		return nil, err
	}
	c.Extensions = c.ExtensionStates.signed()
	att, err := o.obj("attestation")
	if err != nil {
		return nil, err
	}
	if c.AttestationData, err = readAttestation(att); err != nil {
		return nil, err
	}
	names := make([]string, 0, 7)
	for _, f := range attestationFormats() {
		names = append(names, f[0])
	}
	fv, err := o.get("attestation_format")
	if err != nil {
		return nil, err
	}
	fmtName, err := unitVariant(fv, o.path+".attestation_format", names...)
	if err != nil {
		return nil, err
	}
	for _, f := range attestationFormats() {
		if f[0] == fmtName {
			c.AttestationFormat = f[1]
		}
	}
	return &c, nil
}

// readTransports reads Option<Vec<AuthenticatorTransport>>: absent or null is
// nil, an array is kept (empty included).
func readTransports(o *object) ([]protocol.AuthenticatorTransport, error) {
	tv, ok := o.opt("transports")
	if !ok {
		return nil, nil
	}
	ts, isArray := tv.([]any)
	if !isArray || len(ts) > 8 {
		return nil, fmt.Errorf("%w: %s.transports is %s, want null or a short array", ErrFormat, o.path, kind(tv))
	}
	out := make([]protocol.AuthenticatorTransport, 0, len(ts))
	for i, t := range ts {
		s, err := unitVariant(t, fmt.Sprintf("%s.transports[%d]", o.path, i), transportsRS()...)
		if err != nil {
			return nil, err
		}
		out = append(out, protocol.AuthenticatorTransport(s))
	}
	return out, nil
}

// readFlags reads user_verified, backup_eligible and backup_state; a backup
// state without eligibility is refused, as webauthn-rs refuses it at
// registration.
func readFlags(o *object) (webauthn.CredentialFlags, error) {
	flags := protocol.FlagUserPresent
	for _, f := range []struct {
		name string
		bit  protocol.AuthenticatorFlags
	}{{"user_verified", protocol.FlagUserVerified}, {"backup_eligible", protocol.FlagBackupEligible}, {"backup_state", protocol.FlagBackupState}} {
		b, err := o.boolean(f.name)
		if err != nil {
			return webauthn.CredentialFlags{}, err
		}
		if b {
			flags |= f.bit
		}
	}
	if flags&protocol.FlagBackupState != 0 && flags&protocol.FlagBackupEligible == 0 {
		return webauthn.CredentialFlags{}, fmt.Errorf("%w: %s: backup_state without backup_eligible", ErrFormat, o.path)
	}
	return webauthn.NewCredentialFlags(flags), nil
}

// unitVariant reads a serde unit variant, one of names: "Name" or
// {"Name": null}.
func unitVariant(v any, path string, names ...string) (string, error) {
	name, val, err := variant(v, path)
	if err != nil {
		return "", err
	}
	if val != nil || !member(name, names) {
		return "", fmt.Errorf("%w: %s = %s, want one of %s", ErrFormat, path, quote(name), quoteList(names))
	}
	return name, nil
}

func member(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// wireCredential is webauthn-rs's Credential in its member order.
type wireCredential struct {
	CredID             b64             `json:"cred_id"`
	Cred               wireCOSE        `json:"cred"`
	Counter            uint32          `json:"counter"`
	Transports         []string        `json:"transports"`
	UserVerified       bool            `json:"user_verified"`
	BackupEligible     bool            `json:"backup_eligible"`
	BackupState        bool            `json:"backup_state"`
	RegistrationPolicy string          `json:"registration_policy"`
	Extensions         wireExtensions  `json:"extensions"`
	Attestation        wireAttestation `json:"attestation"`
	AttestationFormat  string          `json:"attestation_format"`
}

func (c *Credential) wire() (*wireCredential, error) {
	if len(c.ID) == 0 || len(c.ID) > maxCredID {
		return nil, fmt.Errorf("%w: credential id of %d bytes", ErrFormat, len(c.ID))
	}
	key, err := writeCOSE(c.PublicKey)
	if err != nil {
		return nil, err
	}
	w := &wireCredential{
		CredID: c.ID, Cred: key, Counter: c.Authenticator.SignCount,
		UserVerified: c.Flags.UserVerified, BackupEligible: c.Flags.BackupEligible, BackupState: c.Flags.BackupState,
		RegistrationPolicy: string(c.RegistrationPolicy),
	}
	if c.Flags.BackupState && !c.Flags.BackupEligible {
		return nil, fmt.Errorf("%w: backup_state without backup_eligible", ErrFormat)
	}
	switch {
	case w.RegistrationPolicy == "":
		w.RegistrationPolicy = string(protocol.VerificationPreferred)
	case !member(w.RegistrationPolicy, policiesRS()):
		return nil, fmt.Errorf("%w: registration policy %s", ErrFormat, quote(w.RegistrationPolicy))
	}
	if c.Transport != nil {
		w.Transports = []string{}
		for _, t := range c.Transport {
			if member(string(t), transportsRS()) { // webauthn-rs knows no other
				w.Transports = append(w.Transports, string(t))
			}
		}
	}
	if w.Extensions, err = c.ExtensionStates.wire(); err != nil {
		return nil, err
	}
	if w.Attestation, err = c.AttestationData.wire(); err != nil {
		return nil, err
	}
	format := c.AttestationFormat
	if format == "" {
		format = "none"
	}
	for _, f := range attestationFormats() {
		if f[1] == format {
			w.AttestationFormat = f[0]
		}
	}
	if w.AttestationFormat == "" {
		return nil, fmt.Errorf("%w: attestation format %s unknown to webauthn-rs", ErrFormat, quote(format))
	}
	return w, nil
}

// DecodeCredential reads webauthn-rs's Credential JSON (see Credential):
// ErrFormat or ErrWeakKey for anything webauthn-rs or Sesame refuses.
func DecodeCredential(data []byte) (*Credential, error) {
	var c Credential
	if err := c.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return &c, nil
}
