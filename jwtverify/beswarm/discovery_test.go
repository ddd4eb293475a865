package beswarm_test

import (
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/sesame-go/sesame/jwtverify/beswarm"
	"github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest"
)

// discoveryFixture logs in against a fake whose role "api/foodoffer" is served
// by a second fake, and returns a Discovery of the first.
func discoveryFixture(t *testing.T, faults beswarmtest.Faults, extraPorts ...string) (*beswarmtest.Server, *beswarmtest.Server, *beswarm.Discovery) {
	t.Helper()
	second := beswarmtest.Start(t, beswarmtest.Config{})
	fake := beswarmtest.Start(t, beswarmtest.Config{Roles: map[string][]string{"api/foodoffer": {second.URL}}})
	cfg := fake.ClientConfig()
	u, _ := url.Parse(second.URL)
	cfg.Ports = append(cfg.Ports, append(extraPorts, u.Port())...)
	c, err := beswarm.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fake.SetFaults(faults)
	set := login(t, fake, c)
	fake.SetFaults(beswarmtest.Faults{})
	return fake, second, c.Discovery(c.TokenSource(set, beswarm.TokenSourceConfig{}))
}

func TestDiscovery(t *testing.T) {
	fake, second, d := discoveryFixture(t, beswarmtest.Faults{})
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hosts, err := d.Hosts(ctx, "api/foodoffer")
			if err != nil || len(hosts) != 1 || hosts[0] != second.URL {
				t.Errorf("hosts %q, %v", hosts, err)
			}
		}()
	}
	wg.Wait()
	path := beswarm.PathDiscovery + "/api/foodoffer"
	if n := fake.Count(path); n != 1 {
		t.Fatalf("%d discoveries for 10 askers", n)
	}
	if hosts, err := d.Hosts(ctx, "api/other"); err != nil || hosts[0] != fake.URL {
		t.Fatalf("other role: %q, %v", hosts, err)
	}
	d.Forget("api/foodoffer")
	if _, err := d.Hosts(ctx, "api/foodoffer"); err != nil || fake.Count(path) != 2 {
		t.Fatalf("after Forget: %v, %d", err, fake.Count(path))
	}
	for _, bad := range []string{"", "/api", "api//x", "api/../core", "api/x?y", "api/x y", "api/%2e%2e"} {
		_, err := d.Hosts(ctx, bad)
		wantErr(t, err, beswarm.ErrNoHost)
	}
}

func TestDiscoveryBadAnswers(t *testing.T) {
	for name, c := range map[string]struct {
		faults beswarmtest.Faults
		want   error
	}{
		"empty list":      {beswarmtest.Faults{EmptyDiscovery: true}, beswarm.ErrNoHost},
		"not https":       {beswarmtest.Faults{DiscoveryHosts: []string{"http://dev.beswarm.net"}}, beswarm.ErrServiceURL},
		"outside domains": {beswarmtest.Faults{DiscoveryHosts: []string{"https://evil.example"}}, beswarm.ErrServiceURL},
		"look-alike":      {beswarmtest.Faults{DiscoveryHosts: []string{"https://beswarm.com.evil.example"}}, beswarm.ErrServiceURL},
		"every host down": {beswarmtest.Faults{Down: true}, beswarm.ErrUnavailable},
	} {
		t.Run(name, func(t *testing.T) {
			fake, _, d := discoveryFixture(t, beswarmtest.Faults{})
			fake.SetFaults(c.faults)
			_, err := d.Hosts(ctx, "api/foodoffer")
			wantErr(t, err, c.want)
		})
	}
}

// The token's hosts all fail: Discovery asks the service for a fresh host
// list, then the role on those hosts.
func TestDiscoveryFreshHostList(t *testing.T) {
	dead := httptest.NewServer(nil)
	dead.Close()
	u, _ := url.Parse(dead.URL)
	fake, second, d := discoveryFixture(t, beswarmtest.Faults{Hosts: []string{dead.URL, "https://evil.example"}}, u.Port())
	hosts, err := d.Hosts(ctx, "api/foodoffer")
	if err != nil || len(hosts) != 1 || hosts[0] != second.URL {
		t.Fatalf("hosts %q, %v", hosts, err)
	}
	if fake.Count(beswarm.PathDiscovery) != 1 || fake.Count(beswarm.PathDiscovery+"/api/foodoffer") != 1 {
		t.Fatalf("host list asked %d times, role %d", fake.Count(beswarm.PathDiscovery), fake.Count(beswarm.PathDiscovery+"/api/foodoffer"))
	}
}
