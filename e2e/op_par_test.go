package e2e

import (
	"net/url"
	"strings"
	"testing"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/session"
)

// TestOPPushedAuthorization logs in through pushed authorization requests
// (RFC 9126) at oidc-provider: when the provider requires them
// (require_pushed_authorization_requests in its discovery document, no
// Sesame setting) and when the app's config asks (UsePAR). The browser's
// authorization URL then carries only client_id and request_uri; a plain
// request to the provider that requires PAR is refused, so the login could
// not have passed without it.
func TestOPPushedAuthorization(t *testing.T) {
	for _, tc := range []struct {
		name       string
		requirePAR bool
		usePAR     bool
	}{
		{"required by the provider", true, false},
		{"asked by the config", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newOPAppServer(t)
			reg := opRegistration("app", opSecret, oidc.ClientSecretBasic, opAppURL(srv))
			p := startOP(t, opConfig{Clients: []map[string]any{reg}, RequirePAR: tc.requirePAR})
			app := opAppConfig{ClientID: "app", ClientSecret: opSecret, UsePAR: tc.usePAR,
				Store: session.NewMemoryStore(nil), FlowKey: flowKey(t)}.start(t, p, srv)

			u := newOPUser(t)
			loc := u.location(app.URL + "/auth/login?return_to=/me")
			q := loc.Query()
			if !strings.HasPrefix(loc.String(), p.Issuer+"/") || !strings.HasPrefix(q.Get("request_uri"), "urn:ietf:params:oauth:request_uri:") ||
				q.Get("client_id") != "app" || len(q) != 2 {
				t.Fatalf("authorization URL %s, want only client_id and a PAR request_uri", loc)
			}
			status, page := u.login(loc.String(), "paula")
			if me := opDecode(t, status, page); me["sub"] != "paula" {
				t.Fatalf("/me = %v", me)
			}
			if !tc.requirePAR {
				return
			}
			plain := url.Values{"client_id": {"app"}, "response_type": {"code"}, "scope": {"openid"},
				"redirect_uri": {app.URL + "/auth/callback"}, "code_challenge": {strings.Repeat("a", 43)},
				"code_challenge_method": {"S256"}, "state": {"s"}, "nonce": {"n"}}
			// The provider sends its refusal back to the (registered) redirect URI.
			if back := u.location(p.Issuer + "/auth?" + plain.Encode()).Query(); back.Get("error") != "invalid_request" ||
				!strings.Contains(back.Get("error_description"), "Pushed Authorization Request") {
				t.Fatalf("a plain authorization request was answered %v", back)
			}
		})
	}
}
