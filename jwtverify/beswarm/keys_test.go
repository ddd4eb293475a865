package beswarm_test

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/beswarm"
	"github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest"
)

func TestDecodePublicKeysBadInput(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		body string
		want error
	}{
		"no datas":       {`{"status":200}`, jwtverify.ErrMalformed},
		"empty datas":    {`{"datas":[]}`, jwtverify.ErrMalformed},
		"null datas":     {`{"datas":null}`, jwtverify.ErrMalformed},
		"not JSON":       {`<RSAKeyValue/>`, jwtverify.ErrMalformed},
		"trailing":       {`{"datas":[{"indice":"k1","key":"` + seedKeyXML + `"}]} {}`, jwtverify.ErrMalformed},
		"status 500":     {`{"datas":[{"indice":"k1","key":"` + seedKeyXML + `"}],"status":500}`, jwtverify.ErrMalformed},
		"no indice":      {`{"datas":[{"key":"` + seedKeyXML + `"}]}`, jwtverify.ErrMalformed},
		"duplicate":      {`{"datas":[{"indice":"k1","key":"` + seedKeyXML + `"},{"indice":"k1","key":"` + seedKeyXML + `"}]}`, jwtverify.ErrMalformed},
		"empty key":      {`{"datas":[{"indice":"k1","key":""}]}`, jwtverify.ErrMalformed},
		"no key":         {`{"datas":[{"indice":"k1"}]}`, jwtverify.ErrMalformed},
		"1024-bit key":   {`{"datas":[{"indice":"k1","key":"` + beswarmtest.RSAKeyValue(&small.PublicKey) + `"}]}`, jwtverify.ErrWeakKey},
		"DOCTYPE":        {`{"datas":[{"indice":"k1","key":"<!DOCTYPE x [<!ENTITY a 'b'>]><RSAKeyValue><Modulus>&a;</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>"}]}`, jwtverify.ErrMalformed},
		"key not base64": {`{"datas":[{"indice":"k1","key":"<RSAKeyValue><Modulus>!!</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>"}]}`, jwtverify.ErrMalformed},
	} {
		set, err := beswarm.DecodePublicKeys([]byte(c.body))
		if set != nil || !errorsIs(err, c.want) {
			t.Errorf("%s: %v, err = %v, want %v", name, set, err, c.want)
		}
	}
	// A weak key beside a good one is left out, not fatal.
	set, err := beswarm.DecodePublicKeys([]byte(`{"datas":[{"indice":"old","key":"` + beswarmtest.RSAKeyValue(&small.PublicKey) + `"},{"indice":"k1","key":"` + seedKeyXML + `"}]}`))
	if err != nil || set.Len() != 1 {
		t.Fatalf("mixed set: %v, %v", set, err)
	}
	if k, _ := set.Key(0); k.KeyID() != "k1" {
		t.Fatalf("kept %q", k.KeyID())
	}
}

// Keys come over HTTP; a rotated key is fetched on its first token, and an
// outage serves the last good set.
func TestPublicKeysRotationAndOutage(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	v, keys := remoteVerifier(t, fake, beswarm.Config{})
	c, err := beswarm.NewClient(fake.ClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	set := login(t, fake, c)
	if _, err := v.VerifyClaims(ctx, set.User.Raw); err != nil {
		t.Fatal(err)
	}
	kid, err := fake.RotateKey()
	if err != nil {
		t.Fatal(err)
	}
	set = login(t, fake, c)
	tok, err := v.Verify(ctx, set.User.Raw)
	if err != nil || tok.Header().Kid != kid {
		t.Fatalf("rotated key: %v, %v", tok, err)
	}
	if n := fake.Count(beswarm.PathPublicKey); n != 2 || keys.Fetches() != 2 {
		t.Fatalf("publickey fetched %d times (%d by the source)", n, keys.Fetches())
	}
	fake.SetFaults(beswarmtest.Faults{Down: true, Endpoints: []string{beswarm.PathPublicKey}})
	if _, err := v.VerifyClaims(ctx, set.User.Raw); err != nil {
		t.Fatalf("known key during an outage: %v", err)
	}
	if _, err := beswarm.PublicKeys("http://127.0.0.1:1", jwtverify.RemoteKeysConfig{}); !errorsIs(err, jwtverify.ErrInsecureURL) {
		t.Fatalf("http key URL: %v", err)
	}
}

// A publickey answer the fake breaks makes the source unavailable (503), not
// the token invalid.
func TestPublicKeysBadAnswer(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	fake.SetFaults(beswarmtest.Faults{PublicKeyBody: `{"datas":[]}`})
	v, _ := remoteVerifier(t, fake, beswarm.Config{})
	tok, err := fake.Mint(fake.Claims(beswarm.User, beswarm.CodeChallengeHash("x")))
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.VerifyClaims(ctx, tok)
	wantErr(t, err, jwtverify.ErrUnavailable)
	wantErr(t, err, jwtverify.ErrMalformed)
}
