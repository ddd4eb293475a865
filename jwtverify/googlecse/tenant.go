package googlecse

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/sesame-go/sesame/jwtverify"
)

// Tenant is one customer of a multi-tenant KACLS: its id, the URL Google calls
// for it, the identity providers whose authentication tokens it accepts and its
// policies. The zero value of every policy is the strict one.
type Tenant struct {
	// ID is the tenant's uuid v4 (the audit record's tenant_id). Required.
	ID string
	// KACLSURL is this service's URL for the tenant, as registered with Google;
	// authorization and kacls-to-kacls tokens must name it exactly in
	// kacls_url. Required.
	KACLSURL string
	// IdPs are the identity providers of the tenant's users. Required.
	IdPs []IdP
	// AllowGuests accepts authorization tokens of guests (email_type
	// google-visitor or customer-idp). Default false: refused (ErrGuest).
	AllowGuests bool
	// OwnerDomain is the Google Workspace domain of the KACLS's owner for this
	// tenant ("example.com"). An authorization token's kacls_owner_domain,
	// when present, must equal it (case-insensitively), so that nobody else
	// can register this KACLS with Google. Default "": not checked, except for
	// OpDelegate, whose tokens carrying kacls_owner_domain are then refused
	// (Google's delegate reference requires the check).
	OwnerDomain string
	// TrustedKACLS lists the peer KACLS URLs (the iss of kacls-to-kacls tokens,
	// keys at <url>/certs) whose migration tokens are accepted. An iss outside
	// this list is refused before anything is fetched. Default none.
	TrustedKACLS []string
}

// IdP is an identity provider of a tenant: either a local configuration
// (Issuer, Audiences and Keys or JWKSURL; audit source local_configuration), or
// a remote one (CSEConfigurationURL: .well-known/cse-configuration, then its
// discovery_uri, then jwks_uri; audit source
// remote_well_known_cse_configuration).
type IdP struct {
	// Issuer is the iss of the IdP's authentication tokens (local only).
	Issuer string
	// Audiences are the accepted aud values, the client ids (local only).
	Audiences []string
	// Keys verifies the tokens (local; static keys, say). Set Keys or JWKSURL.
	Keys jwtverify.KeySource
	// JWKSURL serves the IdP's keys (local), fetched with jwtverify's rules.
	JWKSURL string
	// CSEConfigurationURL is https://cse.<domain>/.well-known/cse-configuration
	// (remote; see RemoteIdP). Its client_id and the client_ids of its
	// applications are the audiences, its discovery document's issuer and
	// jwks_uri the issuer and keys.
	CSEConfigurationURL string

	audKey string // Audiences joined, set by NewTenantMap
}

// RemoteIdP returns the IdP of a domain that publishes its CSE configuration
// at https://cse.<domain>/.well-known/cse-configuration, as Google looks for it.
//
//	t := googlecse.Tenant{ID: id, KACLSURL: u, IdPs: []googlecse.IdP{googlecse.RemoteIdP("example.com")}}
func RemoteIdP(domain string) IdP {
	return IdP{CSEConfigurationURL: "https://cse." + domain + "/.well-known/cse-configuration"}
}

// remote reports whether the IdP is configured by its cse-configuration.
func (p *IdP) remote() bool { return p.CSEConfigurationURL != "" }

// check validates an IdP; allowHTTP permits http URLs (tests).
func (p *IdP) check(allowHTTP bool) error {
	if p.remote() {
		if p.Issuer != "" || p.Keys != nil || p.JWKSURL != "" || len(p.Audiences) > 0 {
			return fmt.Errorf("%w: an IdP is local (Issuer, Audiences, Keys or JWKSURL) or remote (CSEConfigurationURL), not both", ErrConfig)
		}
		return checkURL("CSEConfigurationURL", p.CSEConfigurationURL, allowHTTP)
	}
	if p.Issuer == "" || len(p.Audiences) == 0 {
		return fmt.Errorf("%w: a local IdP needs Issuer and Audiences", ErrConfig)
	}
	if (p.Keys == nil) == (p.JWKSURL == "") {
		return fmt.Errorf("%w: IdP %q: set exactly one of Keys and JWKSURL", ErrConfig, p.Issuer)
	}
	if p.JWKSURL != "" {
		return checkURL("JWKSURL", p.JWKSURL, allowHTTP)
	}
	return nil
}

// checkURL requires an absolute https URL (http when allowed) without user info.
func checkURL(name, raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%w: %s %q is not an absolute URL", ErrConfig, name, raw)
	}
	if u.Scheme != "https" && !(allowHTTP && u.Scheme == "http") {
		return fmt.Errorf("%w: %s %q is not https", ErrConfig, name, raw)
	}
	return nil
}

// Check validates the tenant: a uuid v4 id, an https KACLSURL, at least one
// valid IdP, a domain name as OwnerDomain, https peer URLs.
func (t *Tenant) Check() error { return t.check(false) }

func (t *Tenant) check(allowHTTP bool) error {
	if !isUUIDv4(t.ID) {
		return fmt.Errorf("%w: tenant id %s is not a uuid v4", ErrConfig, quote(t.ID))
	}
	if err := checkURL("KACLSURL", t.KACLSURL, allowHTTP); err != nil {
		return err
	}
	if len(t.IdPs) == 0 {
		return fmt.Errorf("%w: tenant %s has no IdP", ErrConfig, t.ID)
	}
	for i := range t.IdPs {
		if err := t.IdPs[i].check(allowHTTP); err != nil {
			return err
		}
	}
	if t.OwnerDomain != "" && !isDomain(t.OwnerDomain) {
		return fmt.Errorf("%w: tenant %s: OwnerDomain %q is not a domain name", ErrConfig, t.ID, t.OwnerDomain)
	}
	for _, p := range t.TrustedKACLS {
		if err := checkURL("TrustedKACLS", p, allowHTTP); err != nil {
			return err
		}
	}
	return nil
}

// TenantResolver finds the tenant of a request.
type TenantResolver interface {
	// Tenant returns the tenant with this id, or an error wrapping ErrTenant.
	Tenant(ctx context.Context, id string) (*Tenant, error)
}

// TenantMap is a TenantResolver over a fixed set of tenants, by id.
type TenantMap map[string]*Tenant

// NewTenantMap checks every tenant (see Tenant.Check) and indexes them by id.
func NewTenantMap(tenants ...Tenant) (TenantMap, error) {
	return newTenantMap(false, tenants)
}

// NewInsecureTenantMap is NewTenantMap accepting http URLs, for tests against
// plain-http fakes only.
func NewInsecureTenantMap(tenants ...Tenant) (TenantMap, error) {
	return newTenantMap(true, tenants)
}

func newTenantMap(allowHTTP bool, tenants []Tenant) (TenantMap, error) {
	m := make(TenantMap, len(tenants))
	for i := range tenants {
		t := tenants[i]
		if err := t.check(allowHTTP); err != nil {
			return nil, err
		}
		t.IdPs = slices.Clone(t.IdPs)
		for j := range t.IdPs {
			t.IdPs[j].audKey = strings.Join(t.IdPs[j].Audiences, "\x00")
		}
		if _, dup := m[t.ID]; dup {
			return nil, fmt.Errorf("%w: tenant %s listed twice", ErrConfig, t.ID)
		}
		m[t.ID] = &t
	}
	return m, nil
}

// Tenant returns the tenant with this id.
func (m TenantMap) Tenant(_ context.Context, id string) (*Tenant, error) {
	if t, ok := m[id]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrTenant, quote(id))
}

// isUUIDv4 reports whether s is a canonical lowercase or uppercase uuid of
// version 4 and the RFC 4122 variant.
func isUUIDv4(s string) bool {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' || s[14] != '4' ||
		strings.IndexByte("89abAB", s[19]) < 0 {
		return false
	}
	for i := range 36 {
		if !isHex(s[i]) && i != 8 && i != 13 && i != 18 && i != 23 {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// isDomain reports whether s looks like a DNS name: dot-separated labels of
// letters, digits and hyphens (no scheme, port, path or "@").
func isDomain(s string) bool {
	if len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(isHex(c) || 'g' <= c && c <= 'z' || 'G' <= c && c <= 'Z' || c == '-') {
				return false
			}
		}
	}
	return true
}
