package beswarm_test

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
	"net/http"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/beswarm"
	"github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest"
)

// The seed document's example (BeSwarm's "Le jeton JWT" page), byte for byte.
const (
	seedHeader  = `{"alg":"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256","typ":"JWT","kid":"k1"}`
	seedScope   = `{"userbankaccount":{"read":true,"write":true,"delete":false},"userbankaccountsold":{"read":true,"write":true,"delete":true},"userbankaccounttransaction":{"read":true,"write":true,"delete":true}}`
	seedNonce   = "93439d0ad840e635cd82374dd2dc5b010d1c8a14bfc8561c5faa487e53be51d"
	seedPrivate = "@3F2YRjco2P4df5yXUE3L+zskjfXHfkBbLu8hd5Yr1rhj+3+Kq4NBm9DQK1KXkdifKT4oxnkDlpJGd7yqFoeox/R/xqojHHLRFWMrGnpH38ajTDII4y/SzscdpDckNVGgnIEY2Hv2WI/otTTKTrY3MQMf0y+uZS1JwY3jFXLhMbHEDI4d0esoW8kI4QEzyMJm3GvtQTPmPk1Yon7bz1cbsqo/1Cw85Z7ABrdnv4sHqTdIKA5FeBb2ykRQDD2fmahCiOshkZ5bdKgGzw8Yj/AiGDHk++DM3BPKqNARK2nYa8Q0="
	seedKeyXML  = "<RSAKeyValue><Modulus>roMvi/dl9chzaJDl84tNC0h35FG9HfKuZbTKmbW9PWXIWV+wMlff14TK0ptp7mUDvOGhJl+M21fXWttLUC7gfYhOSQGgSrCi/hAxo440AwrNlydItOembtmxwq2c8K5Ssni9AVrZA2NpqU+3shnK31m9MA7AY5z8+6OYU+H8os2m20c7k2XQz4NBEB2cicRAOrnSgpJQ1dXOTR2rVAn0kFTmRywajPvd+z3W9B/rUuw4CmR17aKItJ2wMteiGB8FlIgTCV2I0CikdI0/prxn35UvGjByoz/zqYi/Z5rzdZ/SL7P9kj/lW5JW0pgt98hyn8rJpRCCQtHzCAxxflSkVw==</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>"
	seedNbf     = 1668590864
	seedExp     = 1668806864
)

// seedPayload is the seed's claims as BeSwarm's JSON writes them.
func seedPayload() string {
	scope, _ := json.Marshal(seedScope)
	return `{"tokentype":"User","iss":"BeSwarm","nonce":"` + seedNonce + `","scope":` + string(scope) +
		`,"funcs":"[]","aud":"*","swarmid":"testdev","lang":"FR","private":"` + seedPrivate +
		`","nbf":1668590864,"exp":1668806864}`
}

// seedTime is a clock inside the seed token's validity.
func seedTime() time.Time { return time.Unix(seedNbf+3600, 0) }

// sign signs exact header and payload with the fake's key.
func sign(t *testing.T, fake *beswarmtest.Server, hash crypto.Hash, header, payload string) string {
	t.Helper()
	tok, err := fake.Sign(hash, []byte(header), []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// staticVerifier verifies with the fake's current key, without HTTP.
func staticVerifier(t *testing.T, fake *beswarmtest.Server, cfg beswarm.Config) *beswarm.Verifier {
	t.Helper()
	keys, err := jwtverify.NewXMLKeys(map[string][]byte{fake.Kid(): []byte(fake.PublicKeyXML(fake.Kid()))})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Audience == nil {
		cfg.Audience = []string{beswarm.AnyAudience}
	}
	v, err := beswarm.NewVerifier(keys, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func staticVerifierB(b *testing.B, fake *beswarmtest.Server) *beswarm.Verifier {
	keys, err := jwtverify.NewXMLKeys(map[string][]byte{fake.Kid(): []byte(fake.PublicKeyXML(fake.Kid()))})
	if err != nil {
		b.Fatal(err)
	}
	v, err := beswarm.NewVerifier(keys, beswarm.Config{Audience: []string{beswarm.AnyAudience}})
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// remoteVerifier verifies with the fake's publickey endpoint over HTTP.
func remoteVerifier(t *testing.T, fake *beswarmtest.Server, cfg beswarm.Config) (*beswarm.Verifier, *jwtverify.RemoteKeys) {
	t.Helper()
	keys, err := beswarm.PublicKeys(fake.URL, jwtverify.RemoteKeysConfig{InsecureAllowHTTP: true, HTTPClient: fake.Client(), RefreshCooldown: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Audience == nil {
		cfg.Audience = []string{beswarm.AnyAudience}
	}
	v, err := beswarm.NewVerifier(keys, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v, keys
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

func errorsIs(err, want error) bool { return errors.Is(err, want) }

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

var ctx = context.Background()

func jwttestContext(t *testing.T, r *http.Request, claims map[string]any) context.Context {
	t.Helper()
	return jwttest.NewContext(t, r.Context(), claims)
}
