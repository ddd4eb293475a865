package certcache

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// The acceptance facts of the seed certificate record.
func TestSeedRecordParses(t *testing.T) {
	c := seedChain(t)
	if got := c.Fingerprint(); got != seedFingerprint {
		t.Errorf("Fingerprint = %s, want %s", got, seedFingerprint)
	}
	if got := c.Role(); got != "maitrecomptes" {
		t.Errorf("Role = %q", got)
	}
	if got := c.Roles(); !slices.Equal(got, []string{"maitrecomptes"}) {
		t.Errorf("Roles = %q", got)
	}
	if got := c.Exchanges(); !slices.Equal(got, []string{"2.prive", "1.public"}) {
		t.Errorf("Exchanges = %q", got)
	}
	if got := c.InstanceID(); got != seedInstance {
		t.Errorf("InstanceID = %q", got)
	}
	if got := c.IDMG(); got != seedIDMG {
		t.Errorf("IDMG = %q", got)
	}
	if c.CA() != nil || len(c.Certificates()) != 2 {
		t.Errorf("CA = %v, %d certificates", c.CA(), len(c.Certificates()))
	}
	if c.UserID() != "" || c.GlobalDelegation() != "" || c.Domains() != nil || c.DomainDelegations() != nil {
		t.Error("the seed leaf has no user, delegation or domain extension")
	}
	if want := time.Date(2024, 6, 23, 16, 48, 28, 0, time.UTC); !c.NotAfter().Equal(want) {
		t.Errorf("NotAfter = %v, want %v", c.NotAfter(), want)
	}
}

func TestSeedIDMGOfRoot(t *testing.T) {
	got, err := IDMG(seedRootCert(t))
	if err != nil || got != seedIDMG {
		t.Fatalf("IDMG(root) = %q, %v; want %q", got, err, seedIDMG)
	}
}

func TestSeedVerifies(t *testing.T) {
	if err := seedChain(t).Verify(seedRoots(t), seedTime); err != nil {
		t.Fatalf("Verify at %v: %v", seedTime, err)
	}
}

func TestSeedExpiredToday(t *testing.T) {
	err := seedChain(t).Verify(seedRoots(t), time.Now())
	if !errors.Is(err, ErrExpired) {
		t.Fatalf("Verify today = %v, want ErrExpired", err)
	}
}
