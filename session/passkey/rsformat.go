package passkey

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// Credential is a passkey in go-webauthn's type, with the members of
// webauthn-rs 0.4.9's Credential that go-webauthn has no place for. Its JSON
// is webauthn-rs's serde shape exactly:
//
//	{"cred_id", "cred": {"type_", "key"}, "counter", "transports",
//	 "user_verified", "backup_eligible", "backup_state", "registration_policy",
//	 "extensions", "attestation": {"data", "metadata"}, "attestation_format"}
//
// cred_id, counter, transports (null is nil), the three flags, the key (as
// COSE_Key bytes in PublicKey) and the attestation format live in the
// embedded webauthn.Credential. Reading is strict (ErrFormat, ErrWeakKey) and
// bounded by MaxRecordSize.
type Credential struct {
	webauthn.Credential
	// RegistrationPolicy is the user verification policy the credential was
	// registered under (webauthn-rs's registration_policy).
	RegistrationPolicy protocol.UserVerificationRequirement
	// ExtensionStates are webauthn-rs's registered extension states; the values
	// of extensions in state Set or Unsolicited are in Credential.Extensions
	// (CredProtect, HMACSecret, RK) and AppIDUsed.
	ExtensionStates Extensions
	// AttestationData is webauthn-rs's attestation member.
	AttestationData Attestation
}

// ExtensionState is the state of one registered extension in webauthn-rs:
// NotRequested, Ignored, Unsigned, Set or Unsolicited (the last two carry a
// value).
type ExtensionState string

// The states of a registered extension.
const (
	ExtensionNotRequested ExtensionState = "NotRequested"
	ExtensionIgnored      ExtensionState = "Ignored"
	ExtensionUnsigned     ExtensionState = "Unsigned"
	ExtensionSet          ExtensionState = "Set"
	ExtensionUnsolicited  ExtensionState = "Unsolicited"
)

// Extensions are webauthn-rs's RegisteredExtensions.
type Extensions struct {
	// CredProtect is the state of cred_protect; its value is
	// Credential.Extensions.CredProtect.
	CredProtect ExtensionState
	// HMACCreateSecret is the state of hmac_create_secret; its value is
	// Credential.Extensions.HMACSecret.
	HMACCreateSecret ExtensionState
	// AppID is the state of appid; its value is AppIDUsed.
	AppID ExtensionState
	// AppIDUsed is the value of appid when set.
	AppIDUsed bool
	// CredProps is the state of cred_props; its value (rk) is
	// Credential.Extensions.RK.
	CredProps ExtensionState
}

// Attestation is webauthn-rs's attestation member of a credential.
type Attestation struct {
	// Data is the variant of the parsed attestation data: "None", "Self_" or
	// "Basic".
	Data string
	// Chain is the DER certificate chain of a Basic attestation.
	Chain [][]byte
	// Metadata is the attestation metadata as stored: "None" or a variant
	// object, kept verbatim (compacted).
	Metadata json.RawMessage
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

// UnmarshalJSON reads a webauthn-rs Credential strictly.
func (c *Credential) UnmarshalJSON(data []byte) error {
	v, err := parseStrict(data)
	if err != nil {
		return err
	}
	o, err := asObject(v, "$")
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
	return json.Marshal(w)
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
	tv, err := o.get("transports")
	if err != nil {
		return nil, err
	}
	if tv != nil {
		ts, ok := tv.([]any)
		if !ok || len(ts) > 8 {
			return nil, fmt.Errorf("%w: %s.transports is %s, want null or a short array", ErrFormat, o.path, kind(tv))
		}
		c.Transport = make([]protocol.AuthenticatorTransport, 0, len(ts))
		for i, t := range ts {
			s, _ := t.(string)
			if !member(s, transportsRS()) {
				return nil, fmt.Errorf("%w: %s.transports[%d] is not a transport", ErrFormat, o.path, i)
			}
			c.Transport = append(c.Transport, protocol.AuthenticatorTransport(s))
		}
	}
	var flags protocol.AuthenticatorFlags = protocol.FlagUserPresent
	for _, f := range []struct {
		name string
		bit  protocol.AuthenticatorFlags
	}{{"user_verified", protocol.FlagUserVerified}, {"backup_eligible", protocol.FlagBackupEligible}, {"backup_state", protocol.FlagBackupState}} {
		b, err := o.boolean(f.name)
		if err != nil {
			return nil, err
		}
		if b {
			flags |= f.bit
		}
	}
	if flags&protocol.FlagBackupState != 0 && flags&protocol.FlagBackupEligible == 0 {
		return nil, fmt.Errorf("%w: %s: backup_state without backup_eligible", ErrFormat, o.path)
	}
	c.Flags = webauthn.NewCredentialFlags(flags)
	pol, err := o.oneOf("registration_policy", "required", "preferred", "discouraged")
	if err != nil {
		return nil, err
	}
	c.RegistrationPolicy = protocol.UserVerificationRequirement(pol)
	ext, err := o.obj("extensions")
	if err != nil {
		return nil, err
	}
	if err := readExtensions(ext, &c); err != nil {
		return nil, err
	}
	att, err := o.obj("attestation")
	if err != nil {
		return nil, err
	}
	if err := readAttestation(att, &c.AttestationData); err != nil {
		return nil, err
	}
	names := make([]string, 0, 7)
	for _, f := range attestationFormats() {
		names = append(names, f[0])
	}
	fmtName, err := o.oneOf("attestation_format", names...)
	if err != nil {
		return nil, err
	}
	for _, f := range attestationFormats() {
		if f[0] == fmtName {
			c.AttestationFormat = f[1]
		}
	}
	if err := o.done(); err != nil {
		return nil, err
	}
	return &c, nil
}

func member(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// readExtState reads one ExtnState; set is called with the value of Set or
// Unsolicited.
func readExtState(o *object, k string, set func(v any, path string) error) (ExtensionState, error) {
	v, err := o.get(k)
	if err != nil {
		return "", err
	}
	path := o.path + "." + k
	name, val, err := variant(v, path)
	if err != nil {
		return "", err
	}
	st := ExtensionState(name)
	switch st {
	case ExtensionNotRequested, ExtensionIgnored, ExtensionUnsigned:
		if val != nil {
			return "", fmt.Errorf("%w: %s: %s carries a value", ErrFormat, path, name)
		}
	case ExtensionSet, ExtensionUnsolicited:
		if val == nil {
			return "", fmt.Errorf("%w: %s: %s without a value", ErrFormat, path, name)
		}
		if err := set(val, path+"."+name); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("%w: %s = %s is not an extension state", ErrFormat, path, quote(name))
	}
	return st, nil
}

func boolValue(dst **bool) func(v any, path string) error {
	return func(v any, path string) error {
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("%w: %s is %s, want a boolean", ErrFormat, path, kind(v))
		}
		*dst = &b
		return nil
	}
}

func readExtensions(o *object, c *Credential) error {
	var err error
	e := &c.ExtensionStates
	e.CredProtect, err = readExtState(o, "cred_protect", func(v any, path string) error {
		s, _ := v.(string)
		switch p := protocol.CredentialProtectionPolicy(s); p {
		case protocol.CredentialProtectionPolicyUserVerificationOptional,
			protocol.CredentialProtectionPolicyUserVerificationOptionalWithCredentialIDList,
			protocol.CredentialProtectionPolicyUserVerificationRequired:
			c.Extensions.CredProtect = p
			return nil
		}
		return fmt.Errorf("%w: %s is not a credential protection policy", ErrFormat, path)
	})
	if err != nil {
		return err
	}
	if e.HMACCreateSecret, err = readExtState(o, "hmac_create_secret", boolValue(&c.Extensions.HMACSecret)); err != nil {
		return err
	}
	var appid *bool
	if e.AppID, err = readExtState(o, "appid", boolValue(&appid)); err != nil {
		return err
	}
	e.AppIDUsed = appid != nil && *appid
	e.CredProps, err = readExtState(o, "cred_props", func(v any, path string) error {
		p, err := asObject(v, path)
		if err != nil {
			return err
		}
		rk, err := p.boolean("rk")
		if err != nil {
			return err
		}
		c.Extensions.RK = &rk
		return p.done()
	})
	if err != nil {
		return err
	}
	return o.done()
}

func readAttestation(o *object, a *Attestation) error {
	dv, err := o.get("data")
	if err != nil {
		return err
	}
	name, val, err := variant(dv, o.path+".data")
	if err != nil {
		return err
	}
	switch {
	case (name == "None" || name == "Self_") && val == nil:
	case name == "Basic" && val != nil:
		certs, ok := val.([]any)
		if !ok || len(certs) > 8 {
			return fmt.Errorf("%w: %s.data.Basic is %s, want a short array", ErrFormat, o.path, kind(val))
		}
		a.Chain = [][]byte{}
		for i, c := range certs {
			der, err := readBytes(c, fmt.Sprintf("%s.data.Basic[%d]", o.path, i), 16<<10)
			if err != nil {
				return err
			}
			a.Chain = append(a.Chain, der)
		}
	default:
		return fmt.Errorf("%w: %s.data = %s is not None, Self_ or Basic", ErrFormat, o.path, quote(name))
	}
	a.Data = name
	mv, err := o.get("metadata")
	if err != nil {
		return err
	}
	mname, mval, err := variant(mv, o.path+".metadata")
	if err != nil {
		return err
	}
	if mname == "None" && mval == nil {
		a.Metadata = json.RawMessage(`"None"`)
	} else {
		if _, err := asObject(mval, o.path+".metadata."+mname); err != nil || !member(mname, []string{"Packed", "Tpm", "AndroidKey", "AndroidSafetyNet", "AppleAnonymous", "FIDOU2F"}) {
			return fmt.Errorf("%w: %s.metadata = %s is not attestation metadata", ErrFormat, o.path, quote(mname))
		}
		a.Metadata = compactValue(mv)
	}
	return o.done()
}

// compactValue writes a parsed value back as compact JSON.
func compactValue(v any) json.RawMessage {
	switch t := v.(type) {
	case *object:
		m := make(map[string]json.RawMessage, len(t.vals))
		for k, x := range t.vals {
			t.used[k] = true
			m[k] = compactValue(x)
		}
		b, _ := json.Marshal(m)
		return b
	case []any:
		a := make([]json.RawMessage, len(t))
		for i, x := range t {
			a[i] = compactValue(x)
		}
		b, _ := json.Marshal(a)
		return b
	default:
		b, _ := json.Marshal(t)
		return b
	}
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

type wireExtensions struct {
	CredProtect      json.RawMessage `json:"cred_protect"`
	HMACCreateSecret json.RawMessage `json:"hmac_create_secret"`
	AppID            json.RawMessage `json:"appid"`
	CredProps        json.RawMessage `json:"cred_props"`
}

type wireAttestation struct {
	Data     any             `json:"data"`
	Metadata json.RawMessage `json:"metadata"`
}

func extState(st ExtensionState, value any) (json.RawMessage, error) {
	switch st {
	case "":
		st = ExtensionNotRequested
		fallthrough
	case ExtensionNotRequested, ExtensionIgnored, ExtensionUnsigned:
		return json.Marshal(string(st))
	case ExtensionSet, ExtensionUnsolicited:
		return json.Marshal(map[string]any{string(st): value})
	}
	return nil, fmt.Errorf("%w: extension state %s", ErrFormat, quote(string(st)))
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
	if w.RegistrationPolicy == "" {
		w.RegistrationPolicy = string(protocol.VerificationPreferred)
	}
	if c.Transport != nil {
		w.Transports = []string{}
		for _, t := range c.Transport {
			if member(string(t), transportsRS()) { // webauthn-rs knows no other
				w.Transports = append(w.Transports, string(t))
			}
		}
	}
	e := c.ExtensionStates
	var cp, hmac, props any
	if p := c.Extensions.CredProtect; p != "" {
		cp = string(p)
	}
	if c.Extensions.HMACSecret != nil {
		hmac = *c.Extensions.HMACSecret
	}
	if c.Extensions.RK != nil {
		props = map[string]bool{"rk": *c.Extensions.RK}
	}
	for _, x := range []struct {
		dst *json.RawMessage
		st  ExtensionState
		v   any
	}{{&w.Extensions.CredProtect, e.CredProtect, cp}, {&w.Extensions.HMACCreateSecret, e.HMACCreateSecret, hmac},
		{&w.Extensions.AppID, e.AppID, e.AppIDUsed}, {&w.Extensions.CredProps, e.CredProps, props}} {
		if (x.st == ExtensionSet || x.st == ExtensionUnsolicited) && x.v == nil {
			return nil, fmt.Errorf("%w: extension in state %s without a value", ErrFormat, x.st)
		}
		if *x.dst, err = extState(x.st, x.v); err != nil {
			return nil, err
		}
	}
	switch a := c.AttestationData; a.Data {
	case "", "None":
		w.Attestation.Data = "None"
	case "Self_":
		w.Attestation.Data = "Self_"
	case "Basic":
		chain := make([]b64, len(a.Chain))
		for i, der := range a.Chain {
			chain[i] = der
		}
		w.Attestation.Data = map[string]any{"Basic": chain}
	default:
		return nil, fmt.Errorf("%w: attestation data %s", ErrFormat, quote(a.Data))
	}
	w.Attestation.Metadata = c.AttestationData.Metadata
	if len(w.Attestation.Metadata) == 0 {
		w.Attestation.Metadata = json.RawMessage(`"None"`)
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

// Authentication is webauthn-rs 0.4.9's PasskeyAuthentication state, the
// value MilleGrilles keeps under passkey_authentication in the session,
// decoded into go-webauthn's types:
//
//	{"ast": {"credentials": [Credential…], "policy", "challenge", "appid",
//	         "allow_backup_eligible_upgrade"}}
//
// Session carries the challenge (Challenge, base64url), the policy
// (UserVerification), appid (Extensions.AppID, "" for null) and the
// credential ids (AllowedCredentialIDs, filled on decode). Its JSON methods
// read strictly and write exactly that shape.
type Authentication struct {
	// Session is the ceremony's state in go-webauthn's type.
	Session webauthn.SessionData
	// Credentials are the credentials the ceremony allows (none for a
	// discoverable login).
	Credentials []Credential
	// AllowBackupEligibleUpgrade lets a credential stored with
	// backup_eligible false assert with BE=1 while BS=0 (see FinishLogin).
	AllowBackupEligibleUpgrade bool
}

type wireAuthentication struct {
	Ast wireAst `json:"ast"`
}

type wireAst struct {
	Credentials                []*wireCredential `json:"credentials"`
	Policy                     string            `json:"policy"`
	Challenge                  b64               `json:"challenge"`
	AppID                      *string           `json:"appid"`
	AllowBackupEligibleUpgrade bool              `json:"allow_backup_eligible_upgrade"`
}

// UnmarshalJSON reads a webauthn-rs PasskeyAuthentication strictly.
func (a *Authentication) UnmarshalJSON(data []byte) error {
	v, err := parseStrict(data)
	if err != nil {
		return err
	}
	root, err := asObject(v, "$")
	if err != nil {
		return err
	}
	ast, err := root.obj("ast")
	if err != nil {
		return err
	}
	if err := root.done(); err != nil {
		return err
	}
	var out Authentication
	cv, err := ast.get("credentials")
	if err != nil {
		return err
	}
	creds, ok := cv.([]any)
	if !ok || len(creds) > maxCreds {
		return fmt.Errorf("%w: $.ast.credentials is %s, want an array of at most %d", ErrFormat, kind(cv), maxCreds)
	}
	out.Credentials = make([]Credential, 0, len(creds))
	for i, cv := range creds {
		o, err := asObject(cv, fmt.Sprintf("$.ast.credentials[%d]", i))
		if err != nil {
			return err
		}
		c, err := readCredential(o)
		if err != nil {
			return err
		}
		out.Credentials = append(out.Credentials, *c)
		out.Session.AllowedCredentialIDs = append(out.Session.AllowedCredentialIDs, c.ID)
	}
	pol, err := ast.oneOf("policy", "required", "preferred", "discouraged")
	if err != nil {
		return err
	}
	out.Session.UserVerification = protocol.UserVerificationRequirement(pol)
	ch, err := ast.bytes("challenge", 64)
	if err != nil {
		return err
	}
	if len(ch) < protocol.MinimumChallengeLength {
		return fmt.Errorf("%w: $.ast.challenge of %d bytes, under %d", ErrFormat, len(ch), protocol.MinimumChallengeLength)
	}
	out.Session.Challenge = base64.RawURLEncoding.EncodeToString(ch)
	av, err := ast.get("appid")
	if err != nil {
		return err
	}
	if av != nil {
		s, ok := av.(string)
		if !ok || s == "" || len(s) > 2048 {
			return fmt.Errorf("%w: $.ast.appid is %s, want null or a URL", ErrFormat, kind(av))
		}
		out.Session.Extensions.AppID = s
	}
	if out.AllowBackupEligibleUpgrade, err = ast.boolean("allow_backup_eligible_upgrade"); err != nil {
		return err
	}
	if err := ast.done(); err != nil {
		return err
	}
	*a = out
	return nil
}

// MarshalJSON writes a in webauthn-rs's PasskeyAuthentication shape.
func (a Authentication) MarshalJSON() ([]byte, error) {
	ch, err := base64.RawURLEncoding.DecodeString(a.Session.Challenge)
	if err != nil || len(ch) < protocol.MinimumChallengeLength {
		return nil, fmt.Errorf("%w: challenge is not base64url of 16 bytes or more", ErrFormat)
	}
	w := wireAuthentication{Ast: wireAst{
		Credentials:                make([]*wireCredential, 0, len(a.Credentials)),
		Policy:                     string(a.Session.UserVerification),
		Challenge:                  ch,
		AllowBackupEligibleUpgrade: a.AllowBackupEligibleUpgrade,
	}}
	switch w.Ast.Policy {
	case "":
		w.Ast.Policy = string(protocol.VerificationPreferred)
	case "required", "preferred", "discouraged":
	default:
		return nil, fmt.Errorf("%w: policy %s", ErrFormat, quote(w.Ast.Policy))
	}
	if s := a.Session.Extensions.AppID; s != "" {
		w.Ast.AppID = &s
	}
	for i := range a.Credentials {
		c, err := a.Credentials[i].wire()
		if err != nil {
			return nil, err
		}
		w.Ast.Credentials = append(w.Ast.Credentials, c)
	}
	return json.Marshal(w)
}

// DecodeAuthentication reads webauthn-rs's PasskeyAuthentication JSON
// strictly: ErrFormat or ErrWeakKey for anything else.
func DecodeAuthentication(data []byte) (*Authentication, error) {
	var a Authentication
	if err := a.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return &a, nil
}

// DecodeCredential reads webauthn-rs's Credential JSON strictly: ErrFormat or
// ErrWeakKey for anything else.
func DecodeCredential(data []byte) (*Credential, error) {
	var c Credential
	if err := c.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return &c, nil
}
