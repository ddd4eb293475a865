package e2e

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/sesame-go/sesame/examples/passkey/app"
)

// TestPasskeyBrowser signs up with a passkey through examples/passkey in
// headless Chromium with a DevTools virtual authenticator (ctap2, resident
// keys, user verification), logs in with it, logs out, then clones the
// credential with its counter set back: that login is refused.
func TestPasskeyBrowser(t *testing.T) {
	requireChromium(t)
	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	origin := "http://localhost:" + u.Port() // localhost: a secure context over HTTP
	h, err := app.New(app.Config{RPID: "localhost", Origin: origin, InsecureCookie: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h

	browser := proconnectBrowser(t)
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	call := func(what string, f func(ctx context.Context, tg *chromedp.Target) error) {
		t.Helper()
		run(what, chromedp.Func(f))
	}
	// waitStatus waits until #status says something, and returns it.
	waitStatus := func(what string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, 30*time.Second)
		defer cancel()
		for {
			s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("status")))
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if s = strings.TrimSpace(s); s != "" {
				return s
			}
			select {
			case <-ctx.Done():
				t.Fatalf("%s: no status", what)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}

	var auth webauthn.AuthenticatorID
	setup := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		res, err := cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true,
			HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		}})
		auth = res.AuthenticatorID
		return err
	})

	run("authenticator and home page", setup, chromedp.Navigate(origin+"/"), chromedp.WaitVisible(chromedp.ID("anonymous")))
	run("sign up", chromedp.SetValue(chromedp.ID("username"), "alice"), chromedp.Evaluate[chromedp.Void](`document.getElementById("signup").click()`))
	if s := waitStatus("sign up"); s != "Passkey created for alice. Log in with it." {
		t.Fatalf("sign up: %q", s)
	}
	var creds []*webauthn.Credential
	call("credentials", func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: auth})
		creds = res.Credentials
		return err
	})
	if len(creds) != 1 || !creds[0].IsResidentCredential {
		t.Fatalf("authenticator holds %+v", creds)
	}

	run("log in (discoverable)", chromedp.Evaluate[chromedp.Void](`document.getElementById("username").value = ""`), chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.ID("user")))
	ctx, cancel := context.WithTimeout(browser, 30*time.Second)
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("user")))
	cancel()
	if err != nil || strings.TrimSpace(who) != "alice" {
		t.Fatalf("logged in as %q (%v)", who, err)
	}
	run("log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("anonymous")))

	// A clone of the passkey whose counter went backwards.
	call("clone", func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: auth})
		if err != nil {
			return err
		}
		if len(res.Credentials) != 1 || res.Credentials[0].SignCount < 2 {
			t.Errorf("credentials after the login: %+v", res.Credentials)
		}
		old := res.Credentials[0]
		// Only the members this Chromium knows (cdproto's struct always sends
		// the CMTG ones, which it refuses).
		clone := map[string]any{
			"credentialId": old.CredentialID, "isResidentCredential": true, "rpId": "localhost",
			"privateKey": old.PrivateKey, "userHandle": old.UserHandle, "userName": old.UserName,
			"signCount": 0, // the counter went backwards
		}
		if _, err := cdp.Call(ctx, tg, webauthn.RemoveCredential, webauthn.RemoveCredentialParams{AuthenticatorID: auth, CredentialID: old.CredentialID}); err != nil {
			return err
		}
		addCredential := cdp.Command[map[string]any, cdp.Empty]{Method: webauthn.CommandAddCredential}
		_, err = cdp.Call(ctx, tg, addCredential, map[string]any{"authenticatorId": auth, "credential": clone})
		return err
	})
	run("log in with the clone", chromedp.Click(chromedp.ID("login")))
	if s := waitStatus("clone login"); s != "This passkey was refused: it may have been copied. Contact support." {
		t.Fatalf("clone login: %q", s)
	}
	run("still anonymous", chromedp.Navigate(origin+"/"), chromedp.WaitVisible(chromedp.ID("anonymous")))
}
