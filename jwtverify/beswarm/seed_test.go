package beswarm_test

import (
	"crypto"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/beswarm"
	"github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest"
)

// The seed's token, with its exact header, claims, scope string and key
// document, verifies over HTTP at a time inside its validity. The signature is
// the fake's (the seed's key is BeSwarm's; its private half is not ours), and
// the seed's RSAKeyValue is published beside it.
func TestSeedTokenVerifies(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{ExtraKeys: map[string]string{"seed": seedKeyXML}})
	if fake.Kid() != "k1" {
		t.Fatalf("fake signs with %q, the seed's header names k1", fake.Kid())
	}
	tok := sign(t, fake, crypto.SHA256, seedHeader, seedPayload())
	v, _ := remoteVerifier(t, fake, beswarm.Config{Now: fixed(seedTime())})

	c, err := v.VerifyClaims(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.TokenType != beswarm.User || c.Issuer != "BeSwarm" || c.SwarmID != "testdev" || c.Lang != "FR" ||
		c.Nonce != seedNonce || c.Private != seedPrivate || len(c.Funcs) != 0 ||
		!c.NotBefore.Equal(time.Unix(seedNbf, 0)) || !c.Expiry.Equal(time.Unix(seedExp, 0)) {
		t.Fatalf("claims = %+v", c)
	}
	if len(c.Audience) != 1 || c.Audience[0] != "*" {
		t.Fatalf("aud = %q", c.Audience)
	}
	want := beswarmtest.SeedRights()
	if len(c.Scope) != len(want) {
		t.Fatalf("scope = %v, want %v", c.Scope, want)
	}
	for res, r := range want {
		if c.Scope[res] != r {
			t.Fatalf("scope[%s] = %+v, want %+v", res, c.Scope[res], r)
		}
	}
	if !c.Can("userbankaccount", beswarm.Write) || c.Can("userbankaccount", beswarm.Delete) || !c.Can("userbankaccountsold", beswarm.Delete) {
		t.Fatal("Can disagrees with the seed's scope")
	}
	if tk, err := v.Verify(ctx, tok); err != nil || tk.Header().Alg != beswarm.AlgRSASHA256 || tk.Header().Kid != "k1" {
		t.Fatalf("Verify = %v, %v", tk, err)
	}
}

func TestSeedTokenOutsideValidity(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	tok := sign(t, fake, crypto.SHA256, seedHeader, seedPayload())
	for _, c := range []struct {
		now  time.Time
		want error
	}{
		{time.Unix(seedExp+3600, 0), jwtverify.ErrExpired},
		{time.Unix(seedNbf-3600, 0), jwtverify.ErrNotYetValid},
		{time.Now(), jwtverify.ErrExpired},
	} {
		_, err := staticVerifier(t, fake, beswarm.Config{Now: fixed(c.now)}).VerifyClaims(ctx, tok)
		wantErr(t, err, c.want)
	}
}

// The seed's key document is a 2048-bit RSA key, and it did not sign the fake's
// token: a header naming it fails the signature check.
func TestSeedKey(t *testing.T) {
	pub, err := jwtverify.ParseRSAKeyValue([]byte(seedKeyXML))
	if err != nil {
		t.Fatal(err)
	}
	if pub.N.BitLen() != 2048 || pub.E != 65537 {
		t.Fatalf("seed key: %d bits, e=%d", pub.N.BitLen(), pub.E)
	}
	fake := beswarmtest.Start(t, beswarmtest.Config{ExtraKeys: map[string]string{"seed": seedKeyXML}})
	header := `{"alg":"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256","typ":"JWT","kid":"seed"}`
	tok := sign(t, fake, crypto.SHA256, header, seedPayload())
	v, _ := remoteVerifier(t, fake, beswarm.Config{Now: fixed(seedTime())})
	_, err = v.VerifyClaims(ctx, tok)
	wantErr(t, err, jwtverify.ErrSignature)
}

// The seed's nonce is 63 characters: a typo of the SHA-256 of its example code
// challenge "9819811" (993439d0…, 64 characters).
func TestSeedNonce(t *testing.T) {
	if got := beswarm.CodeChallengeHash("9819811"); got != "9"+seedNonce {
		t.Fatalf("hash = %s", got)
	}
	wantErr(t, beswarm.CheckNonce(&beswarm.Claims{Nonce: seedNonce}, "9819811"), beswarm.ErrNonce)
	if err := beswarm.CheckNonce(&beswarm.Claims{Nonce: "9" + seedNonce}, "9819811"); err != nil {
		t.Fatal(err)
	}
}
