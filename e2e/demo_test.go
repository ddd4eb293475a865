package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/sesame-go/sesame/examples/demo/app"
)

// TestDemoBrowser drives every page and action of examples/demo in headless
// Chromium and checks what each shows. With SESAME_SCREENSHOTS=<dir> (make
// screenshots) it also writes PNGs of the main pages there.
func TestDemoBrowser(t *testing.T) {
	requireChromium(t)
	base, logs := startDemo(t)
	d := &demoBrowser{t: t, ctx: proconnectBrowser(t), shots: os.Getenv("SESAME_SCREENSHOTS")}
	d.do("viewport", chromedp.EmulateViewport(1100, 900))

	d.do("home", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("stockage")))
	d.want("stockage", "en mémoire")
	d.shot("accueil")

	// ProConnect: the official button, the fake's page, the agent, the record.
	d.do("ProConnect page", chromedp.Navigate(base+"/proconnect"), chromedp.WaitVisible(chromedp.ID("login")))
	d.shot("proconnect-bouton")
	d.do("ProConnect button", chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.ID("agent-0")))
	d.do("pick the agent", chromedp.Click(chromedp.ID("agent-0")), chromedp.WaitVisible(chromedp.ID("usual_name")))
	d.want("usual_name", "DUBOIS")
	d.want("acr", "eidas1")
	d.want("record", `"acr": "eidas1"`)
	d.shot("proconnect-connecte")
	d.do("logout", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("deconnecte")))
	d.do("logged out", chromedp.WaitVisible(chromedp.ID("login")))

	// Passkeys: sign up, log out, log in with the passkey (a virtual
	// authenticator: ctap2, resident keys, user verification).
	d.do("virtual authenticator", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true,
			HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
		}})
		return err
	}))
	d.do("passkey page", chromedp.Navigate(base+"/passkey"), chromedp.WaitVisible(chromedp.ID("nom")))
	d.do("sign up", chromedp.SendKeys(chromedp.ID("nom"), "alice"), chromedp.Click(chromedp.ID("inscription")))
	d.waitText("statut-passkey", "Clé d’accès créée pour alice")
	// The button logs in (the name field's autofill may do it first: either
	// way the page reloads itself, so poll rather than race the reload).
	d.do("log in with the passkey", chromedp.Click(chromedp.ID("connexion-passkey")))
	d.waitText("passkey-utilisateur", "alice")
	d.do("settled", chromedp.WaitVisible(chromedp.ID("passkey-deconnexion")))
	d.shot("cles-d-acces")
	// Log out: the anonymous page offers the passkey in the name field's
	// autofill (conditional mediation), which the virtual authenticator (always
	// present, user verified) takes at once: alice is logged in again.
	d.do("passkey logout", chromedp.Click(chromedp.ID("passkey-deconnexion")))
	loggedBackIn := regexp.MustCompile(`path=/passkey-deconnexion status=303(?s:.*)path=/passkey/login/finish status=200`)
	for deadline := time.Now().Add(20 * time.Second); !loggedBackIn.MatchString(logs.String()); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no logout followed by an autofill login in the log:\n%s", logs.String())
		}
	}
	// The page reloads itself after the autofill login (no Navigate here: it
	// would race that reload).
	d.waitText("passkey-utilisateur", "alice")

	// The Bearer playground: each token's exact RFC 6750 answer.
	for _, c := range []struct{ kind, status, challenge string }{
		{"bon", "200", ""},
		{"expire", "401", `error="invalid_token"`},
		{"mal-signe", "401", `error="invalid_token"`},
		{"autre-public", "401", `error="invalid_token"`},
		{"sans-portee", "403", `error="insufficient_scope", scope="commandes:lire"`},
		{"aucun", "401", `Bearer realm="demo"`},
	} {
		d.do("API "+c.kind, chromedp.Navigate(base+"/api"), chromedp.Click(chromedp.ID("jeton-"+c.kind)),
			chromedp.Click(chromedp.ID("appeler")), chromedp.WaitVisible(chromedp.ID("statut")))
		d.want("statut", c.status)
		d.want("challenge", c.challenge)
		if c.kind == "sans-portee" {
			d.shot("api-bearer")
		}
	}

	// BeSwarm: login and the rights decoded from the token.
	d.do("BeSwarm login", chromedp.Navigate(base+"/beswarm"), chromedp.Click(chromedp.ID("beswarm-connexion")),
		chromedp.WaitVisible(chromedp.ID("droits")))
	d.want("essaim", "testdev")
	d.want("droits", "userbankaccount")
	d.shot("beswarm")

	// Google CSE: wrap, unwrap, a refused wrap, the audit records.
	d.do("wrap", chromedp.Navigate(base+"/kacls"), chromedp.Click(chromedp.ID("wrap")), chromedp.WaitVisible(chromedp.CSS(`#resultat[data-op="wrap"]`)))
	d.want("kacls-statut", "200")
	d.want("kacls-reponse", "wrapped_key")
	d.do("unwrap", chromedp.Click(chromedp.ID("unwrap")), chromedp.WaitVisible(chromedp.CSS(`#resultat[data-op="unwrap"]`)))
	d.want("kacls-reponse", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
	d.want("resultat", `"valid": true`)
	d.shot("google-cse")
	d.do("wrap as a reader", chromedp.Click(chromedp.ID("wrap-reader")), chromedp.WaitVisible(chromedp.CSS(`#resultat[data-op="wrap-reader"]`)))
	d.want("kacls-statut", "403")
	d.want("resultat", "role not allowed for the operation")

	// MilleGrilles: the seed's certificate by fingerprint, then hosting tokens.
	d.do("certificate", chromedp.Navigate(base+"/millegrilles"), chromedp.Click(chromedp.ID("chercher")),
		chromedp.WaitVisible(chromedp.ID("role")))
	d.want("role", "maitrecomptes")
	d.want("instance", "5cb9d50e-110e-421a-b944-523b60af4c3b")
	d.want("echanges", "2.prive, 1.public")
	d.want("idmg", "zeYncRqEqZ6eTEmUZ8whJFuHG796eSvCTWE4M432izXrp22bAtwGm7Jf")
	d.want("idmg-ok", "identique")
	d.want("aujourdhui", "expired")
	d.do("hosting tokens", chromedp.Click(chromedp.ID("hebergement")), chromedp.WaitVisible(chromedp.CSS(`#jetons[data-source="service"]`)))
	d.want("provenance", "cache vide")
	d.do("hosting tokens again", chromedp.Click(chromedp.ID("hebergement")), chromedp.WaitVisible(chromedp.CSS(`#jetons[data-source="cache"]`)))
	d.want("provenance", "lus dans le cache")
	d.want("ttl", "m")
	d.shot("millegrilles")

	// The keyboard reaches the navigation first.
	d.do("keyboard", chromedp.Navigate(base+"/"), chromedp.KeyEvent("\t"))
	focused, err := chromedp.Run(d.timeout(), chromedp.Evaluate[string]("document.activeElement.textContent"))
	if err != nil || strings.TrimSpace(focused) != "Accueil" {
		t.Errorf("first Tab focuses %q (%v), want the navigation", focused, err)
	}
}

// demoBrowser runs steps in one headless Chromium with a timeout each.
type demoBrowser struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

func (d *demoBrowser) timeout() context.Context {
	ctx, cancel := context.WithTimeout(d.ctx, 20*time.Second)
	d.t.Cleanup(cancel)
	return ctx
}

func (d *demoBrowser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	d.t.Helper()
	if err := chromedp.Do(d.timeout(), steps...); err != nil {
		d.t.Fatalf("%s: %v", what, err)
	}
}

// want checks that element id's text contains s.
func (d *demoBrowser) want(id, s string) {
	d.t.Helper()
	got, err := chromedp.Run(d.timeout(), chromedp.Text(chromedp.ID(id)))
	if err != nil {
		d.t.Fatalf("reading #%s: %v", id, err)
	}
	if !strings.Contains(got, s) {
		d.t.Fatalf("#%s = %q, want %q in it", id, got, s)
	}
}

// waitText waits (bounded) until element id's text contains s.
func (d *demoBrowser) waitText(id, s string) {
	d.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, err := chromedp.Run(d.timeout(), chromedp.Text(chromedp.ID(id)))
		if err == nil && strings.Contains(got, s) {
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("#%s = %q (%v), want %q in it", id, got, err, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// shot writes a PNG of the page when screenshots are asked for.
func (d *demoBrowser) shot(name string) {
	d.t.Helper()
	if d.shots == "" {
		return
	}
	png, err := chromedp.Run(d.timeout(), chromedp.FullScreenshot(100)) // 100: PNG (lower is JPEG)
	if err != nil {
		d.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(d.shots, 0o755); err != nil {
		d.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d.shots, name+".png"), png, 0o644); err != nil {
		d.t.Fatal(err)
	}
}

// lockedBuffer is a log sink safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// requireChromium skips the test when Chromium is missing, or fails it when
// the run requires every part (SESAME_REQUIRE_REDIS, as make test sets).
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(proconnectChromium); err != nil {
		if os.Getenv("SESAME_REQUIRE_REDIS") != "" {
			t.Fatalf("chromium missing (%v): run scripts/deps.sh", err)
		}
		t.Skipf("chromium missing (%v): run scripts/deps.sh", err)
	}
}

// startDemo serves examples/demo at http://localhost:<port> (passkeys need a
// host name: an IP address is no WebAuthn relying party id) and returns its
// base URL and its log.
func startDemo(t *testing.T) (string, *lockedBuffer) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := fmt.Sprintf("http://localhost:%d", srv.Listener.Addr().(*net.TCPAddr).Port)
	logs := &lockedBuffer{}
	a, err := app.New(context.Background(), app.Config{BaseURL: base, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv.Config.Handler = a
	srv.Start()
	t.Cleanup(srv.Close)
	return base, logs
}
