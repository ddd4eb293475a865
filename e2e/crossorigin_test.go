package e2e

import (
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// attackPage is a page of another origin that posts a form to the demo as
// soon as it loads: urlencoded, or text/plain shaped as JSON (the input's
// name and value join with "=" into {"username":"mallory","x":"="}).
var attackPage = template.Must(template.New("attack").Parse(`<!doctype html>
<form id="f" method="post" action="{{.To}}" enctype="{{.Enctype}}"><input name='{"username":"mallory","x":"' value='"}'></form>
<script>document.getElementById("f").submit()</script>`))

// TestDemoCrossOriginBrowser: with an agent logged in to the demo, pages of
// another site (127.0.0.1) and of a sibling origin of the same site
// (localhost on another port) post forms, urlencoded and text/plain, to the
// demo's state-changing handlers as real Chromium sends them (Sec-Fetch-Site,
// Origin, and the SameSite=Lax cookie on same-site requests): each is refused
// with 403 and the agent is still logged in.
func TestDemoCrossOriginBrowser(t *testing.T) {
	requireChromium(t)
	base, logs := startDemo(t)
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = attackPage.Execute(w, map[string]string{"To": r.URL.Query().Get("to"), "Enctype": r.URL.Query().Get("enctype")})
	}))
	t.Cleanup(attacker.Close)
	port := attacker.Listener.Addr().(*net.TCPAddr).Port
	crossSite := fmt.Sprintf("http://127.0.0.1:%d", port) // another site than localhost
	sibling := fmt.Sprintf("http://localhost:%d", port)   // the same site, another origin

	d := &demoBrowser{t: t, ctx: proconnectBrowser(t)}
	d.do("ProConnect page", chromedp.Navigate(base+"/proconnect"), chromedp.WaitVisible(chromedp.ID("login")))
	d.do("ProConnect button", chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.ID("agent-0")))
	d.do("pick the agent", chromedp.Click(chromedp.ID("agent-0")), chromedp.WaitVisible(chromedp.ID("usual_name")))

	const form, text = "application/x-www-form-urlencoded", "text/plain"
	for _, tc := range []struct {
		from, path, enctype string
	}{
		{crossSite, "/auth/logout", form},
		{sibling, "/auth/logout", form},
		{crossSite, "/passkey/register/begin", text},
		{sibling, "/passkey/register/begin", text},
		{crossSite, "/passkey/login/begin", text},
		{sibling, "/passkey/login/begin", form},
		{crossSite, "/passkey-deconnexion", form},
		{sibling, "/passkey-deconnexion", text},
		{sibling, "/beswarm/connexion", form},
	} {
		line := "path=" + tc.path + " status=403"
		before := strings.Count(logs.String(), line)
		page := tc.from + "/?" + url.Values{"to": {base + tc.path}, "enctype": {tc.enctype}}.Encode()
		d.do("attack from "+tc.from+" on "+tc.path, chromedp.Navigate(page))
		for deadline := time.Now().Add(20 * time.Second); strings.Count(logs.String(), line) == before; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s %s from %s: no refusal in the log:\n%s", tc.enctype, tc.path, tc.from, logs.String())
			}
		}
	}
	for _, want := range []string{`Sec-Fetch-Site \"cross-site\"`, `Sec-Fetch-Site \"same-site\"`} {
		if !strings.Contains(logs.String(), want) { // Chromium's headers, as the rule reads them
			t.Errorf("no refusal logs %s:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), "path=/passkey/register/begin status=200") {
		t.Fatal("a sign-up went through")
	}
	d.do("still logged in", chromedp.Navigate(base+"/proconnect"), chromedp.WaitVisible(chromedp.ID("usual_name")))
	d.want("usual_name", "DUBOIS")
}
