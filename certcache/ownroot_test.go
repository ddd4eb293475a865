package certcache

import (
	"crypto/x509/pkix"
	"slices"
	"testing"
	"time"
)

// A MilleGrille built here: its own root, a leaf whose O is the root's IDMG and
// which carries all six extensions, verified.
func TestOwnRootVerifies(t *testing.T) {
	p := newPKI(t)
	c := p.chain(t, leafSpec{extensions: []pkix.Extension{
		{Id: mgOID(oidExchanges), Value: []byte("3.protege,2.prive,1.public")},
		{Id: mgOID(oidRoles), Value: []byte("core,media")},
		{Id: mgOID(oidDomains), Value: []byte("GrosFichiers,Messagerie")},
		{Id: mgOID(oidUserID), Value: []byte("z2i3XjxM2VA9wGr8s3vVdfNpv3tL7XwADo6YbWe8dgXuQUStLZa")},
		{Id: mgOID(oidGlobalDelegation), Value: []byte("proprietaire")},
		{Id: mgOID(oidDomainDelegations), Value: []byte("GrosFichiers")},
	}})
	if err := c.Verify(p.roots(), testNow); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if c.IDMG() != p.idmg || c.Role() != "maitrecomptes" || c.InstanceID() != "instance-1" {
		t.Errorf("IDMG %q (want %q), Role %q, InstanceID %q", c.IDMG(), p.idmg, c.Role(), c.InstanceID())
	}
	lists := []struct {
		name      string
		got, want []string
	}{
		{"Exchanges", c.Exchanges(), []string{"3.protege", "2.prive", "1.public"}},
		{"Roles", c.Roles(), []string{"core", "media"}},
		{"Domains", c.Domains(), []string{"GrosFichiers", "Messagerie"}},
		{"DomainDelegations", c.DomainDelegations(), []string{"GrosFichiers"}},
	}
	for _, l := range lists {
		if !slices.Equal(l.got, l.want) {
			t.Errorf("%s = %q, want %q", l.name, l.got, l.want)
		}
	}
	if c.UserID() != "z2i3XjxM2VA9wGr8s3vVdfNpv3tL7XwADo6YbWe8dgXuQUStLZa" || c.GlobalDelegation() != "proprietaire" {
		t.Errorf("UserID %q, GlobalDelegation %q", c.UserID(), c.GlobalDelegation())
	}
}

// Accessors hand out copies: a caller cannot change a shared cached Chain.
func TestAccessorsCopy(t *testing.T) {
	c := newPKI(t).chain(t, leafSpec{})
	c.Exchanges()[0] = "4.secure"
	c.Certificates()[0] = nil
	if c.Exchanges()[0] != "2.prive" || c.Certificates()[0] == nil {
		t.Fatal("an accessor returned the chain's own slice")
	}
}

// NotAfter is the earliest expiry of the chain: here the intermediate's.
func TestNotAfterIsEarliest(t *testing.T) {
	p := newPKI(t)
	c := p.chain(t, leafSpec{notAfter: p.inter.NotAfter.Add(time.Hour)})
	if !c.NotAfter().Equal(p.inter.NotAfter) {
		t.Fatalf("NotAfter = %v, want the intermediate's %v", c.NotAfter(), p.inter.NotAfter)
	}
}
