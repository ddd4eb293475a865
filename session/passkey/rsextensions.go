package passkey

import (
	"encoding/json"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

// ExtensionState is the state of one registered extension in webauthn-rs
// 0.4.9's ExtnState: NotRequested, Ignored, or one of the three that carry a
// value, Set, Unsolicited and Unsigned.
type ExtensionState string

// The states of a registered extension.
const (
	// ExtensionNotRequested: not requested, no result. An extension absent
	// from a record is in this state (webauthn-rs's #[serde(default)]).
	ExtensionNotRequested ExtensionState = "NotRequested"
	// ExtensionIgnored: requested, and the authenticator did not act on it.
	ExtensionIgnored ExtensionState = "Ignored"
	// ExtensionSet: requested, and the authenticator answered (a value).
	ExtensionSet ExtensionState = "Set"
	// ExtensionUnsolicited: not requested, yet the authenticator sent a value.
	ExtensionUnsolicited ExtensionState = "Unsolicited"
	// ExtensionUnsigned: a value the client reported that is not signed by
	// the authenticator; a hint, never a security property.
	ExtensionUnsigned ExtensionState = "Unsigned"
)

// carriesValue reports whether a state has a value (Set, Unsolicited,
// Unsigned).
func (s ExtensionState) carriesValue() bool {
	return s == ExtensionSet || s == ExtensionUnsolicited || s == ExtensionUnsigned
}

// signed reports whether a state's value was signed by the authenticator.
func (s ExtensionState) signed() bool {
	return s == ExtensionSet || s == ExtensionUnsolicited
}

// Extensions are webauthn-rs's RegisteredExtensions: a state per extension
// and, for the states that carry one, its value. The zero value is every
// extension NotRequested.
type Extensions struct {
	// CredProtect is the state of cred_protect.
	CredProtect ExtensionState
	// CredProtectPolicy is cred_protect's value when its state carries one.
	CredProtectPolicy protocol.CredentialProtectionPolicy
	// HMACCreateSecret is the state of hmac_create_secret.
	HMACCreateSecret ExtensionState
	// HMACSecret is hmac_create_secret's value when its state carries one.
	HMACSecret bool
	// AppID is the state of appid.
	AppID ExtensionState
	// AppIDUsed is appid's value when its state carries one.
	AppIDUsed bool
	// CredProps is the state of cred_props.
	CredProps ExtensionState
	// RK is cred_props's value (its rk member) when its state carries one.
	RK bool
}

// signed returns the values of the signed states in go-webauthn's type.
func (e Extensions) signed() webauthn.CredentialExtensions {
	var out webauthn.CredentialExtensions
	if e.CredProtect.signed() {
		out.CredProtect = e.CredProtectPolicy
	}
	if e.HMACCreateSecret.signed() {
		v := e.HMACSecret
		out.HMACSecret = &v
	}
	if e.CredProps.signed() {
		v := e.RK
		out.RK = &v
	}
	return out
}

func credProtectPolicies() []string {
	return []string{
		string(protocol.CredentialProtectionPolicyUserVerificationOptional),
		string(protocol.CredentialProtectionPolicyUserVerificationOptionalWithCredentialIDList),
		string(protocol.CredentialProtectionPolicyUserVerificationRequired),
	}
}

// readExtensions reads RegisteredExtensions: each member #[serde(default)]
// (absent is NotRequested), null refused (an ExtnState is not an Option).
func readExtensions(o *object) (Extensions, error) {
	var e Extensions
	var err error
	e.CredProtect, err = readExtState(o, "cred_protect", func(v any, path string) error {
		s, err := unitVariant(v, path, credProtectPolicies()...)
		e.CredProtectPolicy = protocol.CredentialProtectionPolicy(s)
		return err
	})
	if err != nil {
		return e, err
	}
	if e.HMACCreateSecret, err = readExtState(o, "hmac_create_secret", boolValue(&e.HMACSecret)); err != nil {
		return e, err
	}
	if e.AppID, err = readExtState(o, "appid", boolValue(&e.AppIDUsed)); err != nil {
		return e, err
	}
	e.CredProps, err = readExtState(o, "cred_props", func(v any, path string) error {
		p, err := asObject(v, path)
		if err != nil {
			return err
		}
		e.RK, err = p.boolean("rk")
		return err
	})
	return e, err
}

// readExtState reads one ExtnState; value is called with the value of a state
// that carries one.
func readExtState(o *object, k string, value func(v any, path string) error) (ExtensionState, error) {
	v, ok := o.vals[k]
	if !ok {
		return ExtensionNotRequested, nil
	}
	path := o.path + "." + k
	name, val, err := variant(v, path)
	if err != nil {
		return "", err
	}
	st := ExtensionState(name)
	switch st {
	case ExtensionNotRequested, ExtensionIgnored:
		if val != nil {
			return "", fmt.Errorf("%w: %s: %s carries a value", ErrFormat, path, name)
		}
	case ExtensionSet, ExtensionUnsolicited, ExtensionUnsigned:
		if val == nil {
			return "", fmt.Errorf("%w: %s: %s without a value", ErrFormat, path, name)
		}
		if err := value(val, path+"."+name); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("%w: %s = %s is not an extension state", ErrFormat, path, quote(name))
	}
	return st, nil
}

func boolValue(dst *bool) func(v any, path string) error {
	return func(v any, path string) error {
		b, ok := v.(bool)
		if !ok {
			return fmt.Errorf("%w: %s is %s, want a boolean", ErrFormat, path, kind(v))
		}
		*dst = b
		return nil
	}
}

// wireExtensions is RegisteredExtensions in its member order; serde writes
// every member.
type wireExtensions struct {
	CredProtect      json.RawMessage `json:"cred_protect"`
	HMACCreateSecret json.RawMessage `json:"hmac_create_secret"`
	AppID            json.RawMessage `json:"appid"`
	CredProps        json.RawMessage `json:"cred_props"`
}

func (e Extensions) wire() (wireExtensions, error) {
	var w wireExtensions
	if e.CredProtect.carriesValue() && !member(string(e.CredProtectPolicy), credProtectPolicies()) {
		return w, fmt.Errorf("%w: cred_protect policy %s", ErrFormat, quote(string(e.CredProtectPolicy)))
	}
	var err error
	for _, x := range []struct {
		dst *json.RawMessage
		st  ExtensionState
		v   any
	}{
		{&w.CredProtect, e.CredProtect, string(e.CredProtectPolicy)},
		{&w.HMACCreateSecret, e.HMACCreateSecret, e.HMACSecret},
		{&w.AppID, e.AppID, e.AppIDUsed},
		{&w.CredProps, e.CredProps, map[string]bool{"rk": e.RK}},
	} {
		if *x.dst, err = extState(x.st, x.v); err != nil {
			return w, err
		}
	}
	return w, nil
}

func extState(st ExtensionState, value any) (json.RawMessage, error) {
	switch {
	case st == "":
		return marshal(string(ExtensionNotRequested))
	case st == ExtensionNotRequested || st == ExtensionIgnored:
		return marshal(string(st))
	case st.carriesValue():
		return marshal(map[string]any{string(st): value})
	}
	return nil, fmt.Errorf("%w: extension state %s", ErrFormat, quote(string(st)))
}
