package passkey

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzDecodeAuthentication: any input either decodes to a state that
// re-encodes and decodes to the same value, or fails with ErrFormat or
// ErrWeakKey; never a panic.
func FuzzDecodeAuthentication(f *testing.F) {
	f.Add(readSeed(f))
	for _, c := range rsVariantSeeds(f) {
		f.Add([]byte(`{"ast":{"credentials":[` + c + `],"policy":"preferred","challenge":"` + testChallenge + `","allow_backup_eligible_upgrade":true,"x":1}}`))
	}
	f.Add([]byte(`{"ast":{"credentials":[],"policy":"required","challenge":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16],"appid":"https://a","allow_backup_eligible_upgrade":false}}`))
	f.Add([]byte(`{"ast":{}}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeAuthentication(data)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrWeakKey) {
				t.Fatalf("error %v is neither ErrFormat nor ErrWeakKey", err)
			}
			return
		}
		out, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("re-encoding a decoded state: %v", err)
		}
		b, err := DecodeAuthentication(out)
		if err != nil {
			t.Fatalf("decoding %s: %v", out, err)
		}
		out2, _ := json.Marshal(b)
		if !reflect.DeepEqual(jsonValue(t, out), jsonValue(t, out2)) {
			t.Fatalf("not stable:\n%s\n%s", out, out2)
		}
	})
}

// FuzzDecodeCredential: the same for one credential record.
func FuzzDecodeCredential(f *testing.F) {
	c, _ := json.Marshal(seedCredential(f))
	f.Add(c)
	f.Add([]byte(`{"cred_id":[1]}`))
	for _, c := range rsVariantSeeds(f) {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCredential(data)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrWeakKey) {
				t.Fatalf("error %v is neither ErrFormat nor ErrWeakKey", err)
			}
			return
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatalf("re-encoding a decoded credential: %v", err)
		}
	})
}

// rsVariantSeeds are credentials in every variant webauthn-rs writes or reads:
// each extension state, attestation data and metadata, format, alias and
// optional member, with members added.
func rsVariantSeeds(tb testing.TB) []string {
	der := b64u(testCertDER(tb))
	aaguid := "6028b017-b1d4-4c02-b4b3-afcdafc96bb2"
	var seeds []string
	for _, ext := range []string{
		`{}`, `{"cred_protect":{"Ignored":null}}`,
		`{"cred_protect":{"Set":"userVerificationRequired"},"hmac_create_secret":{"Unsolicited":true},"appid":{"Unsigned":false},"cred_props":{"Set":{"rk":true,"x":1}}}`,
		`{"cred_protect":{"Unsigned":"userVerificationOptional"},"cred_props":{"Unsigned":{"rk":false}}}`,
	} {
		seeds = append(seeds, rsCred(map[string]string{"extensions": ext}))
	}
	for _, data := range []string{`{"Basic":["` + der + `"]}`, `{"AttCa":["` + der + `","` + der + `"]}`, `{"AnonCa":[]}`, `"Self_"`, `"ECDAA"`, `"None"`, `{"None":null}`, `"Uncertain"`} {
		seeds = append(seeds, rsCred(map[string]string{"attestation": `{"data":` + data + `,"metadata":"None"}`}))
	}
	for _, meta := range []string{
		`{"Packed":{"aaguid":"` + aaguid + `"}}`, `{"Tpm":{"aaguid":"{` + aaguid + `}","firmware_version":18446744073709551615}}`,
		`{"AndroidKey":{"is_km_tee":true,"is_attest_tee":false}}`,
		`{"AndroidSafetyNet":{"apk_package_name":"a","apk_certificate_digest_sha256":["AQID",[4,5]],"cts_profile_match":true,"basic_integrity":false}}`,
	} {
		seeds = append(seeds, rsCred(map[string]string{"attestation": `{"data":"None","metadata":` + meta + `}`}))
	}
	for _, f := range attestationFormats() {
		seeds = append(seeds, rsCred(map[string]string{"attestation_format": `"` + f[0] + `"`}))
	}
	return append(seeds,
		rsCred(map[string]string{"cred": strings.Replace(seedKey, "ES256", "ECDSA_SHA256", 1)}),
		rsCred(map[string]string{"transports": "-"}), rsCred(map[string]string{"transports": `["usb",{"hybrid":null}]`}),
		rsCred(map[string]string{"registration_policy": `{"required":null}`}, `"added":{"x":[1]}`),
	)
}
