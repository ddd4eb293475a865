package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/session"
)

// TestOPBrowser logs in with headless Chromium through oidc-provider's own
// login page (client_secret_basic, the OpenID Connect default), then logs out
// through the provider's confirmation page, as a user would.
func TestOPBrowser(t *testing.T) {
	requireChromium(t)
	srv := newOPAppServer(t)
	p := startOP(t, opConfig{Clients: []map[string]any{opRegistration("app", opSecret, oidc.ClientSecretBasic, opAppURL(srv))}})
	app := opAppConfig{ClientID: "app", ClientSecret: opSecret, Scopes: []string{"openid", "email"},
		Store: session.NewMemoryStore(nil), FlowKey: flowKey(t)}.start(t, p, srv)
	browser := proconnectBrowser(t)
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// waitPage waits for the browser to land on want (through the redirects
	// of a login or a logout; a page read mid-navigation is read again) and
	// returns where it is and what it shows.
	waitPage := func(want string) (loc, body string) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			ctx, cancel := context.WithTimeout(browser, 5*time.Second)
			l, err := chromedp.Run(ctx, chromedp.Location())
			if err == nil {
				loc = l
				body, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
			}
			cancel()
			if err == nil && loc == want && body != "" {
				break
			}
		}
		return loc, body
	}

	step("the provider's login page", chromedp.Navigate(app.URL+"/auth/login?return_to=/me"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="login"]`)))
	step("signing in", chromedp.SendKeys(chromedp.CSS(`input[name="login"]`), "chloe"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "any"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	if loc, body := waitPage(app.URL + "/me"); loc != app.URL+"/me" || !strings.Contains(body, `"sub":"chloe"`) || !strings.Contains(body, `"email":"chloe@example.org"`) {
		t.Fatalf("after login at %s:\n%s", loc, body)
	}

	step("logout", chromedp.Navigate(app.URL+"/bye"), chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("op-logout")))
	step("the provider's confirmation", chromedp.Click(chromedp.ID("op-logout")))
	if loc, body := waitPage(app.URL + "/"); loc != app.URL+"/" || !strings.Contains(body, `"logged_in":false`) {
		t.Fatalf("after logout at %s:\n%s", loc, body)
	}
	step("logged out at the provider too", chromedp.Navigate(app.URL+"/me"), chromedp.WaitVisible(chromedp.CSS(`input[name="login"]`)))
}
