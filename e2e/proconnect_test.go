package e2e

import (
	"context"
	"crypto/rand"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/sesame-go/sesame/examples/proconnect/app"
	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

// proconnectChromium is Debian's Chromium, installed by scripts/deps.sh.
const proconnectChromium = "/usr/bin/chromium"

// TestProConnectBrowser logs an agent in through examples/proconnect and the fake
// ProConnect's page in headless Chromium, checks the protected page shows the
// agent's usual_name and siret, and logs out; with and without JavaScript.
func TestProConnectBrowser(t *testing.T) {
	requireChromium(t)
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "javascript", false: "no javascript"}[js]
		t.Run(name, func(t *testing.T) { proconnectLogin(t, js) })
	}
}

// proconnectApp starts the fake ProConnect and the example app, both over TLS.
func proconnectApp(t *testing.T) (appURL string, fake *oidctest.Server) {
	t.Helper()
	fake = oidctest.StartTLS(t, oidctest.Config{Interactive: true})
	srv := httptest.NewUnstartedServer(nil)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	client, err := oidc.New(oidc.Config{
		Issuer: fake.Issuer, ProConnect: true, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
		RedirectURL: srv.URL + "/auth/callback", PostLogoutRedirectURL: srv.URL + "/auth/logged-out",
		HTTPClient: fake.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	a, err := app.New(app.Config{Client: client, FlowKey: key})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = a
	return srv.URL, fake
}

// proconnectBrowser starts a fresh headless Chromium and returns its context.
func proconnectBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(proconnectChromium), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.IgnoreCertErrors,
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no timeout (see chromedp.Run)
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

func proconnectLogin(t *testing.T, js bool) {
	appURL, fake := proconnectApp(t)
	browser := proconnectBrowser(t)
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(id string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, 20*time.Second)
		defer cancel()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("reading #%s: %v", id, err)
		}
		return strings.TrimSpace(s)
	}
	if !js {
		step("disabling JavaScript", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}))
	}
	// The emulation really is on (or off): an inline script rewrites #js.
	step("script check", chromedp.Navigate(`data:text/html,<p id="js">off</p><script>document.getElementById("js").textContent="on"</script>`))
	if got, want := text("js"), map[bool]string{true: "on", false: "off"}[js]; got != want {
		t.Fatalf("JavaScript %s, want %s", got, want)
	}
	step("home page", chromedp.Navigate(appURL+"/"), chromedp.WaitVisible(chromedp.ID("anonymous")))
	step("login link", chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.ID("agent-0")))
	step("pick the agent at ProConnect", chromedp.Click(chromedp.ID("agent-0")), chromedp.WaitVisible(chromedp.ID("usual_name")))
	if got := text("usual_name"); got != "DUBOIS" {
		t.Errorf("usual_name %q, want DUBOIS", got)
	}
	if got := text("siret"); got != "34329377500037" {
		t.Errorf("siret %q, want 34329377500037", got)
	}
	ctx, cancel := context.WithTimeout(browser, 20*time.Second)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	cancel()
	if err != nil || loc != appURL+"/private/" {
		t.Errorf("protected page at %q (%v), want %s/private/", loc, err, appURL)
	}
	step("logout", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("anonymous")))
	if fake.Count(oidctest.PathEndSession) != 1 {
		t.Errorf("%d session/end requests, want 1", fake.Count(oidctest.PathEndSession))
	}
	step("protected page after logout", chromedp.Navigate(appURL+"/private/"), chromedp.WaitVisible(chromedp.ID("agent-0")))
}
