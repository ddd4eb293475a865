package passkey

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sesame-go/sesame/session"
)

// signUpHook is examples/passkey's sign-up: a visitor without a session
// enrols a first passkey for a new account named by the JSON body.
func signUpHook(users *MemoryStore) func(r *http.Request) (*User, error) {
	return func(r *http.Request) (*User, error) {
		var req struct {
			Username string `json:"username"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Username == "" {
			return nil, errors.New("a user name, please")
		}
		u := User{ID: "id-" + req.Username, Name: req.Username}
		if err := users.AddUser(r.Context(), u); err != nil {
			return nil, err
		}
		return &u, nil
	}
}

// attack sends what a page of another origin (or a same-origin page with
// the wrong body) makes a browser send: with the victim's cookies when
// withCookie (a same-site request carries SameSite=Lax cookies, a cross-site
// POST does not).
func (h *harness) attack(victim *http.Client, method, path, site, origin, ctype, body string, withCookie bool) (*http.Response, []byte) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range map[string]string{"Sec-Fetch-Site": site, "Origin": origin, "Content-Type": ctype} {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	c := &http.Client{}
	if withCookie {
		c = victim
	}
	resp, err := c.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestCeremoniesRefuseCrossOrigin: each of the four ceremonies refuses a
// cross-site or same-site sibling request (an HTML form, urlencoded or
// text/plain, or JSON) with 403 and a same-origin body that is not JSON with
// 415, before the session is read: no cookie is set or replaced, the victim
// stays logged in, the ceremony the victim began still finishes, and the
// sign-up hook creates no account.
func TestCeremoniesRefuseCrossOrigin(t *testing.T) {
	const form, text, js = "application/x-www-form-urlencoded", "text/plain", "application/json"
	const sibling = "https://blog.example.test"
	for _, path := range []string{PathRegisterBegin, PathRegisterFinish, PathLoginBegin, PathLoginFinish} {
		for _, tc := range []struct {
			name, site, origin, ctype string
			withCookie                bool
			status                    int
			reason                    string
		}{
			{"cross-site form", "cross-site", "https://evil.test", form, false, http.StatusForbidden, "cross_origin"},
			{"cross-site text/plain", "cross-site", "https://evil.test", text, false, http.StatusForbidden, "cross_origin"},
			{"cross-site text/plain, old browser", "", "https://evil.test", text, false, http.StatusForbidden, "cross_origin"},
			{"cross-site form, with the cookie", "cross-site", "https://evil.test", form, true, http.StatusForbidden, "cross_origin"},
			{"same-site sibling form", "same-site", sibling, form, true, http.StatusForbidden, "cross_origin"},
			{"same-site sibling text/plain", "same-site", sibling, text, true, http.StatusForbidden, "cross_origin"},
			{"same-site sibling JSON", "same-site", sibling, js, true, http.StatusForbidden, "cross_origin"},
			{"same-site sibling text/plain, old browser", "", sibling, text, true, http.StatusForbidden, "cross_origin"},
			{"same-origin form", "same-origin", "", form, true, http.StatusUnsupportedMediaType, "content_type"},
			{"same-origin text/plain", "same-origin", "", text, true, http.StatusUnsupportedMediaType, "content_type"},
			{"same-origin without a content type", "same-origin", "", "", true, http.StatusUnsupportedMediaType, "content_type"},
		} {
			t.Run(path+" "+tc.name, func(t *testing.T) {
				users := newUsers(t, "alice")
				h := newHarness(t, users, func(c *Config) { c.EnrollHook = signUpHook(users) })
				h.register(newSoft(t), "id-alice")
				victim := h.client()
				h.login(victim, "id-alice")
				regOpts := h.ok(victim, PathRegisterBegin, nil) // a ceremony under way

				resp, b := h.attack(victim, "POST", path, tc.site, tc.origin, tc.ctype, `{"username":"mallory"}`, tc.withCookie)
				var e struct {
					Error string `json:"error"`
				}
				_ = json.Unmarshal(b, &e)
				if resp.StatusCode != tc.status || e.Error != tc.reason {
					t.Fatalf("%d %s, want %d %q", resp.StatusCode, b, tc.status, tc.reason)
				}
				if sc := resp.Header.Values("Set-Cookie"); len(sc) != 0 {
					t.Errorf("the refusal set a cookie: %q", sc)
				}
				if who := h.whoami(victim); who != "id-alice" {
					t.Fatalf("the victim is now %q", who)
				}
				if _, err := users.UserByName(context.Background(), "mallory"); !errors.Is(err, ErrUnknownUser) {
					t.Fatalf("an account was signed up: %v", err)
				}
				h.ok(victim, PathRegisterFinish, newSoft(t).create(t, regOpts)) // the victim's ceremony is intact
			})
		}
	}
}

// TestCeremoniesSameOrigin: a same-origin JSON POST as a browser sends it
// (Sec-Fetch-Site, Origin, a charset) runs the whole login; so does one from
// a sibling listed in the Manager's TrustedOrigins, and an unlisted sibling is
// refused.
func TestCeremoniesSameOrigin(t *testing.T) {
	const sibling, other = "https://login.example.test", "https://blog.example.test"
	for _, tc := range []struct {
		name, site, origin string
		trusted            []string
		status             int
	}{
		{"same origin", "same-origin", "", nil, http.StatusOK},
		{"same origin, old browser", "", "", nil, http.StatusOK},
		{"trusted sibling", "same-site", sibling, []string{sibling}, http.StatusOK},
		{"trusted cross-site origin", "cross-site", sibling, []string{sibling}, http.StatusOK},
		{"untrusted sibling", "same-site", other, []string{sibling}, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users := newUsers(t, "alice")
			h := newHarness(t, users, func(c *Config) {
				var err error
				c.Sessions, err = session.NewManager(session.NewMemoryStore(c.Now), session.Config{InsecureCookie: true, Now: c.Now, TrustedOrigins: tc.trusted})
				if err != nil {
					t.Fatal(err)
				}
			})
			a := newSoft(t)
			h.register(a, "id-alice")
			c := h.client()
			origin := tc.origin
			if origin == "" {
				origin = h.srv.URL
			}
			resp, opts := h.attack(c, "POST", PathLoginBegin, tc.site, origin, "application/json; charset=utf-8", `{"username":"alice"}`, true)
			if resp.StatusCode != tc.status {
				t.Fatalf("begin: %d %s, want %d", resp.StatusCode, opts, tc.status)
			}
			if tc.status != http.StatusOK {
				return
			}
			a.counter = 1
			resp, b := h.attack(c, "POST", PathLoginFinish, tc.site, origin, "application/json", string(a.get(t, opts)), true)
			if resp.StatusCode != http.StatusOK || h.whoami(c) != "id-alice" {
				t.Fatalf("finish: %d %s, logged in as %q", resp.StatusCode, b, h.whoami(c))
			}
		})
	}
}

// TestCeremoniesRefuseGET: a GET, to Handler's paths or to a ceremony
// handler mounted alone, changes nothing: 405, no cookie, the victim's
// session and ceremony as they were.
func TestCeremoniesRefuseGET(t *testing.T) {
	h := newHarness(t, newUsers(t, "alice"), nil)
	h.register(newSoft(t), "id-alice")
	alone := http.NewServeMux()
	for path, handler := range map[string]http.Handler{
		PathRegisterBegin: h.p.BeginRegistration(), PathRegisterFinish: h.p.FinishRegistration(),
		PathLoginBegin: h.p.BeginLogin(), PathLoginFinish: h.p.FinishLogin(),
	} {
		alone.Handle(path, handler) // any method
	}
	aloneSrv := httptest.NewServer(h.p.cfg.Sessions.Middleware(alone))
	t.Cleanup(aloneSrv.Close)
	for _, base := range []string{h.srv.URL, aloneSrv.URL} {
		for _, path := range []string{PathRegisterBegin, PathRegisterFinish, PathLoginBegin, PathLoginFinish} {
			for _, method := range []string{"GET", "HEAD"} {
				t.Run(base+path+method, func(t *testing.T) {
					victim := h.client()
					h.login(victim, "id-alice")
					regOpts := h.ok(victim, PathRegisterBegin, nil)
					req, _ := http.NewRequest(method, base+path+`?username=alice`, nil)
					req.Header.Set("Sec-Fetch-Site", "same-origin")
					resp, err := victim.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(resp.Header.Get("Allow"), "POST") || len(resp.Header.Values("Set-Cookie")) != 0 {
						t.Fatalf("%d, Allow %q, Set-Cookie %q", resp.StatusCode, resp.Header.Get("Allow"), resp.Header.Values("Set-Cookie"))
					}
					if h.whoami(victim) != "id-alice" {
						t.Fatal("the GET changed the session")
					}
					h.ok(victim, PathRegisterFinish, newSoft(t).create(t, regOpts))
				})
			}
		}
	}
}
