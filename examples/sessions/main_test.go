package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sesame-go/sesame/session"
)

// TestCountLoginLogout: the page's GETs change nothing; the counter, login
// and logout forms do.
func TestCountLoginLogout(t *testing.T) {
	srv := newServer(t)
	c := newBrowser(t)
	for _, st := range []struct {
		method, path, form, want string
	}{
		{"GET", "/", "", "Counter: 0."},
		{"GET", "/", "", "Counter: 0."},
		{"POST", "/count", "", "Counter: 1."},
		{"POST", "/login", "user=ada", "Counter: 1."},
		{"GET", "/", "", "Hello, ada."},
		{"POST", "/count", "", "Counter: 2."},
		{"POST", "/logout", "", "Counter: 0."},
	} {
		if body := send(t, c, st.method, srv.URL+st.path, st.form); !strings.Contains(body, st.want) {
			t.Errorf("%s %s: %q lacks %q", st.method, st.path, body, st.want)
		}
	}
}

// TestCrossOrigin: a cross-site or same-site sibling form (urlencoded or
// text/plain) neither logs the visitor in (login CSRF), out, nor counts; a
// same-origin body that is not a form and a GET are refused too. The
// visitor's session is as it was.
func TestCrossOrigin(t *testing.T) {
	const form, text = "application/x-www-form-urlencoded", "text/plain"
	for _, path := range []string{"/login", "/logout", "/count"} {
		for _, tc := range []struct {
			name, method, site, origin, ctype string
			status                            int
		}{
			{"cross-site form", "POST", "cross-site", "https://evil.test", form, http.StatusForbidden},
			{"cross-site text/plain", "POST", "cross-site", "https://evil.test", text, http.StatusForbidden},
			{"cross-site form, old browser", "POST", "", "https://evil.test", form, http.StatusForbidden},
			{"same-site sibling form", "POST", "same-site", "http://blog.localhost", form, http.StatusForbidden},
			{"same-site sibling text/plain", "POST", "same-site", "http://blog.localhost", text, http.StatusForbidden},
			{"same-origin text/plain", "POST", "same-origin", "", text, http.StatusUnsupportedMediaType},
			{"GET", "GET", "same-origin", "", "", http.StatusMethodNotAllowed},
		} {
			t.Run(path+" "+tc.name, func(t *testing.T) {
				srv := newServer(t)
				c := newBrowser(t)
				send(t, c, "POST", srv.URL+"/login", "user=ada")
				send(t, c, "POST", srv.URL+"/count", "")
				h := http.Header{}
				for k, v := range map[string]string{"Sec-Fetch-Site": tc.site, "Origin": tc.origin, "Content-Type": tc.ctype} {
					if v != "" {
						h.Set(k, v)
					}
				}
				target := srv.URL + path
				if tc.method == "GET" {
					target += "?user=mallory"
				}
				req, _ := http.NewRequest(tc.method, target, strings.NewReader("user=mallory"))
				req.Header = h
				resp, err := c.Transport.RoundTrip(withCookies(c, req))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tc.status || len(resp.Header.Values("Set-Cookie")) != 0 {
					t.Fatalf("%d (want %d), Set-Cookie %q", resp.StatusCode, tc.status, resp.Header.Values("Set-Cookie"))
				}
				if body := send(t, c, "GET", srv.URL+"/", ""); !strings.Contains(body, "Hello, ada.") || !strings.Contains(body, "Counter: 1.") {
					t.Fatalf("the session changed: %s", body)
				}
			})
		}
	}
}

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	h, err := newHandler(session.NewMemoryStore(nil), true)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func newBrowser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Transport: http.DefaultTransport}
}

// withCookies adds the jar's cookies for req's URL, as a browser would.
func withCookies(c *http.Client, req *http.Request) *http.Request {
	for _, ck := range c.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	return req
}

// send runs a request as the page's own form (or link) would, following
// redirects, and returns the final body.
func send(t *testing.T, c *http.Client, method, target, form string) string {
	t.Helper()
	var resp *http.Response
	var err error
	if method == "POST" {
		v, _ := url.ParseQuery(form)
		resp, err = c.PostForm(target, v)
	} else {
		resp, err = c.Get(target)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
