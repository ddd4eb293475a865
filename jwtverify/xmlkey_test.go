package jwtverify_test

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// rsaKeyValue renders pub as .NET's ToXmlString(false) does.
func rsaKeyValue(pub *rsa.PublicKey) string {
	return "<RSAKeyValue><Modulus>" + base64.StdEncoding.EncodeToString(pub.N.Bytes()) +
		"</Modulus><Exponent>" + base64.StdEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()) +
		"</Exponent></RSAKeyValue>"
}

func TestParseRSAKeyValue(t *testing.T) {
	iss := sharedIssuer()
	pub := iss.PublicKey(jwttest.KidRSA).(*rsa.PublicKey)
	good := rsaKeyValue(pub)
	mod := base64.StdEncoding.EncodeToString(pub.N.Bytes())
	wrapped := ""
	for i := 0; i < len(mod); i += 64 {
		wrapped += "\n    " + mod[i:min(i+64, len(mod))]
	}
	k1024 := rsaKey(t, 1024)

	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"dotnet", good, nil},
		{"xml declaration and whitespace", "<?xml version=\"1.0\"?>\n<RSAKeyValue>\n  <Modulus>" + wrapped + "\n  </Modulus>\n  <Exponent> AQAB </Exponent>\n</RSAKeyValue>\n", nil},
		{"xmldsig namespace", `<RSAKeyValue xmlns="http://www.w3.org/2000/09/xmldsig#"><Modulus>` + mod + `</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>`, nil},
		{"an unknown element ignored", strings.Replace(good, "</RSAKeyValue>", "<Comment>k1</Comment></RSAKeyValue>", 1), nil},
		{"a whole private key", strings.Replace(good, "</RSAKeyValue>", "<P>AAAA</P><Q>AAAA</Q><D>AAAA</D><DP>AA==</DP><DQ>AA==</DQ><InverseQ>AA==</InverseQ></RSAKeyValue>", 1), jwtverify.ErrWeakKey},
		{"private D", strings.Replace(good, "</RSAKeyValue>", "<D>AAAA</D></RSAKeyValue>", 1), jwtverify.ErrWeakKey},
		{"private P", strings.Replace(good, "</RSAKeyValue>", "<P>AAAA</P></RSAKeyValue>", 1), jwtverify.ErrWeakKey},
		{"private Q", strings.Replace(good, "</RSAKeyValue>", "<Q>AAAA</Q></RSAKeyValue>", 1), jwtverify.ErrWeakKey},
		{"private DP", strings.Replace(good, "</RSAKeyValue>", "<DP>AA==</DP></RSAKeyValue>", 1), jwtverify.ErrWeakKey},
		{"private DQ", strings.Replace(good, "</RSAKeyValue>", "<DQ>AA==</DQ></RSAKeyValue>", 1), jwtverify.ErrWeakKey},
		{"private InverseQ", strings.Replace(good, "</RSAKeyValue>", "<InverseQ>AA==</InverseQ></RSAKeyValue>", 1), jwtverify.ErrWeakKey},
		{"doctype", `<!DOCTYPE x [<!ENTITY e "AQAB">]>` + good, jwtverify.ErrKeyDocument},
		{"entity", strings.Replace(good, "AQAB", "&e;", 1), jwtverify.ErrKeyDocument},
		{"processing instruction", "<?evil x?>" + good, jwtverify.ErrKeyDocument},
		{"wrong root", strings.ReplaceAll(good, "RSAKeyValue", "DSAKeyValue"), jwtverify.ErrKeyDocument},
		{"no exponent", strings.Replace(good, "<Exponent>AQAB</Exponent>", "", 1), jwtverify.ErrKeyDocument},
		{"empty modulus", strings.Replace(good, mod, "", 1), jwtverify.ErrKeyDocument},
		{"duplicate modulus", strings.Replace(good, "<Exponent>", "<Modulus>"+mod+"</Modulus><Exponent>", 1), jwtverify.ErrKeyDocument},
		{"url-safe base64", strings.Replace(good, mod, strings.NewReplacer("+", "-", "/", "_").Replace(mod)+"-_", 1), jwtverify.ErrKeyDocument},
		{"unpadded", strings.Replace(good, "<Exponent>AQAB", "<Exponent>AQABAA", 1), jwtverify.ErrKeyDocument},
		{"nested element", strings.Replace(good, "<Exponent>AQAB", "<Exponent><x>AQAB</x>", 1), jwtverify.ErrKeyDocument},
		{"unclosed", strings.TrimSuffix(good, "</RSAKeyValue>"), jwtverify.ErrKeyDocument},
		{"two roots", good + good, jwtverify.ErrKeyDocument},
		{"1024-bit", rsaKeyValue(&k1024.PublicKey), jwtverify.ErrWeakKey},
		{"even exponent", strings.Replace(good, "AQAB", "AQAA", 1), jwtverify.ErrWeakKey},
		{"huge exponent", strings.Replace(good, "AQAB", base64.StdEncoding.EncodeToString(big.NewInt(1<<40+1).Bytes()), 1), jwtverify.ErrWeakKey},
		{"too large", strings.Replace(good, "</RSAKeyValue>", strings.Repeat(" ", 9000)+"</RSAKeyValue>", 1), jwtverify.ErrTooLarge},
		{"empty", "", jwtverify.ErrKeyDocument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := jwtverify.ParseRSAKeyValue([]byte(tc.doc))
			if !errors.Is(err, tc.want) || errors.Is(err, jwtverify.ErrMalformed) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && !got.Equal(pub) {
				t.Fatal("parsed key differs from the original")
			}
		})
	}
}

func TestXMLKeysVerify(t *testing.T) {
	iss := sharedIssuer()
	doc := rsaKeyValue(iss.PublicKey(jwttest.KidRSA).(*rsa.PublicKey))
	keys, err := jwtverify.NewXMLKeys(map[string][]byte{"7": []byte(doc)})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := jwtverify.New(keys, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Now: newClock().Now})
	if _, err := v.Verify(context.Background(), iss.Mint(claims(), jwttest.WithHeader("kid", "7"))); err != nil {
		t.Fatalf("Verify with XML key: %v", err)
	}
	if _, err := v.Verify(context.Background(), iss.Mint(claims(), jwttest.WithHeader("kid", "8"))); !errors.Is(err, jwtverify.ErrUnknownKey) {
		t.Fatalf("other kid: %v", err)
	}
	if _, err := jwtverify.NewXMLKeys(map[string][]byte{"x": []byte("<RSAKeyValue/>")}); !errors.Is(err, jwtverify.ErrKeyDocument) {
		t.Fatalf("bad doc: %v", err)
	}
	private := []byte(strings.Replace(doc, "</RSAKeyValue>", "<D>AAAA</D></RSAKeyValue>", 1))
	if _, err := jwtverify.NewXMLKeys(map[string][]byte{"7": []byte(doc), "8": private}); !errors.Is(err, jwtverify.ErrWeakKey) {
		t.Fatalf("a private key among public ones: %v", err)
	}
	// The error names the first kid in sorted order, every time.
	for range 20 {
		_, err := jwtverify.NewXMLKeys(map[string][]byte{"a": []byte("<RSAKeyValue/>"), "b": private, "c": []byte("<x/>"), "d": private})
		if !errors.Is(err, jwtverify.ErrKeyDocument) || !strings.Contains(err.Error(), `key "a"`) {
			t.Fatalf("error %v, want key \"a\"'s", err)
		}
	}
}
