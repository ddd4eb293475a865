package passkey

import (
	"encoding/base64"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
)

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
// read it as webauthn-rs's serde does (unknown members ignored, "appid"
// absent or null, every Credential spelling of Credential) and write exactly
// serde's shape.
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

// UnmarshalJSON reads a webauthn-rs PasskeyAuthentication.
func (a *Authentication) UnmarshalJSON(data []byte) error {
	root, err := parseObject(data)
	if err != nil {
		return err
	}
	ast, err := root.obj("ast")
	if err != nil {
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
	pol, err := ast.oneOf("policy", policiesRS()...)
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
	if av, ok := ast.opt("appid"); ok {
		s, ok := av.(string)
		if !ok || s == "" || len(s) > 2048 {
			return fmt.Errorf("%w: $.ast.appid is %s, want null or a URL", ErrFormat, kind(av))
		}
		out.Session.Extensions.AppID = s
	}
	if out.AllowBackupEligibleUpgrade, err = ast.boolean("allow_backup_eligible_upgrade"); err != nil {
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
	return marshal(w)
}

// DecodeAuthentication reads webauthn-rs's PasskeyAuthentication JSON (see
// Authentication): ErrFormat or ErrWeakKey for anything webauthn-rs or Sesame
// refuses.
func DecodeAuthentication(data []byte) (*Authentication, error) {
	var a Authentication
	if err := a.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return &a, nil
}
