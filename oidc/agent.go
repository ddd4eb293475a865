package oidc

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Agent is the identity ProConnect returns from userinfo. Each field is filled by
// the scope of the same name (chorusdt fills both ChorusDT fields, phone fills
// PhoneNumber); JSON tags are ProConnect's spellings.
type Agent struct {
	// Sub is the agent's identifier (sub), equal to the ID token's.
	Sub string `json:"sub"`
	// Email is the professional email address (scope email).
	Email string `json:"email,omitempty"`
	// GivenName is the first names (scope given_name).
	GivenName string `json:"given_name,omitempty"`
	// UsualName is the usual last name (scope usual_name).
	UsualName string `json:"usual_name,omitempty"`
	// UID is the identity provider's own agent id (scope uid).
	UID string `json:"uid,omitempty"`
	// SIRET is the 14-digit establishment number (scope siret).
	SIRET string `json:"siret,omitempty"`
	// SIREN is the 9-digit company number (scope siren).
	SIREN string `json:"siren,omitempty"`
	// OrganizationalUnit is the agent's unit (scope organizational_unit).
	OrganizationalUnit string `json:"organizational_unit,omitempty"`
	// BelongingPopulation is the agent's population, e.g. agent, prestataire (scope belonging_population).
	BelongingPopulation string `json:"belonging_population,omitempty"`
	// IdPID identifies the identity provider the agent used (scope idp_id).
	IdPID string `json:"idp_id,omitempty"`
	// IdPACR is the acr the identity provider reported (scope idp_acr).
	IdPACR string `json:"idp_acr,omitempty"`
	// Roles lists the agent's roles (scope roles).
	Roles StringList `json:"roles,omitempty"`
	// OrganizationLabel names the organization (scope organization_label).
	OrganizationLabel string `json:"organization_label,omitempty"`
	// Groups lists the agent's groups (scope groups).
	Groups StringList `json:"groups,omitempty"`
	// Custom is the identity provider's free-form custom claim, as raw JSON.
	Custom json.RawMessage `json:"custom,omitempty"`
	// PhoneNumber is the professional phone number (scope phone).
	PhoneNumber string `json:"phone_number,omitempty"`
	// ChorusDTMatricule is the Chorus DT registration number (scope chorusdt).
	ChorusDTMatricule string `json:"chorusdt:matricule,omitempty"`
	// ChorusDTSociete is the Chorus DT company (scope chorusdt).
	ChorusDTSociete string `json:"chorusdt:societe,omitempty"`

	// IDToken holds the verified ID token claims of the same login.
	IDToken *IDToken `json:"-"`
	// Raw holds every userinfo claim as raw JSON, including those not above.
	Raw map[string]json.RawMessage `json:"-"`
}

// StringList is a claim that identity providers send either as one string or as
// an array of strings (roles, groups).
type StringList []string

// UnmarshalJSON accepts a string, an array of strings, or null.
func (l *StringList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*l = nil
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = StringList{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return fmt.Errorf("want a string or an array of strings: %w", err)
	}
	*l = ss
	return nil
}

// agentFrom builds an Agent by decoding the userinfo claims; raw is every claim.
func agentFrom(decode func(any) error, raw map[string]json.RawMessage) (*Agent, error) {
	var a Agent
	if err := decode(&a); err != nil {
		return nil, fmt.Errorf("%w: claims: %w", ErrUserInfo, err)
	}
	if a.Sub == "" {
		return nil, fmt.Errorf("%w: no sub", ErrUserInfo)
	}
	a.Raw = raw
	return &a, nil
}
