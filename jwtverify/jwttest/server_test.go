package jwttest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// get fetches url with client and returns the response with its body read.
func get(t *testing.T, client *http.Client, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp, body
}

func TestServe(t *testing.T) {
	iss := jwttest.Start(t)
	for _, tls := range []bool{false, true} {
		srv := iss.Serve()
		if tls {
			srv = iss.ServeTLS()
			if _, err := http.Get(srv.JWKSURL()); err == nil {
				t.Error("a client not trusting the certificate fetched the JWKS")
			}
		}
		for _, url := range []string{srv.JWKSURL(), srv.URL + "/.well-known/jwks.json"} {
			resp, body := get(t, srv.Client, url)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" ||
				resp.Header.Get("Cache-Control") != "max-age=300" {
				t.Errorf("%s: status %d, headers %v", url, resp.StatusCode, resp.Header)
			}
			set, err := jwk.Parse(body)
			if err != nil {
				t.Fatalf("%s: %v", url, err)
			}
			if got, want := kids(t, set), []string{"rsa-1", "ec-1", "ed-1"}; !reflect.DeepEqual(got, want) {
				t.Errorf("%s: kids %v, want %v", url, got, want)
			}
		}
		if resp, _ := get(t, srv.Client, srv.URL+"/other"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("/other: status %d, want 404", resp.StatusCode)
		}
		if n := srv.Fetches(); n != 2 {
			t.Errorf("tls %v: Fetches = %d, want 2", tls, n)
		}
		srv.Close()
		srv.Close() // idempotent
	}
}

func TestServeShowsRotation(t *testing.T) {
	iss := jwttest.Start(t)
	srv := iss.Serve()
	iss.Rotate(jwttest.KidEC)
	_, body := get(t, srv.Client, srv.JWKSURL())
	set, err := jwk.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := kids(t, set), []string{"rsa-1", "ed-1", "ec-2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("kids after Rotate = %v, want %v", got, want)
	}
}

func TestServerOverrides(t *testing.T) {
	iss := jwttest.Start(t)
	srv := iss.Serve()
	_, jwks := get(t, srv.Client, srv.JWKSURL())
	teapot := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, "tea")
	})
	tests := []struct {
		name         string
		set          func()
		status       int
		cacheControl string
		body         string // "": the JWKS
	}{
		{"status", func() { srv.SetStatus(http.StatusServiceUnavailable) }, 503, "max-age=300", ""},
		{"body", func() { srv.SetBody([]byte("not json")) }, 200, "max-age=300", "not json"},
		{"empty body", func() { srv.SetBody([]byte{}) }, 200, "max-age=300", "\x00"},
		{"cache control", func() { srv.SetCacheControl("no-store") }, 200, "no-store", ""},
		{"no cache control", func() { srv.SetCacheControl("") }, 200, "", ""},
		{"handler", func() { srv.SetHandler(teapot) }, http.StatusTeapot, "", "tea"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.set()
			defer func() {
				srv.SetStatus(0)
				srv.SetBody(nil)
				srv.SetCacheControl("max-age=300")
				srv.SetHandler(nil)
			}()
			resp, body := get(t, srv.Client, srv.JWKSURL())
			want := tt.body
			switch want {
			case "":
				want = string(jwks)
			case "\x00":
				want = ""
			}
			if resp.StatusCode != tt.status || resp.Header.Get("Cache-Control") != tt.cacheControl || string(body) != want {
				t.Errorf("status %d, Cache-Control %q, body %q; want %d, %q, %q",
					resp.StatusCode, resp.Header.Get("Cache-Control"), body, tt.status, tt.cacheControl, want)
			}
		})
	}
	if resp, body := get(t, srv.Client, srv.JWKSURL()); resp.StatusCode != 200 || string(body) != string(jwks) {
		t.Errorf("after resetting: status %d, body %q", resp.StatusCode, body)
	}
}

// waitFetches waits until srv has received n JWKS requests.
func waitFetches(srv *jwttest.Server, n int64) {
	for srv.Fetches() < n {
		time.Sleep(time.Millisecond)
	}
}

func TestServerDelay(t *testing.T) {
	iss := jwttest.Start(t)
	srv := iss.Serve()
	srv.SetDelay(time.Millisecond)
	if resp, body := get(t, srv.Client, srv.JWKSURL()); resp.StatusCode != http.StatusOK || len(body) == 0 {
		t.Errorf("delayed answer: status %d, body %q", resp.StatusCode, body)
	}
	srv.SetDelay(time.Hour)

	// A delayed request ends when its context does.
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.JWKSURL(), nil)
	errs := make(chan error, 1)
	go func() {
		resp, err := srv.Client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errs <- err
	}()
	waitFetches(srv, 2)
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled delayed request: %v, want context.Canceled", err)
	}

	// Close ends pending delays instead of waiting for them.
	go func() {
		resp, err := srv.Client.Get(srv.JWKSURL())
		if err == nil {
			resp.Body.Close()
		}
		errs <- err
	}()
	waitFetches(srv, 3)
	srv.Close()
	if err := <-errs; err == nil {
		t.Error("request pending at Close got an answer, want a transport error")
	}
}

// Minting, rotating and serving at once is free of data races.
func TestConcurrentUse(t *testing.T) {
	iss := jwttest.Start(t)
	srv := iss.Serve()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if _, err := iss.MintE(nil, jwttest.WithAlg("ES256")); err != nil {
					t.Error(err)
				}
				resp, err := srv.Client.Get(srv.JWKSURL())
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		}()
	}
	kid := jwttest.KidEC
	for range 10 {
		kid = iss.Rotate(kid)
	}
	wg.Wait()
	if kid != "ec-11" || srv.Fetches() != 40 {
		t.Errorf("kid %q, %d fetches; want ec-11, 40", kid, srv.Fetches())
	}
}
