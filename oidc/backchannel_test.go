package oidc_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

// TestBackChannelLogout drives the handler as a provider does: a good token
// ends the sessions it names (200); a broken, replayed or unreadable one is
// 400 with a JSON error; every answer is no-store.
func TestBackChannelLogout(t *testing.T) {
	fake := oidctest.StartTLS(t, oidctest.Config{Generic: true})
	c := genericClient(t, fake, nil)
	var mu sync.Mutex
	var ended []*oidc.LogoutToken
	fail := false
	h, err := oidc.NewHandlers(c, oidc.HandlerConfig{FlowKey: make([]byte, 32),
		OnLogin: func(http.ResponseWriter, *http.Request, *oidc.Login) error { return nil },
		OnBackChannelLogout: func(_ context.Context, lt *oidc.LogoutToken) error {
			mu.Lock()
			defer mu.Unlock()
			if fail {
				return errors.New("session store down")
			}
			ended = append(ended, lt)
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.BackChannelLogout())
	t.Cleanup(srv.Close)
	good, _ := fake.LogoutToken(oidctest.LogoutToken{SessionID: "s1", Subject: "u1"})
	broken, _ := fake.LogoutToken(oidctest.LogoutToken{SessionID: "s1", Nonce: true})
	another, _ := fake.LogoutToken(oidctest.LogoutToken{Subject: "u2"})
	form := func(tokens ...string) string { return url.Values{"logout_token": tokens}.Encode() }
	const formType = "application/x-www-form-urlencoded"
	for _, tc := range []struct {
		name, method, ctype, body string
		failEnd                   bool
		status                    int
		code                      string
		ended                     int
	}{
		{"good", http.MethodPost, formType, form(good), false, http.StatusOK, "", 1},
		{"replayed", http.MethodPost, formType, form(good), false, http.StatusBadRequest, "invalid_request", 1},
		{"broken", http.MethodPost, formType, form(broken), false, http.StatusBadRequest, "invalid_request", 1},
		{"GET", http.MethodGet, "", "", false, http.StatusMethodNotAllowed, "invalid_request", 1},
		{"JSON body", http.MethodPost, "application/json", `{"logout_token":"` + another + `"}`, false, http.StatusBadRequest, "invalid_request", 1},
		{"two tokens", http.MethodPost, formType, form(another, another), false, http.StatusBadRequest, "invalid_request", 1},
		{"no token", http.MethodPost, formType, "", false, http.StatusBadRequest, "invalid_request", 1},
		{"oversized", http.MethodPost, formType, "logout_token=" + strings.Repeat("a", 70<<10), false, http.StatusBadRequest, "invalid_request", 1},
		{"the app cannot end the sessions", http.MethodPost, formType, form(another), true, http.StatusBadRequest, "temporarily_unavailable", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			fail = tc.failEnd
			mu.Unlock()
			req, _ := http.NewRequest(tc.method, srv.URL, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			var e struct{ Error string }
			_ = json.Unmarshal(body, &e)
			if resp.StatusCode != tc.status || e.Error != tc.code || resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%d %q %q, want %d %q no-store", resp.StatusCode, body, resp.Header.Get("Cache-Control"), tc.status, tc.code)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(ended) != tc.ended {
				t.Errorf("%d logouts handed to the app, want %d", len(ended), tc.ended)
			}
		})
	}
	if ended[0].SessionID != "s1" || ended[0].Subject != "u1" || ended[0].Issuer != fake.Issuer {
		t.Errorf("logout token %+v", ended[0])
	}
	// The fake sends a token the way a provider does.
	fail = false
	third, _ := fake.LogoutToken(oidctest.LogoutToken{Subject: "u3"})
	status, body, err := fake.SendLogoutToken(context.Background(), nil, srv.URL, third)
	if err != nil || status != http.StatusOK || len(ended) != 2 || ended[1].Subject != "u3" {
		t.Errorf("SendLogoutToken: %d %q %v, %d logouts", status, body, err, len(ended))
	}
}

// TestBackChannelLogoutUnconfigured: without OnBackChannelLogout every
// request is refused, a good token included.
func TestBackChannelLogoutUnconfigured(t *testing.T) {
	fake := oidctest.StartTLS(t, oidctest.Config{Generic: true})
	h, err := oidc.NewHandlers(genericClient(t, fake, nil), oidc.HandlerConfig{FlowKey: make([]byte, 32),
		OnLogin: func(http.ResponseWriter, *http.Request, *oidc.Login) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.BackChannelLogout())
	t.Cleanup(srv.Close)
	good, _ := fake.LogoutToken(oidctest.LogoutToken{SessionID: "s1"})
	if status, body, err := fake.SendLogoutToken(context.Background(), nil, srv.URL, good); err != nil || status != http.StatusBadRequest {
		t.Errorf("%d %q %v, want 400", status, body, err)
	}
}
