package app

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sesame-go/sesame/internal/redistest"
)

// TestGenericBackChannelLogout: on the "fournisseur générique" page a user
// logs in through the generic fake (its picker page, then the callback), sees
// their session tagged by the provider's sid, and the button makes the fake
// post a logout token to the demo's back-channel endpoint: the demo answers
// 200 and the session is gone, from the page and from the store. Once with the
// sessions in memory, once in Redis (with the logout token ids there too).
func TestGenericBackChannelLogout(t *testing.T) {
	for _, tc := range []struct {
		name  string
		redis bool
	}{
		{"memory", false},
		{"redis", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{}
			var rdb *redis.Client
			if tc.redis {
				srv := redistest.Start(t)
				cfg.Redis = &redis.Options{Addr: srv.Addr}
				rdb = redis.NewClient(&redis.Options{Addr: srv.Addr, DB: 2})
				t.Cleanup(func() { _ = rdb.Close() })
			}
			d := startDemo(t, cfg)

			page := d.get("/generique")
			if !strings.Contains(page, `id="login-generique"`) || strings.Contains(page, `id="utilisateur"`) {
				t.Fatalf("logged out page: %.500s", page)
			}
			page = d.login()
			sid := d.a.genericFake.LastSessionID()
			for _, want := range []string{`id="utilisateur"`, `<code id="sid">` + sid + `</code>`, "_sesame_tags", "oidc.sid."} {
				if sid == "" || !strings.Contains(page, want) {
					t.Fatalf("after the login (sid %q), %q not in the page: %.2000s", sid, want, page)
				}
			}
			if n := d.storedSessions(t, rdb); n != 1 {
				t.Fatalf("%d live sessions after the login, want 1", n)
			}

			page = d.post("/generique/deconnexion-fournisseur")
			if !strings.Contains(page, `id="fin-fournisseur" class="ok"`) || strings.Contains(page, `id="utilisateur"`) ||
				!strings.Contains(page, `id="login-generique"`) {
				t.Fatalf("after the back-channel logout: %.2000s", page)
			}
			if page := d.get("/generique"); strings.Contains(page, `id="utilisateur"`) {
				t.Fatalf("the session came back: %.2000s", page)
			}
			if n := d.storedSessions(t, rdb); n != 0 {
				t.Fatalf("%d live sessions after the back-channel logout, want 0", n)
			}
			// The provider's session is gone too: the button has nothing to end.
			if page := d.post("/generique/deconnexion-fournisseur"); strings.Contains(page, `id="fin-fournisseur"`) {
				t.Fatalf("a second back-channel logout without a session: %.2000s", page)
			}
		})
	}
}

// demoServer is the demo on a real listener (the fake posts logout tokens to
// it) and a browser-like client with a cookie jar.
type demoServer struct {
	t    *testing.T
	a    *App
	base string
	c    *http.Client
	last *url.URL // the URL of the last page read
}

// startDemo serves the demo on a free loopback port until the test ends.
func startDemo(t *testing.T, cfg Config) *demoServer {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	cfg.BaseURL = "http://localhost:" + strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port) // passkeys need a host name
	a, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = a
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	jar, _ := cookiejar.New(nil)
	return &demoServer{t: t, a: a, base: cfg.BaseURL, c: &http.Client{Jar: jar}}
}

// get follows u (a path of the demo, or an absolute URL) to its last page and
// returns it; any status but 200 fails the test.
func (d *demoServer) get(u string) string {
	d.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = d.base + u
	}
	resp, err := d.c.Get(u)
	return d.page(resp, err)
}

// post sends an empty form to path, as the page's buttons do.
func (d *demoServer) post(path string) string {
	d.t.Helper()
	resp, err := d.c.PostForm(d.base+path, nil)
	return d.page(resp, err)
}

func (d *demoServer) page(resp *http.Response, err error) string {
	d.t.Helper()
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		d.t.Fatalf("%s: %d: %.1000s", resp.Request.URL, resp.StatusCode, b)
	}
	d.last = resp.Request.URL
	return string(b)
}

// login follows the page's login link to the fake's picker, picks the first
// user, and returns the page the callback sends back to.
func (d *demoServer) login() string {
	d.t.Helper()
	picker := d.get("/generique/connexion?return_to=/generique")
	const anchor = `id="agent-0" href="`
	i := strings.Index(picker, anchor)
	if i < 0 || !strings.Contains(picker, "<h1>Fournisseur OpenID (factice) : choisissez un utilisateur</h1>") {
		d.t.Fatalf("no generic picker page: %.1000s", picker)
	}
	href := picker[i+len(anchor):]
	href = strings.ReplaceAll(href[:strings.IndexByte(href, '"')], "&amp;", "&")
	pick, err := d.last.Parse(href)
	if err != nil {
		d.t.Fatal(err)
	}
	return d.get(pick.String())
}

// storedSessions counts the live session records: the memory store's, or
// those in Redis DB 2 (rdb).
func (d *demoServer) storedSessions(t *testing.T, rdb *redis.Client) int {
	t.Helper()
	n := 0
	if rdb == nil {
		c := d.cookie()
		if c == "" {
			return 0
		}
		raw, found, err := d.a.store.Load(context.Background(), sessionCookie+"_"+c)
		if err != nil {
			t.Fatal(err)
		}
		if found && string(raw) != "{}" {
			n++
		}
		return n
	}
	keys, err := rdb.Keys(context.Background(), sessionCookie+"_*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		raw, err := rdb.Get(context.Background(), k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if raw != "{}" && !strings.Contains(raw, "_sesame_renewed") {
			n++
		}
	}
	return n
}

// cookie is the demo's session cookie in the client's jar, "" for none.
func (d *demoServer) cookie() string {
	u, _ := url.Parse(d.base)
	for _, c := range d.c.Jar.Cookies(u) {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	return ""
}

// TestGenericPageStatus: the page says what the app answered the provider's
// logout token, and only a status from the query reaches it.
func TestGenericPageStatus(t *testing.T) {
	a := newApp(t)
	for _, tc := range []struct {
		query, want, not string
	}{
		{"", `id="login-generique"`, `id="fin-fournisseur"`},
		{"?fournisseur=200", `id="fin-fournisseur" class="ok"`, "statut"},
		{"?fournisseur=400", "n’a pas été accepté (statut 400).", `class="ok" role="status">Le fournisseur`},
		{"?fournisseur=0", "n’a pas été accepté.", "statut"},
		{"?fournisseur=%3Cb%3Eoups", "n’a pas été accepté.", "oups"},
	} {
		w := httptest.NewRecorder()
		a.ServeHTTP(w, httptest.NewRequest("GET", base+"/generique"+tc.query, nil))
		page := w.Body.String()
		if w.Code != http.StatusOK || !strings.Contains(page, tc.want) || strings.Contains(page, tc.not) {
			t.Errorf("%q: %d, want %q and not %q in %.2000s", tc.query, w.Code, tc.want, tc.not, page)
		}
	}
}
