package beswarmtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/sesame-go/sesame/jwtverify/beswarm"
	"github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest"
)

// refreshtoken takes the token with or without "Bearer ", and field names in
// either case, as BeSwarm's ASP.NET server does.
func TestRefreshTokenForms(t *testing.T) {
	ctx := context.Background()
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	c, err := beswarm.NewClient(fake.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	l, _ := c.Start()
	cb, err := fake.Login(ctx, l.URL)
	if err != nil {
		t.Fatal(err)
	}
	set, err := c.Callback(ctx, l, cb)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []map[string]string{
		{"Token": "Bearer " + set.User.Raw, "Code_challenge": l.CodeChallenge},
		{"Token": set.User.Raw, "Code_challenge": l.CodeChallenge},
		{"token": "bearer " + set.User.Raw, "code_challenge": l.CodeChallenge},
		{"Token": "Bearer " + set.Application.Raw, "Code_challenge": l.CodeChallenge}, // the application token renews too
	} {
		if code := post(t, fake, body); code != http.StatusOK {
			t.Errorf("%v: %d", body, code)
		}
	}
	for _, body := range []map[string]string{
		{"Token": "Bearer " + set.User.Raw, "Code_challenge": "other"},
		{"Token": "Bearer " + set.Application.Raw, "Code_challenge": "other"},
		{"Token": "Bearer x.y.z", "Code_challenge": l.CodeChallenge},
	} {
		if code := post(t, fake, body); code != http.StatusUnauthorized {
			t.Errorf("%v: %d", body, code)
		}
	}
}

func post(t *testing.T, fake *beswarmtest.Server, body map[string]string) int {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := fake.Client().Post(fake.URL+beswarm.PathRefreshToken, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAuthorizeRefusesBadRequests(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	h := beswarm.CodeChallengeHash("x")
	for _, q := range []string{
		"?state=s&appid=other&code_challenge=" + h + "&callbackuri=https://app.example/cb",
		"?appid=" + fake.AppID() + "&code_challenge=" + h + "&callbackuri=https://app.example/cb",
		"?state=s&appid=" + fake.AppID() + "&code_challenge=short&callbackuri=https://app.example/cb",
		"?state=s&appid=" + fake.AppID() + "&code_challenge=" + h + "&callbackuri=",
	} {
		resp, err := fake.Client().Get(fake.AuthorizeURL() + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d", q, resp.StatusCode)
		}
	}
}

// Over TLS the client needs no InsecureAllowHTTP.
func TestTLS(t *testing.T) {
	fake := beswarmtest.StartTLS(t, beswarmtest.Config{})
	cfg := fake.ClientConfig()
	if cfg.InsecureAllowHTTP {
		t.Fatal("InsecureAllowHTTP over TLS")
	}
	c, err := beswarm.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := c.Start()
	cb, err := fake.Login(context.Background(), l.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Callback(context.Background(), l, cb); err != nil {
		t.Fatal(err)
	}
}
