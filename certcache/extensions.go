package certcache

import (
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// The MilleGrilles extensions, under 1.2.3.4. Each value is an OCTET STRING
// holding raw UTF-8 (not DER), lists comma separated.
const (
	oidExchanges         = "1.2.3.4.0"
	oidRoles             = "1.2.3.4.1"
	oidDomains           = "1.2.3.4.2"
	oidUserID            = "1.2.3.4.3"
	oidGlobalDelegation  = "1.2.3.4.4"
	oidDomainDelegations = "1.2.3.4.5"
)

// extensions are the leaf's MilleGrilles extensions, read once by NewChain.
type extensions struct {
	exchanges, roles, domains, domainDelegations []string
	userID, globalDelegation                     string
}

func parseExtensions(cert *x509.Certificate) (extensions, error) {
	var e extensions
	for _, x := range cert.Extensions {
		var dst *[]string
		var one *string
		switch x.Id.String() {
		case oidExchanges:
			dst = &e.exchanges
		case oidRoles:
			dst = &e.roles
		case oidDomains:
			dst = &e.domains
		case oidDomainDelegations:
			dst = &e.domainDelegations
		case oidUserID:
			one = &e.userID
		case oidGlobalDelegation:
			one = &e.globalDelegation
		default:
			continue
		}
		if !utf8.Valid(x.Value) {
			return extensions{}, fmt.Errorf("%w: extension %v is not UTF-8", ErrMalformed, x.Id)
		}
		if one != nil {
			*one = string(x.Value)
		} else if len(x.Value) > 0 {
			*dst = strings.Split(string(x.Value), ",")
		}
	}
	return e, nil
}

// Exchanges returns the security levels of extension 1.2.3.4.0, e.g.
// ["2.prive", "1.public"].
func (c *Chain) Exchanges() []string { return slices.Clone(c.ext.exchanges) }

// Roles returns the roles of extension 1.2.3.4.1.
func (c *Chain) Roles() []string { return slices.Clone(c.ext.roles) }

// Domains returns the domains of extension 1.2.3.4.2.
func (c *Chain) Domains() []string { return slices.Clone(c.ext.domains) }

// UserID returns the user id of extension 1.2.3.4.3 ("" when absent).
func (c *Chain) UserID() string { return c.ext.userID }

// GlobalDelegation returns the global delegation of extension 1.2.3.4.4 (""
// when absent).
func (c *Chain) GlobalDelegation() string { return c.ext.globalDelegation }

// DomainDelegations returns the delegated domains of extension 1.2.3.4.5.
func (c *Chain) DomainDelegations() []string { return slices.Clone(c.ext.domainDelegations) }
