package beswarm_test

import (
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"

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
		"no datas":        {`{"status":200}`, jwtverify.ErrKeyDocument},
		"empty datas":     {`{"datas":[]}`, jwtverify.ErrKeyDocument},
		"null datas":      {`{"datas":null}`, jwtverify.ErrKeyDocument},
		"not JSON":        {`<RSAKeyValue/>`, jwtverify.ErrKeyDocument},
		"trailing":        {`{"datas":[{"indice":"k1","key":"` + seedKeyXML + `"}]} {}`, jwtverify.ErrKeyDocument},
		"status 500":      {`{"datas":[{"indice":"k1","key":"` + seedKeyXML + `"}],"status":500}`, jwtverify.ErrKeyDocument},
		"repeated datas":  {`{"datas":[{"indice":"k1","key":"` + seedKeyXML + `"}],"datas":[]}`, jwtverify.ErrKeyDocument},
		"no indice":       {`{"datas":[{"key":"` + seedKeyXML + `"}]}`, jwtverify.ErrKeyDocument},
		"indice a number": {`{"datas":[{"indice":1,"key":"` + seedKeyXML + `"}]}`, jwtverify.ErrKeyDocument},
		"duplicate":       {`{"datas":[{"indice":"k1","key":"` + seedKeyXML + `"},{"indice":"k1","key":"` + seedKeyXML + `"}]}`, jwtverify.ErrKeyDocument},
		"empty key":       {`{"datas":[{"indice":"k1","key":""}]}`, jwtverify.ErrKeyDocument},
		"no key":          {`{"datas":[{"indice":"k1"}]}`, jwtverify.ErrKeyDocument},
		"1024-bit key":    {`{"datas":[{"indice":"k1","key":"` + beswarmtest.RSAKeyValue(&small.PublicKey) + `"}]}`, jwtverify.ErrWeakKey},
		"private members": {`{"datas":[{"indice":"k1","key":"` + strings.Replace(seedKeyXML, "</RSAKeyValue>", "<D>AQAB</D></RSAKeyValue>", 1) + `"}]}`, jwtverify.ErrWeakKey},
		"DOCTYPE":         {`{"datas":[{"indice":"k1","key":"<!DOCTYPE x [<!ENTITY a 'b'>]><RSAKeyValue><Modulus>&a;</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>"}]}`, jwtverify.ErrKeyDocument},
		"key not base64":  {`{"datas":[{"indice":"k1","key":"<RSAKeyValue><Modulus>!!</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>"}]}`, jwtverify.ErrKeyDocument},
	} {
		set, err := beswarm.DecodePublicKeys([]byte(c.body))
		if set != nil || !errorsIs(err, c.want) || errorsIs(err, jwtverify.ErrMalformed) {
			t.Errorf("%s: %v, err = %v, want %v", name, set, err, c.want)
		}
	}
	// A weak key beside a good one is not fatal: it stays in the set, refused,
	// so that a token naming it is ErrWeakKey (as with a JWKS), not ErrUnknownKey.
	set, err := beswarm.DecodePublicKeys([]byte(`{"datas":[{"indice":"old","key":"` + beswarmtest.RSAKeyValue(&small.PublicKey) + `"},{"indice":"k1","key":"` + seedKeyXML + `"}]}`))
	if err != nil || set.Len() != 2 {
		t.Fatalf("mixed set: %v, %v", set, err)
	}
	keys, err := jwtverify.NewStaticKeys(set)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jwtverify.New(keys, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Algorithms: []string{"RS256"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []*rsa.PrivateKey{small} {
		tok := signRS256(t, k, "old")
		if _, err := v.Verify(ctx, tok); !errorsIs(err, jwtverify.ErrWeakKey) {
			t.Fatalf("a token naming the weak key: %v, want ErrWeakKey", err)
		}
	}
}

// The publickey answer as BeSwarm's client reads it: members added to the
// envelope or an entry are ignored, status absent or null.
func TestDecodePublicKeysTolerant(t *testing.T) {
	for name, body := range map[string]string{
		"envelope members":  `{"datas":[{"indice":"k1","key":"` + seedKeyXML + `"}],"status":200,"error":null,"traceId":"x","version":2}`,
		"entry members":     `{"datas":[{"indice":"k1","key":"` + seedKeyXML + `","algorithm":"RS256","expires":null}]}`,
		"status null":       `{"status":null,"datas":[{"indice":"k1","key":"` + seedKeyXML + `"}]}`,
		"XML element added": `{"datas":[{"indice":"k1","key":"` + strings.Replace(seedKeyXML, "</RSAKeyValue>", "<Comment>k1</Comment></RSAKeyValue>", 1) + `"}]}`,
	} {
		set, err := beswarm.DecodePublicKeys([]byte(body))
		if err != nil || set.Len() != 1 {
			t.Errorf("%s: %v, %v", name, set, err)
		}
	}
}

// Keys come over HTTP; a rotated key is fetched on its first token, and an
// outage serves the last good set.
func TestPublicKeysRotationAndOutage(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	v, keys := remoteVerifier(t, fake, beswarm.Config{})
	cfg := fake.ClientConfig()
	cfg.Verifier = v
	c, err := beswarm.NewClient(cfg)
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
	wantErr(t, err, jwtverify.ErrKeyDocument)
	if errorsIs(err, jwtverify.ErrMalformed) {
		t.Fatalf("a bad key document is not a malformed token: %v", err)
	}
}

// signRS256 signs a small token with k, naming kid.
func signRS256(t *testing.T, k *rsa.PrivateKey, kid string) string {
	t.Helper()
	hdr := jws.NewHeaders()
	_ = hdr.Set(jws.KeyIDKey, kid)
	b, err := jws.Sign([]byte(`{"sub":"x"}`), jws.WithKey(jwa.RS256, k, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
