package passkey

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
)

// The tests in this file are written from webauthn-rs 0.4.9's sources (branch
// 4.9-release: webauthn-rs-core/src/interface.rs, attestation.rs,
// webauthn-rs-proto/src/cose.rs, extensions.rs, options.rs,
// base64urlsafedata) and serde_json's rules, not from Sesame's writer: each
// input is a spelling serde reads, each expected output is what
// serde_json::to_string writes for the value read (struct members in
// declaration order, unit variants as strings, Base64UrlSafeData as unpadded
// base64url, [u8; N] as number arrays, Uuid hyphenated lowercase, Option None
// as null).

const (
	seedCredID = "UFKkeZWrtt_Vaj_h8B4ND5IklBTc7PJTNw_hj64gWMpHOjQ64ZI0Aq44DpUUBarDNoLgPREeh7CVCRbGrfCjRmQ8KWFD1YdUHBl78kFNbH7jkYfQ1OOLR1QNuhfi8BX1"
	seedKey    = `{"type_":"ES256","key":{"EC_EC2":{"curve":"SECP256R1","x":"86PEXW8qIGufVD-W3oV8mhrIPftZY0IQ8RY992A-o9I","y":"IqBqKADv8QT6l2uqau_O-s8I5fdfzS2OfuCiflpptwM"}}}`
	noExts     = `{"cred_protect":"NotRequested","hmac_create_secret":"NotRequested","appid":"NotRequested","cred_props":"NotRequested"}`
)

// rsMembers are webauthn-rs's Credential members in declaration order.
func rsMembers() []string {
	return []string{"cred_id", "cred", "counter", "transports", "user_verified", "backup_eligible", "backup_state", "registration_policy", "extensions", "attestation", "attestation_format"}
}

// rsCred writes a credential: the seed's canonical values, with members
// replaced by over ("-" leaves a member out), in declaration order, then the
// members of extra.
func rsCred(over map[string]string, extra ...string) string {
	def := map[string]string{
		"cred_id": `"` + seedCredID + `"`, "cred": seedKey, "counter": "0", "transports": "null",
		"user_verified": "false", "backup_eligible": "false", "backup_state": "false",
		"registration_policy": `"preferred"`,
		"extensions":          `{"cred_protect":"NotRequested","hmac_create_secret":"NotRequested","appid":"NotRequested","cred_props":"Ignored"}`,
		"attestation":         `{"data":"None","metadata":"None"}`, "attestation_format": `"None"`,
	}
	var parts []string
	for _, k := range rsMembers() {
		v := def[k]
		if o, ok := over[k]; ok {
			v = o
		}
		if v != "-" {
			parts = append(parts, `"`+k+`":`+v)
		}
	}
	return "{" + strings.Join(append(parts, extra...), ",") + "}"
}

// testCertDER is a self-signed Ed25519 certificate, DER.
func testCertDER(t testing.TB) []byte {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "attestation"}, NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<32, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// ecKeyJSON writes a fresh EC key of curve as webauthn-rs's COSEKey, with type_
// name (an alias or the canonical name).
func ecKeyJSON(t testing.TB, c elliptic.Curve, name, curve string) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	size := (c.Params().BitSize + 7) / 8
	x, y := b64u(k.X.FillBytes(make([]byte, size))), b64u(k.Y.FillBytes(make([]byte, size)))
	return `{"type_":"` + name + `","key":{"EC_EC2":{"curve":"` + curve + `","x":"` + x + `","y":"` + y + `"}}}`
}

func numbers(b []byte) string {
	s := make([]string, len(b))
	for i, x := range b {
		s[i] = big.NewInt(int64(x)).String()
	}
	return "[" + strings.Join(s, ",") + "]"
}

// TestRSCredentialSpellings: every spelling webauthn-rs's serde reads is read,
// and written back exactly as webauthn-rs would write the value it read.
func TestRSCredentialSpellings(t *testing.T) {
	der := testCertDER(t)
	der2 := testCertDER(t)
	p256 := ecKeyJSON(t, elliptic.P256(), "ECDSA_SHA256", "SECP256R1")
	p384 := ecKeyJSON(t, elliptic.P384(), "ECDSA_SHA384", "SECP384R1")
	p521 := ecKeyJSON(t, elliptic.P521(), "ECDSA_SHA512", "SECP521R1")
	canonical := func(k string) string {
		for alias, name := range map[string]string{"ECDSA_SHA256": "ES256", "ECDSA_SHA384": "ES384", "ECDSA_SHA512": "ES512"} {
			k = strings.Replace(k, `"`+alias+`"`, `"`+name+`"`, 1)
		}
		return k
	}
	aaguid := "6028b017-b1d4-4c02-b4b3-afcdafc96bb2" // Windows Hello's
	okpX := numbers(func() []byte {
		b, _ := base64.StdEncoding.DecodeString("WGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmY=")
		return b
	}())
	type io = map[string]string
	tests := []struct {
		name    string
		in, out io       // members of the input and of the expected output ("-": the seed's); out nil: as in
		extra   []string // members appended to the input only
	}{
		{"the seed", io{}, nil, nil},
		{"type_ alias ECDSA_SHA256", io{"cred": p256}, io{"cred": canonical(p256)}, nil},
		{"type_ alias ECDSA_SHA384", io{"cred": p384}, io{"cred": canonical(p384)}, nil},
		{"type_ alias ECDSA_SHA512", io{"cred": p521}, io{"cred": canonical(p521)}, nil},
		{"EdDSA, x a byte array", io{"cred": `{"type_":"EDDSA","key":{"EC_OKP":{"curve":"ED25519","x":` + okpX + `}}}`}, nil, nil},
		{"transports absent", io{"transports": "-"}, io{"transports": "null"}, nil},
		{"transports empty", io{"transports": "[]"}, nil, nil},
		{"every transport", io{"transports": `["usb","nfc","ble","internal","hybrid","test"]`}, nil, nil},
		{"a transport as a variant object", io{"transports": `[{"usb":null}]`}, io{"transports": `["usb"]`}, nil},
		{"extensions empty", io{"extensions": `{}`}, io{"extensions": noExts}, nil},
		{"one extension present", io{"extensions": `{"cred_props":"Ignored"}`}, io{"extensions": `{"cred_protect":"NotRequested","hmac_create_secret":"NotRequested","appid":"NotRequested","cred_props":"Ignored"}`}, nil},
		{"unit states as variant objects", io{"extensions": `{"cred_protect":{"Ignored":null},"hmac_create_secret":{"NotRequested":null}}`}, io{"extensions": `{"cred_protect":"Ignored","hmac_create_secret":"NotRequested","appid":"NotRequested","cred_props":"NotRequested"}`}, nil},
		{"Set values", io{"extensions": `{"cred_protect":{"Set":"userVerificationRequired"},"hmac_create_secret":{"Set":true},"appid":{"Set":false},"cred_props":{"Set":{"rk":true}}}`}, nil, nil},
		{"Unsolicited values", io{"extensions": `{"cred_protect":{"Unsolicited":"userVerificationOptionalWithCredentialIDList"},"hmac_create_secret":{"Unsolicited":false},"appid":{"Unsolicited":true},"cred_props":{"Unsolicited":{"rk":false}}}`}, nil, nil},
		{"Unsigned values", io{"extensions": `{"cred_protect":{"Unsigned":"userVerificationOptional"},"hmac_create_secret":{"Unsigned":true},"appid":{"Unsigned":true},"cred_props":{"Unsigned":{"rk":true}}}`}, nil, nil},
		{"cred_props with an added member", io{"extensions": `{"cred_props":{"Set":{"rk":true,"authenticatorDisplayName":"phone"}}}`}, io{"extensions": `{"cred_protect":"NotRequested","hmac_create_secret":"NotRequested","appid":"NotRequested","cred_props":{"Set":{"rk":true}}}`}, nil},
		{"attestation Basic", io{"attestation": `{"data":{"Basic":["` + b64u(der) + `"]},"metadata":"None"}`, "attestation_format": `"Packed"`}, nil, nil},
		{"attestation AttCa, a Windows Hello TPM", io{"attestation": `{"data":{"AttCa":["` + b64u(der) + `","` + b64u(der2) + `"]},"metadata":{"Tpm":{"aaguid":"` + aaguid + `","firmware_version":18446744073709551615}}}`, "attestation_format": `"Tpm"`, "user_verified": "true", "registration_policy": `"required"`}, nil, nil},
		{"attestation AnonCa, Apple", io{"attestation": `{"data":{"AnonCa":["` + b64u(der) + `"]},"metadata":"None"}`, "attestation_format": `"AppleAnonymous"`}, nil, nil},
		{"attestation chain in standard base64 and as numbers", io{"attestation": `{"data":{"AttCa":["` + base64.StdEncoding.EncodeToString(der) + `",` + numbers(der2) + `]},"metadata":"None"}`},
			io{"attestation": `{"data":{"AttCa":["` + b64u(der) + `","` + b64u(der2) + `"]},"metadata":"None"}`}, nil},
		{"attestation Basic empty", io{"attestation": `{"data":{"Basic":[]},"metadata":"None"}`}, nil, nil},
		{"attestation Self_", io{"attestation": `{"data":"Self_","metadata":"None"}`}, nil, nil},
		{"attestation ECDAA", io{"attestation": `{"data":"ECDAA","metadata":"None"}`}, nil, nil},
		{"attestation Uncertain", io{"attestation": `{"data":"Uncertain","metadata":"None"}`}, nil, nil},
		{"attestation None as a variant object", io{"attestation": `{"data":{"None":null},"metadata":{"None":null}}`}, io{"attestation": `{"data":"None","metadata":"None"}`}, nil},
		{"metadata Packed, aaguid simple uppercase", io{"attestation": `{"data":"Self_","metadata":{"Packed":{"aaguid":"` + strings.ToUpper(strings.ReplaceAll(aaguid, "-", "")) + `"}}}`},
			io{"attestation": `{"data":"Self_","metadata":{"Packed":{"aaguid":"` + aaguid + `"}}}`}, nil},
		{"metadata Packed, aaguid braced", io{"attestation": `{"data":"Self_","metadata":{"Packed":{"aaguid":"{` + aaguid + `}"}}}`},
			io{"attestation": `{"data":"Self_","metadata":{"Packed":{"aaguid":"` + aaguid + `"}}}`}, nil},
		{"metadata Packed, aaguid a URN", io{"attestation": `{"data":"Self_","metadata":{"Packed":{"aaguid":"urn:uuid:` + aaguid + `"}}}`},
			io{"attestation": `{"data":"Self_","metadata":{"Packed":{"aaguid":"` + aaguid + `"}}}`}, nil},
		{"metadata AndroidKey with an added member", io{"attestation": `{"data":"None","metadata":{"AndroidKey":{"is_attest_tee":false,"is_km_tee":true,"x":1}}}`, "attestation_format": `"AndroidKey"`},
			io{"attestation": `{"data":"None","metadata":{"AndroidKey":{"is_km_tee":true,"is_attest_tee":false}}}`, "attestation_format": `"AndroidKey"`}, nil},
		{"metadata AndroidSafetyNet, evaluation_type absent", io{"attestation": `{"data":"None","metadata":{"AndroidSafetyNet":{"apk_package_name":"com.google.android.gms","apk_certificate_digest_sha256":[[1,2,3],"BAUG"],"cts_profile_match":true,"basic_integrity":true}}}`, "attestation_format": `"AndroidSafetyNet"`},
			io{"attestation": `{"data":"None","metadata":{"AndroidSafetyNet":{"apk_package_name":"com.google.android.gms","apk_certificate_digest_sha256":["AQID","BAUG"],"cts_profile_match":true,"basic_integrity":true,"evaluation_type":null}}}`, "attestation_format": `"AndroidSafetyNet"`}, nil},
		{"metadata AndroidSafetyNet, evaluation_type set", io{"attestation": `{"data":"None","metadata":{"AndroidSafetyNet":{"apk_package_name":"a&b","apk_certificate_digest_sha256":[],"cts_profile_match":false,"basic_integrity":true,"evaluation_type":"BASIC,HARDWARE_BACKED"}}}`}, nil, nil},
		{"every attestation format: FIDOU2F", io{"attestation_format": `"FIDOU2F"`}, nil, nil},
		{"attestation format as a variant object", io{"attestation_format": `{"Tpm":null}`}, io{"attestation_format": `"Tpm"`}, nil},
		{"registration_policy as a variant object", io{"registration_policy": `{"required":null}`}, io{"registration_policy": `"required"`}, nil},
		{"registration_policy discouraged", io{"registration_policy": `"discouraged"`}, nil, nil},
		{"largest counter", io{"counter": "4294967295"}, nil, nil},
		{"members added everywhere", io{
			"cred":        `{"key":{"EC_EC2":{"y":"IqBqKADv8QT6l2uqau_O-s8I5fdfzS2OfuCiflpptwM","z":0,"curve":"SECP256R1","x":"86PEXW8qIGufVD-W3oV8mhrIPftZY0IQ8RY992A-o9I"}},"type_":"ES256","alg":-7}`,
			"extensions":  `{"cred_protect":"NotRequested","hmac_create_secret":"NotRequested","appid":"NotRequested","cred_props":"Ignored","min_pin_length":{"Set":4}}`,
			"attestation": `{"data":"None","metadata":"None","verified":true}`,
		}, io{"cred": seedKey, "extensions": "-", "attestation": "-"}, []string{`"name":"my phone"`, `"created":1717497930`, `"cred_id_v2":null`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := rsCred(tt.in, tt.extra...)
			outMembers := map[string]string{}
			for k, v := range tt.in {
				outMembers[k] = v
			}
			if tt.out != nil {
				for k, v := range tt.out {
					outMembers[k] = v
					if v == "-" { // the seed's own value
						delete(outMembers, k)
					}
				}
			}
			want := rsCred(outMembers)
			c, err := DecodeCredential([]byte(in))
			if err != nil {
				t.Fatalf("DecodeCredential(%s) = %v", in, err)
			}
			got, err := c.MarshalJSON() // encoding/json.Marshal would re-escape & < > (the same JSON value)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Fatalf("written\n%s\nwant (webauthn-rs's serde)\n%s", got, want)
			}
			// After a login moved the counter, what is stored is what
			// webauthn-rs writes after Passkey::update_credential.
			if c.Authenticator.SignCount == math.MaxUint32 {
				return
			}
			if !c.Update(&LoginResult{CredentialID: c.ID, Counter: c.Authenticator.SignCount + 1, BackupEligible: c.Flags.BackupEligible, BackupState: c.Flags.BackupState}) {
				t.Fatal("Update changed nothing")
			}
			outMembers["counter"] = strconv.FormatUint(uint64(c.Authenticator.SignCount), 10)
			if got, _ := c.MarshalJSON(); string(got) != rsCred(outMembers) {
				t.Fatalf("after a login, written\n%s\nwant\n%s", got, rsCred(outMembers))
			}
		})
	}
}

// TestRSCredentialRefusals: what webauthn-rs refuses (its serde or its
// TryFrom), Sesame refuses, with ErrFormat or ErrWeakKey.
func TestRSCredentialRefusals(t *testing.T) {
	der := b64u(testCertDER(t))
	aaguid := "6028b017-b1d4-4c02-b4b3-afcdafc96bb2"
	meta := func(m string) map[string]string {
		return map[string]string{"attestation": `{"data":"None","metadata":` + m + `}`}
	}
	tests := []struct {
		name string
		in   map[string]string
		raw  string // instead of in
	}{
		{"Basic certificate not DER", map[string]string{"attestation": `{"data":{"Basic":["AAAA"]},"metadata":"None"}`}, ""},
		{"AttCa certificate with bytes after it", map[string]string{"attestation": `{"data":{"AttCa":["` + b64u(append(testCertDER(t), 0)) + `"]},"metadata":"None"}`}, ""},
		{"AnonCa chain not an array", map[string]string{"attestation": `{"data":{"AnonCa":"` + der + `"},"metadata":"None"}`}, ""},
		{"AttCa without its chain", map[string]string{"attestation": `{"data":"AttCa","metadata":"None"}`}, ""},
		{"ECDAA with a value", map[string]string{"attestation": `{"data":{"ECDAA":[]},"metadata":"None"}`}, ""},
		{"aaguid not a UUID", meta(`{"Packed":{"aaguid":"windows-hello"}}`), ""},
		{"aaguid in parentheses", meta(`{"Packed":{"aaguid":"(` + aaguid + `)"}}`), ""},
		{"aaguid URN in uppercase", meta(`{"Packed":{"aaguid":"URN:UUID:` + aaguid + `"}}`), ""},
		{"aaguid as bytes", meta(`{"Packed":{"aaguid":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}}`), ""},
		{"aaguid missing", meta(`{"Tpm":{"firmware_version":1}}`), ""},
		{"firmware_version negative", meta(`{"Tpm":{"aaguid":"` + aaguid + `","firmware_version":-1}}`), ""},
		{"firmware_version over u64", meta(`{"Tpm":{"aaguid":"` + aaguid + `","firmware_version":18446744073709551616}}`), ""},
		{"firmware_version a fraction", meta(`{"Tpm":{"aaguid":"` + aaguid + `","firmware_version":1.5}}`), ""},
		{"metadata AppleAnonymous (no such variant)", meta(`{"AppleAnonymous":{}}`), ""},
		{"metadata FIDOU2F (no such variant)", meta(`{"FIDOU2F":{}}`), ""},
		{"metadata Packed as a unit", meta(`"Packed"`), ""},
		{"metadata None with a value", meta(`{"None":{}}`), ""},
		{"evaluation_type a number", meta(`{"AndroidSafetyNet":{"apk_package_name":"a","apk_certificate_digest_sha256":[],"cts_profile_match":true,"basic_integrity":true,"evaluation_type":1}}`), ""},
		{"extension null", map[string]string{"extensions": `{"appid":null}`}, ""},
		{"Set without a value", map[string]string{"extensions": `{"appid":{"Set":null}}`}, ""},
		{"Unsigned without a value", map[string]string{"extensions": `{"hmac_create_secret":"Unsigned"}`}, ""},
		{"Unsigned of the wrong type", map[string]string{"extensions": `{"hmac_create_secret":{"Unsigned":"yes"}}`}, ""},
		{"cred_protect as its number", map[string]string{"extensions": `{"cred_protect":{"Set":3}}`}, ""},
		{"cred_props without rk", map[string]string{"extensions": `{"cred_props":{"Set":{}}}`}, ""},
		{"OKP x as a string", map[string]string{"cred": `{"type_":"EDDSA","key":{"EC_OKP":{"curve":"ED25519","x":"WGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmY"}}}`}, ""},
		{"RSA e as a string", map[string]string{"cred": `{"type_":"RS256","key":{"RSA":{"n":"` + b64u(make([]byte, 256)) + `","e":"AQAB"}}}`}, ""},
		{"type_ in lowercase", map[string]string{"cred": strings.Replace(seedKey, "ES256", "es256", 1)}, ""},
		{"attestation_format in lowercase", map[string]string{"attestation_format": `"none"`}, ""},
		{"transport unknown", map[string]string{"transports": `["smart-card"]`}, ""},
		{"registration_policy capitalised", map[string]string{"registration_policy": `"Required"`}, ""},
		{"user_verified missing", map[string]string{"user_verified": "-"}, ""},
		{"counter a string", map[string]string{"counter": `"0"`}, ""},
		{"cred_id with bad padding", map[string]string{"cred_id": `"` + seedCredID + `==="`}, ""},
		{"a repeated member", nil, strings.Replace(rsCred(nil), `"counter":0`, `"counter":0,"counter":1`, 1)},
		{"a repeated unknown member", nil, rsCred(nil, `"x":1`, `"x":2`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.raw
			if in == "" {
				in = rsCred(tt.in)
			}
			if c, err := DecodeCredential([]byte(in)); !errors.Is(err, ErrFormat) && !errors.Is(err, ErrWeakKey) {
				t.Fatalf("DecodeCredential = %+v, %v; want ErrFormat", c, err)
			}
		})
	}
}

// TestRSAuthenticationSpellings: the ceremony state as webauthn-rs's serde
// reads it (appid absent or null, members added, variant objects), written
// back as serde writes it.
func TestRSAuthenticationSpellings(t *testing.T) {
	const ch = `"9SyRpnLFkD6f--YyCO2EQPBV1jdiNNj2ZAqsI6nUwU8"`
	cred := rsCred(nil)
	canonical := `{"ast":{"credentials":[` + cred + `],"policy":"preferred","challenge":` + ch + `,"appid":null,"allow_backup_eligible_upgrade":true}}`
	tests := []struct{ name, in, want string }{
		{"canonical", canonical, canonical},
		{"appid absent", `{"ast":{"credentials":[` + cred + `],"policy":"preferred","challenge":` + ch + `,"allow_backup_eligible_upgrade":true}}`, canonical},
		{"members added", `{"v":2,"ast":{"credentials":[` + rsCred(nil, `"x":[]`) + `],"policy":{"preferred":null},"challenge":` + ch + `,"appid":null,"allow_backup_eligible_upgrade":true,"started":1717497930}}`, canonical},
		{"challenge as numbers, an appid with &", `{"ast":{"credentials":[],"policy":"required","challenge":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16],"appid":"https://a.example/u2f?x=1&y=<2>","allow_backup_eligible_upgrade":false}}`,
			`{"ast":{"credentials":[],"policy":"required","challenge":"AQIDBAUGBwgJCgsMDQ4PEA","appid":"https://a.example/u2f?x=1&y=<2>","allow_backup_eligible_upgrade":false}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := DecodeAuthentication([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got, err := a.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("written\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestRSUserVerificationRule: webauthn-rs's match on (ceremony policy,
// registration policy) and user_verified, written out case by case.
func TestRSUserVerificationRule(t *testing.T) {
	const req, pref, disc = "required", "preferred", "discouraged"
	tests := []struct {
		policy, registered string
		verifiedThen       bool
		required           bool
	}{
		{req, req, false, true}, {req, pref, false, true}, {req, disc, false, true},
		{pref, req, false, true}, {disc, req, false, true}, {disc, req, true, true},
		{pref, pref, true, true}, {disc, pref, true, true},
		{pref, pref, false, false}, {disc, pref, false, false},
		{pref, disc, true, false}, {disc, disc, true, false}, {disc, disc, false, false},
	}
	for _, tt := range tests {
		c := decodeRS(t, map[string]string{"registration_policy": `"` + tt.registered + `"`, "user_verified": map[bool]string{true: "true", false: "false"}[tt.verifiedThen]})
		if got := userVerificationRequired(c, protocol.UserVerificationRequirement(tt.policy)); got != tt.required {
			t.Errorf("policy %s, registered %s, verified then %v: required %v, want %v", tt.policy, tt.registered, tt.verifiedThen, got, tt.required)
		}
	}
}

// decodeRS decodes rsCred(over).
func decodeRS(t testing.TB, over map[string]string) *Credential {
	t.Helper()
	c, err := DecodeCredential([]byte(rsCred(over)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
