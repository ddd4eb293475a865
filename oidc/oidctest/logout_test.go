package oidctest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

// payload decodes a compact JWT's claims without verifying it (the oidc
// package's tests verify the fake's tokens).
func payload(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	if err == nil {
		err = json.Unmarshal(b, &claims)
	}
	if err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestLogoutSession: the generic fake advertises back-channel logout when a
// URI is registered, names the sid of its latest login, and LogoutSession
// ends that provider session (prompt=none then fails) and posts a good logout
// token with its sid and sub to the URI, once.
func TestLogoutSession(t *testing.T) {
	var mu sync.Mutex
	var received []string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		received = append(received, r.PostForm.Get("logout_token"))
		mu.Unlock()
	}))
	t.Cleanup(app.Close)
	s := oidctest.Start(t, oidctest.Config{Generic: true, BackChannelLogoutURI: app.URL})
	ctx := context.Background()
	if _, _, err := s.LogoutSession(ctx, nil, "no-such-session"); err == nil {
		t.Error("LogoutSession of an unknown sid succeeded")
	}
	var md map[string]any
	if resp, err := http.Get(s.URL + s.Path(oidctest.PathDiscovery)); err != nil {
		t.Fatal(err)
	} else {
		_ = json.NewDecoder(resp.Body).Decode(&md)
		resp.Body.Close()
	}
	if md["backchannel_logout_supported"] != true || md["backchannel_logout_session_supported"] != true {
		t.Errorf("discovery: backchannel_logout_supported %v, _session_supported %v", md["backchannel_logout_supported"], md["backchannel_logout_session_supported"])
	}
	if s.LastSessionID() != "" {
		t.Fatalf("LastSessionID before any login: %q", s.LastSessionID())
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"response_type": {"code"}, "client_id": {s.ClientID()}, "redirect_uri": {redirect},
		"scope": {"openid"}, "state": {state}, "nonce": {nonce}}
	login := func(extra url.Values) url.Values {
		t.Helper()
		u := url.Values{}
		for k, v := range q {
			u[k] = v
		}
		for k, v := range extra {
			u[k] = v
		}
		resp, err := browser.Get(s.URL + s.Path(oidctest.PathAuthorize) + "?" + u.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		return loc.Query()
	}
	code := login(nil).Get("code")
	sid := s.LastSessionID()
	status, answer := post(t, s, oidctest.PathToken, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {redirect}}, basicAuth(s.ClientID(), s.ClientSecret()))
	idt, _ := answer["id_token"].(string)
	if status != http.StatusOK || sid == "" || payload(t, idt)["sid"] != sid {
		t.Fatalf("token %d, LastSessionID %q, ID token sid %v", status, sid, payload(t, idt)["sid"])
	}
	if st, body, err := s.LogoutSession(ctx, nil, sid); err != nil || st != http.StatusOK {
		t.Fatalf("LogoutSession = %d %q %v", st, body, err)
	}
	mu.Lock()
	if len(received) != 1 {
		t.Fatalf("%d logout tokens received", len(received))
	}
	claims := payload(t, received[0])
	mu.Unlock()
	events, _ := claims["events"].(map[string]any)
	if claims["sid"] != sid || claims["sub"] != oidctest.DocumentedAgent().Sub || claims["aud"] != s.ClientID() || events[oidc.LogoutEvent] == nil {
		t.Errorf("logout token claims %v", claims)
	}
	if got := login(url.Values{"prompt": {"none"}}); got.Get("error") != "login_required" {
		t.Errorf("prompt=none after the provider logout: %v, want login_required", got)
	}
	if _, _, err := s.LogoutSession(ctx, nil, sid); err == nil {
		t.Error("a second LogoutSession of the same sid succeeded")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(received) != 1 {
		t.Errorf("%d logout tokens received, want 1", len(received))
	}
	plain := oidctest.Start(t, oidctest.Config{Generic: true})
	if _, _, err := plain.LogoutSession(ctx, nil, "any"); err == nil {
		t.Error("LogoutSession without BackChannelLogoutURI succeeded")
	}
}

func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}
