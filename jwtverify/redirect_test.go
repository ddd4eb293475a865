package jwtverify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// jwksHandler serves iss's public keys.
func jwksHandler(t *testing.T, iss *jwttest.Issuer) http.Handler {
	t.Helper()
	body, err := json.Marshal(iss.PublicJWKS())
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
}

// redirectTo answers every request with a 302 to target(r).
func redirectTo(target func(r *http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target(r), http.StatusFound)
	})
}

// TestRemoteKeysRedirects: a redirect is followed only to the key URL's own
// origin (scheme, host, port), with the default client and with a caller's
// client, so a redirect on the key host never makes Sesame trust an attacker's
// keys. Before the fix, "other port" and every custom-client case verified the
// attacker's token.
func TestRemoteKeysRedirects(t *testing.T) {
	good := sharedIssuer()
	evil := otherIssuer() // same kids, other keys
	evilSrv := httptest.NewServer(jwksHandler(t, evil))
	t.Cleanup(evilSrv.Close)
	evilTLS := httptest.NewTLSServer(jwksHandler(t, evil))
	t.Cleanup(evilTLS.Close)

	mux := http.NewServeMux()
	mux.Handle("/keys", jwksHandler(t, good))
	mux.Handle("/same", redirectTo(func(*http.Request) string { return "/keys" }))
	mux.Handle("/loop", redirectTo(func(*http.Request) string { return "/loop" }))
	mux.Handle("/hops/", redirectTo(func(r *http.Request) string {
		var n int
		fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/hops/"), "%d", &n)
		if n == 0 {
			return "/keys"
		}
		return fmt.Sprintf("/hops/%d", n-1)
	}))
	mux.Handle("/otherport", redirectTo(func(*http.Request) string { return evilSrv.URL + "/jwks" }))
	mux.Handle("/tohttp", redirectTo(func(*http.Request) string { return evilSrv.URL + "/jwks" }))
	mux.Handle("/otherhost", redirectTo(func(r *http.Request) string {
		// localhost and 127.0.0.1 are one machine but two origins.
		return "http://localhost:" + strings.Split(r.Host, ":")[1] + "/keys"
	}))
	plain := httptest.NewServer(mux)
	t.Cleanup(plain.Close)
	tlsMux := http.NewServeMux()
	tlsMux.Handle("/keys", jwksHandler(t, good))
	tlsMux.Handle("/tohttp", redirectTo(func(*http.Request) string { return evilSrv.URL + "/jwks" }))
	tlsMux.Handle("/othertls", redirectTo(func(*http.Request) string { return evilTLS.URL + "/jwks" }))
	secure := httptest.NewTLSServer(tlsMux)
	t.Cleanup(secure.Close)
	// One client trusting both TLS servers' certificates.
	tlsClient := secure.Client()
	tlsClient.Transport.(*http.Transport).TLSClientConfig.RootCAs.AddCert(evilTLS.Certificate())

	goodTok := good.Mint(claims())
	evilTok := evil.Mint(claims())
	cases := []struct {
		name, url string
		ok        bool // the redirect is followed and the good keys load
	}{
		{"same origin", plain.URL + "/same", true},
		{"9 hops", plain.URL + "/hops/8", true},
		{"10 hops", plain.URL + "/hops/10", false},
		{"loop", plain.URL + "/loop", false},
		{"other port", plain.URL + "/otherport", false},
		{"other host", plain.URL + "/otherhost", false},
		{"https to http", secure.URL + "/tohttp", false},
		{"other https origin", secure.URL + "/othertls", false},
	}
	clients := map[string]func() *http.Client{
		"default": func() *http.Client { return nil },
		"custom":  func() *http.Client { return &http.Client{Transport: tlsClient.Transport} },
		"custom-checker": func() *http.Client {
			return &http.Client{Transport: tlsClient.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
		},
	}
	for cname, mk := range clients {
		for _, c := range cases {
			t.Run(cname+"/"+c.name, func(t *testing.T) {
				hc := mk()
				if hc == nil && strings.HasPrefix(c.url, "https") {
					hc = &http.Client{Transport: tlsClient.Transport} // only for the CA
				}
				src, err := jwtverify.NewRemoteJWKS(c.url, jwtverify.RemoteKeysConfig{HTTPClient: hc, InsecureAllowHTTP: true})
				if err != nil {
					t.Fatal(err)
				}
				v, err := jwtverify.New(src, jwtverify.Config{Issuer: testIssuer, Audience: []string{testAudience}, Now: newClock().Now})
				if err != nil {
					t.Fatal(err)
				}
				_, err = v.Verify(context.Background(), evilTok)
				if err == nil {
					t.Fatal("the attacker's token verified")
				}
				_, err = v.Verify(context.Background(), goodTok)
				if c.ok && err != nil {
					t.Fatalf("same-origin redirect: %v", err)
				}
				if !c.ok && (!errors.Is(err, jwtverify.ErrUnavailable) || !errors.Is(err, jwtverify.ErrInsecureURL)) {
					t.Fatalf("err = %v, want ErrUnavailable and ErrInsecureURL", err)
				}
			})
		}
	}
}

// TestRemoteKeysKeepsCallersRedirectRule: a caller's CheckRedirect that refuses
// every redirect keeps refusing same-origin ones.
func TestRemoteKeysKeepsCallersRedirectRule(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/keys", jwksHandler(t, sharedIssuer()))
	mux.Handle("/same", redirectTo(func(*http.Request) string { return "/keys" }))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	refuse := errors.New("no redirects here")
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return refuse }}
	src, err := jwtverify.NewRemoteJWKS(srv.URL+"/same", jwtverify.RemoteKeysConfig{HTTPClient: hc, InsecureAllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Keys(context.Background()); !errors.Is(err, refuse) {
		t.Fatalf("err = %v, want the caller's refusal", err)
	}
	if hc.CheckRedirect == nil {
		t.Fatal("the caller's client was modified")
	}
}
