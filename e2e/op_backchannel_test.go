package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sesame-go/sesame/internal/redistest"
	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/session"
)

// TestOPBackChannelLogout: a user logged in to two apps of one provider logs
// out of the second; oidc-provider then sends a back-channel logout token to
// the first, whose two instances share Redis. The token reaches one
// instance; the session ends on both (the same cookie is refused by each),
// while another login of the same user, in another browser (another
// provider session, another sid), stays. With a registration that asks for
// no sid, the token names the user alone, and every session of that user
// ends.
func TestOPBackChannelLogout(t *testing.T) {
	for _, tc := range []struct {
		name       string
		sidInToken bool
	}{
		{"by sid", true},
		{"by sub", false},
	} {
		t.Run(tc.name, func(t *testing.T) { opBackChannel(t, tc.sidInToken) })
	}
}

func opBackChannel(t *testing.T, sidInToken bool) {
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Start(t).Addr})
	t.Cleanup(func() { _ = rdb.Close() })
	srvA, srvB, srvOther := newOPAppServer(t), newOPAppServer(t), newOPAppServer(t)
	// The provider knows one back-channel URI per client: instance B's.
	reg := opRegistration("app", opSecret, oidc.ClientSecretBasic, opAppURL(srvB), opAppURL(srvA))
	reg["backchannel_logout_session_required"] = sidInToken
	other := opRegistration("other", opSecret, oidc.ClientSecretBasic, opAppURL(srvOther))
	delete(other, "backchannel_logout_uri")
	p := startOP(t, opConfig{Clients: []map[string]any{reg, other}})

	key := flowKey(t)
	ids, err := oidc.NewRedisIDStore(rdb, oidc.RedisIDStoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	instance := func(srv *httptest.Server) *opApp {
		t.Helper()
		cfg := opAppConfig{ClientID: "app", ClientSecret: opSecret, Store: session.NewRedisStore(rdb), FlowKey: key, LogoutIDs: ids}
		return cfg.start(t, p, srv)
	}
	a, b := instance(srvA), instance(srvB)
	otherApp := opAppConfig{ClientID: "other", ClientSecret: opSecret, Store: session.NewMemoryStore(nil), FlowKey: flowKey(t)}.start(t, p, srvOther)

	// Alice logs in through instance A; the cookie works on B too.
	alice := newOPUser(t)
	status, page := alice.login(a.URL+"/auth/login?return_to=/me", "alice")
	sid := opDecode(t, status, page)["sid"]
	if me := alice.getJSON(b.URL + "/me"); me["sub"] != "alice" || me["sid"] != sid {
		t.Fatalf("instance B sees %v", me)
	}
	// Alice again, in another browser: another provider session.
	again := newOPUser(t)
	status, page = again.login(a.URL+"/auth/login?return_to=/me", "alice")
	if me := opDecode(t, status, page); sidInToken && me["sid"] == sid {
		t.Fatalf("the second browser shares the sid %v", sid)
	}
	// Bob, for contrast.
	bob := newOPUser(t)
	status, page = bob.login(b.URL+"/auth/login?return_to=/me", "bob")
	opDecode(t, status, page)

	// Alice, in the first browser, signs in to the other app (single sign-on:
	// no login page) and logs out of it.
	if me := alice.getJSON(otherApp.URL + "/auth/login?return_to=/me"); me["sub"] != "alice" {
		t.Fatalf("the other app sees %v", me)
	}
	status, page = alice.do(http.MethodPost, otherApp.URL+"/auth/logout", url.Values{}, http.Header{"Origin": {otherApp.URL}})
	if status != http.StatusOK || !strings.Contains(page, `id="op-logout"`) {
		t.Fatalf("logout of the other app: %d at %s:\n%s", status, alice.last, page)
	}
	alice.submit(page, url.Values{"logout": {"yes"}})
	p.waitLog(t, "backchannel.success client=app")

	for _, inst := range []*opApp{a, b} {
		if logged := alice.getJSON(inst.URL + "/")["logged_in"]; logged != false {
			t.Errorf("after the back-channel logout, instance %s still has alice's session", inst.URL)
		}
		want := sidInToken // by sub, every session of alice ends
		if logged := again.getJSON(inst.URL + "/")["logged_in"]; logged != want {
			t.Errorf("instance %s: alice's other session logged_in=%v, want %v", inst.URL, logged, want)
		}
		if logged := bob.getJSON(inst.URL + "/")["logged_in"]; logged != true {
			t.Errorf("instance %s: bob's session ended too", inst.URL)
		}
	}
}
