package introspecttest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/introspecttest"
)

// ask posts an introspection request for token with the given credentials
// (Basic when basic, else in the form) and returns the status and answer.
func ask(t *testing.T, srv *introspecttest.Server, token, id, secret string, basic bool) (int, map[string]any) {
	t.Helper()
	form := url.Values{"token": {token}}
	if !basic {
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}
	req, _ := http.NewRequest("POST", srv.Endpoint(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := srv.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return resp.StatusCode, m
}

// TestServer: issued tokens are active with their claims, revoked and
// unknown ones inactive, and only the configured credentials, sent the
// configured way, are let in.
func TestServer(t *testing.T) {
	for _, method := range []string{jwtverify.ClientSecretBasic, jwtverify.ClientSecretPost} {
		t.Run(method, func(t *testing.T) {
			srv := introspecttest.Start(t, introspecttest.Config{AuthMethod: method, ClientID: "r s:1", ClientSecret: "s e+c", TLS: method == jwtverify.ClientSecretPost})
			basic := method == jwtverify.ClientSecretBasic
			tok := srv.Issue(map[string]any{"sub": "alice"})
			if len(tok) < 43 {
				t.Fatalf("token %q: want 256 bits", tok)
			}
			if code, m := ask(t, srv, tok, "r s:1", "s e+c", basic); code != 200 || m["active"] != true || m["sub"] != "alice" || m["iss"] != srv.URL {
				t.Fatalf("issued: %d %v", code, m)
			}
			if code, m := ask(t, srv, "unknown", "r s:1", "s e+c", basic); code != 200 || m["active"] != false || len(m) != 1 {
				t.Fatalf("unknown: %d %v", code, m)
			}
			srv.Revoke(tok)
			if _, m := ask(t, srv, tok, "r s:1", "s e+c", basic); m["active"] != false {
				t.Fatalf("revoked: %v", m)
			}
			if code, m := ask(t, srv, tok, "r s:1", "wrong", basic); code != 401 || m["error"] != "invalid_client" {
				t.Fatalf("wrong secret: %d %v", code, m)
			}
			if code, _ := ask(t, srv, tok, "r s:1", "s e+c", !basic); code != 401 {
				t.Fatalf("the other method: %d", code)
			}
			want := int64(5)
			if basic { // two methods in one request (RFC 6749 §2.3)
				want++
				req, _ := http.NewRequest("POST", srv.Endpoint(), strings.NewReader(url.Values{"token": {tok}, "client_secret": {"s e+c"}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(url.QueryEscape("r s:1"), url.QueryEscape("s e+c"))
				if resp, err := srv.Client.Do(req); err != nil || resp.StatusCode != 401 {
					t.Fatalf("Basic and client_secret: %v %v", resp, err)
				}
			}
			if srv.Requests() != want || srv.LastForm().Get("token") != tok {
				t.Fatalf("requests %d, last form %v", srv.Requests(), srv.LastForm())
			}
		})
	}
}

// TestServerMisbehaves: SetStatus and SetBody replace every answer.
func TestServerMisbehaves(t *testing.T) {
	srv := introspecttest.Start(t, introspecttest.Config{})
	tok := srv.Issue(map[string]any{"active": "yes"})
	if _, m := ask(t, srv, tok, introspecttest.DefaultClientID, introspecttest.DefaultClientSecret, true); m["active"] != "yes" {
		t.Fatalf("claims override active: %v", m)
	}
	srv.SetStatus(503)
	if code, _ := ask(t, srv, tok, introspecttest.DefaultClientID, introspecttest.DefaultClientSecret, true); code != 503 {
		t.Fatalf("SetStatus: %d", code)
	}
	srv.SetStatus(0)
	srv.SetBody([]byte(`{"active":true,"active":false}`))
	if code, m := ask(t, srv, tok, "", "", true); code != 200 || m["active"] != false {
		t.Fatalf("SetBody: %d %v", code, m)
	}
	if _, err := introspecttest.New(introspecttest.Config{AuthMethod: "none"}); err == nil {
		t.Fatal("AuthMethod none accepted")
	}
}
