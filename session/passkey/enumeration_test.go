package passkey

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
)

// withTransports rewrites a registration response to report transports, as
// the browser's getTransports() does.
func withTransports(t *testing.T, resp []byte, transports []protocol.AuthenticatorTransport) []byte {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(resp, &v); err != nil {
		t.Fatal(err)
	}
	v["response"].(map[string]any)["transports"] = transports
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// beginAnswer is what a client sees of a username-first begin.
type beginAnswer struct {
	status int
	header http.Header
	body   []byte
}

// begin runs a username-first begin on a fresh browser.
func (h *harness) begin(name string) beginAnswer {
	h.t.Helper()
	body, _ := json.Marshal(map[string]string{"username": name})
	req, _ := http.NewRequest("POST", h.srv.URL+PathLoginBegin, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := h.client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return beginAnswer{resp.StatusCode, resp.Header, b.Bytes()}
}

var (
	challengeRE = regexp.MustCompile(`"challenge":"[A-Za-z0-9_-]*"`)
	idRE        = regexp.MustCompile(`"id":"([A-Za-z0-9_-]*)"`)
	cookieRE    = regexp.MustCompile(`=[0-9a-f]{32};`)
)

// normalise blanks what differs between any two answers, known user or not:
// the random challenge, credential id bytes (their length kept), the session
// id and the date.
func (a beginAnswer) normalise() beginAnswer {
	body := challengeRE.ReplaceAll(a.body, []byte(`"challenge":"C"`))
	body = idRE.ReplaceAllFunc(body, func(m []byte) []byte {
		return []byte(`"id":"` + strings.Repeat("x", len(m)-len(`"id":""`)) + `"`)
	})
	h := a.header.Clone()
	h.Del("Date")
	for i, c := range h.Values("Set-Cookie") {
		h["Set-Cookie"][i] = cookieRE.ReplaceAllString(c, "=SESSION;")
	}
	return beginAnswer{a.status, h, body}
}

// TestUnknownUserLooksKnown: for a user holding passkeys as browsers
// register them (a synced phone passkey, iCloud Keychain, a laptop and a
// security key), there are unknown names whose username-first begin answers
// byte for byte like the user's once the random challenge, the id bytes and
// the session id are blanked: same status, headers, members, order, count,
// id lengths and transports.
func TestUnknownUserLooksKnown(t *testing.T) {
	type passkey struct {
		idLen      int
		transports []protocol.AuthenticatorTransport
	}
	hi := []protocol.AuthenticatorTransport{protocol.Hybrid, protocol.Internal}
	for _, tc := range []struct {
		name     string
		passkeys []passkey
	}{
		{"a passkey synced by a phone", []passkey{{16, hi}}},
		{"a passkey in iCloud Keychain", []passkey{{20, hi}}},
		{"a laptop and a security key", []passkey{{32, []protocol.AuthenticatorTransport{protocol.Internal}}, {64, []protocol.AuthenticatorTransport{protocol.NFC, protocol.USB}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, newUsers(t, "alice"), nil)
			for _, pk := range tc.passkeys {
				a := newSoft(t)
				a.credID = make([]byte, pk.idLen)
				_, _ = rand.Read(a.credID)
				web := h.client()
				h.login(web, "id-alice")
				h.ok(web, PathRegisterFinish, withTransports(t, a.create(t, h.ok(web, PathRegisterBegin, nil)), pk.transports))
			}
			alike := func(name string) bool {
				creds := h.p.standIn(name).creds
				if len(creds) != len(tc.passkeys) {
					return false
				}
				for i, c := range creds {
					if len(c.ID) != tc.passkeys[i].idLen || !slices.Equal(c.Transport, tc.passkeys[i].transports) {
						return false
					}
				}
				return true
			}
			var names []string
			for i := 0; i < 20000 && len(names) < 3; i++ {
				if name := fmt.Sprintf("user%d", i); alike(name) {
					names = append(names, name)
				}
			}
			if len(names) == 0 {
				t.Fatal("no unknown name looks like this user")
			}
			known := h.begin("alice")
			k := known.normalise()
			for _, name := range names {
				other := h.begin(name)
				if bytes.Equal(known.body, other.body) {
					t.Fatal("the answers are equal before normalising: the test compares nothing")
				}
				u := other.normalise()
				if k.status != http.StatusOK || u.status != k.status || !reflect.DeepEqual(k.header, u.header) {
					t.Fatalf("%s: status %d / %d, headers\n%v\n%v", name, k.status, u.status, k.header, u.header)
				}
				if !bytes.Equal(k.body, u.body) {
					t.Fatalf("alice and %s differ:\n%s\n%s", name, k.body, u.body)
				}
			}
		})
	}
}

// TestStandInStable: the stand-in of a name is the same on every request,
// and across processes sharing FakeCredentialKey; another key gives other
// ids; across names it has 1 to 3 credentials of the kinds of standInKinds,
// each kind and count turning up, never two names alike.
func TestStandInStable(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	h := newHarness(t, newUsers(t, "alice"), func(c *Config) { c.FakeCredentialKey = key })
	h2 := newHarness(t, newUsers(t, "alice"), func(c *Config) { c.FakeCredentialKey = key })
	h3 := newHarness(t, newUsers(t, "alice"), func(c *Config) { c.FakeCredentialKey = bytes.Repeat([]byte{8}, 32) })
	answer := func(h *harness) []byte {
		return challengeRE.ReplaceAll(h.begin("mallory").body, []byte(`"challenge":"C"`))
	}
	first := answer(h)
	for i, other := range []*harness{h, h2} {
		if got := answer(other); !bytes.Equal(got, first) {
			t.Errorf("answer %d differs:\n%s\n%s", i, got, first)
		}
	}
	if got := answer(h3); bytes.Equal(got, first) {
		t.Error("another FakeCredentialKey gives the same ids")
	}

	kinds := standInKinds()
	counts := map[int]int{}
	seenKinds := map[int]int{}
	ids := map[string]string{}
	for i := range 2000 {
		name := fmt.Sprintf("user%d", i)
		creds := h.p.standIn(name).creds
		counts[len(creds)]++
		for _, c := range creds {
			k := slices.IndexFunc(kinds, func(k standInKind) bool {
				return k.idLen == len(c.ID) && reflect.DeepEqual(k.transports, c.Transport)
			})
			if k < 0 || len(c.Transport) == 0 {
				t.Fatalf("%q: a credential of %d bytes with transports %v is of no kind", name, len(c.ID), c.Transport)
			}
			seenKinds[k]++
			if prev, dup := ids[string(c.ID)]; dup {
				t.Fatalf("%q and %q share a credential id", prev, name)
			}
			ids[string(c.ID)] = name
		}
	}
	var got []int
	for n := range counts {
		got = append(got, n)
	}
	sort.Ints(got)
	if !reflect.DeepEqual(got, []int{1, 2, 3}) || counts[1] < counts[2] || counts[2] < counts[3] {
		t.Errorf("counts %v", counts)
	}
	if len(seenKinds) != len(kinds) {
		t.Errorf("kinds seen %v of %d", seenKinds, len(kinds))
	}
}

// TestUnknownUserTiming: a begin for an unknown name takes the same order of
// magnitude of time as one for a known user (medians of interleaved runs
// within a factor of 10).
func TestUnknownUserTiming(t *testing.T) {
	h := newHarness(t, newUsers(t, "alice"), nil)
	h.register(newSoft(t), "id-alice")
	handler := h.p.cfg.Sessions.Middleware(h.p.Handler())
	run := func(name string) time.Duration {
		r := httptest.NewRequest("POST", "https://example.test"+PathLoginBegin, strings.NewReader(`{"username":"`+name+`"}`))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		start := time.Now()
		handler.ServeHTTP(w, r)
		d := time.Since(start)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", name, w.Code, w.Body)
		}
		return d
	}
	var known, unknown []time.Duration
	for range 41 {
		known = append(known, run("alice"))
		unknown = append(unknown, run("mallory"))
	}
	slices.Sort(known)
	slices.Sort(unknown)
	k, u := known[len(known)/2], unknown[len(unknown)/2]
	if k > 10*u || u > 10*k {
		t.Errorf("median begin: known %v, unknown %v", k, u)
	}
}
