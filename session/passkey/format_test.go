package passkey

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

func readSeed(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/seed_passkey_authentication.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func jsonValue(t testing.TB, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return v
}

// TestSeedRoundTrip: the seed's passkey_authentication decodes into go-webauthn
// types and re-encodes to the same JSON value.
func TestSeedRoundTrip(t *testing.T) {
	seed := readSeed(t)
	var a Authentication
	if err := json.Unmarshal(seed, &a); err != nil {
		t.Fatal(err)
	}
	if a.Session.Challenge != "9SyRpnLFkD6f--YyCO2EQPBV1jdiNNj2ZAqsI6nUwU8" || a.Session.UserVerification != protocol.VerificationPreferred || !a.AllowBackupEligibleUpgrade {
		t.Errorf("session %+v, upgrade %v", a.Session, a.AllowBackupEligibleUpgrade)
	}
	if len(a.Credentials) != 1 || len(a.Session.AllowedCredentialIDs) != 1 {
		t.Fatalf("%d credentials", len(a.Credentials))
	}
	c := a.Credentials[0]
	if !bytes.Equal(a.Session.AllowedCredentialIDs[0], c.ID) || len(c.ID) != 96 {
		t.Errorf("credential id %x", c.ID)
	}
	key, err := webauthncose.ParsePublicKey(c.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	ec, ok := key.(webauthncose.EC2PublicKeyData)
	if !ok || ec.Algorithm != int64(webauthncose.AlgES256) || base64.RawURLEncoding.EncodeToString(ec.XCoord) != "86PEXW8qIGufVD-W3oV8mhrIPftZY0IQ8RY992A-o9I" {
		t.Errorf("key %#v", key)
	}
	if c.Flags.BackupEligible || c.Flags.UserVerified || c.Authenticator.SignCount != 0 || c.Transport != nil || c.AttestationFormat != "none" {
		t.Errorf("credential %+v", c.Credential)
	}
	if c.ExtensionStates.CredProps != ExtensionIgnored || c.ExtensionStates.CredProtect != ExtensionNotRequested {
		t.Errorf("extensions %+v", c.ExtensionStates)
	}
	out, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := jsonValue(t, out), jsonValue(t, seed); !reflect.DeepEqual(got, want) {
		t.Errorf("re-encoded\n%s\nwant\n%s", out, seed)
	}
}

// variantCases are valid variants of the seed's credential, each re-encoded
// to itself (fixed-size byte arrays as webauthn-rs writes them).
func TestCredentialVariants(t *testing.T) {
	rsaN := base64.RawURLEncoding.EncodeToString(append([]byte{0xc1}, bytes.Repeat([]byte{7}, 255)...))
	okpX := "[" + strings.TrimSuffix(strings.Repeat("215,", 32), ",") + "]"
	for name, tc := range map[string]struct{ cred, key string }{
		"rsa":         {`"RS256"`, `{"RSA":{"n":"` + rsaN + `","e":[1,0,1]}}`},
		"okp":         {`"EDDSA"`, `{"EC_OKP":{"curve":"ED25519","x":` + okpX + `}}`},
		"extensions":  {`"ES256"`, ``},
		"attestation": {`"ES256"`, ``},
	} {
		t.Run(name, func(t *testing.T) {
			c := seedCredential(t)
			if tc.key != "" {
				c["cred"] = map[string]any{"type_": jsonValue(t, []byte(tc.cred)), "key": jsonValue(t, []byte(tc.key))}
				if name == "okp" { // a real Ed25519 point
					c["cred"].(map[string]any)["key"].(map[string]any)["EC_OKP"].(map[string]any)["x"] = ed25519X()
				}
			}
			switch name {
			case "extensions":
				c["extensions"] = map[string]any{"cred_protect": map[string]any{"Set": "userVerificationRequired"}, "hmac_create_secret": map[string]any{"Unsolicited": true}, "appid": map[string]any{"Set": false}, "cred_props": map[string]any{"Set": map[string]any{"rk": true}}}
				c["transports"] = []any{"internal", "hybrid"}
			case "attestation":
				c["attestation"] = map[string]any{"data": map[string]any{"Basic": []any{b64u(testCertDER(t))}}, "metadata": map[string]any{"Packed": map[string]any{"aaguid": "00000000-0000-0000-0000-000000000000"}}}
				c["attestation_format"] = "Packed"
				c["backup_eligible"], c["backup_state"], c["user_verified"], c["counter"] = true, true, true, json.Number("4294967295")
			}
			in, _ := json.Marshal(c)
			var got Credential
			if err := json.Unmarshal(in, &got); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(jsonValue(t, out), jsonValue(t, in)) {
				t.Errorf("re-encoded\n%s\nwant\n%s", out, in)
			}
		})
	}
}

func ed25519X() []any {
	// The Ed25519 base point's encoding, a valid public key.
	b, _ := base64.StdEncoding.DecodeString("WGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmY=")
	out := make([]any, len(b))
	for i, x := range b {
		out[i] = float64(x)
	}
	return out
}

// seedCredential returns the seed's credential as a generic value.
func seedCredential(t testing.TB) map[string]any {
	v := jsonValue(t, readSeed(t)).(map[string]any)
	return v["ast"].(map[string]any)["credentials"].([]any)[0].(map[string]any)
}

// TestByteForms: webauthn-rs's bytes read as base64url or standard, padded or
// not, or as number arrays; written as unpadded base64url.
func TestByteForms(t *testing.T) {
	want := seedCredential(t)["cred_id"].(string)
	raw, _ := base64.RawURLEncoding.DecodeString(want)
	arr := make([]any, len(raw))
	for i, b := range raw {
		arr[i] = float64(b)
	}
	for _, form := range []any{want, base64.URLEncoding.EncodeToString(raw), base64.StdEncoding.EncodeToString(raw), base64.RawStdEncoding.EncodeToString(raw), arr} {
		c := seedCredential(t)
		c["cred_id"] = form
		in, _ := json.Marshal(c)
		var got Credential
		if err := json.Unmarshal(in, &got); err != nil {
			t.Fatalf("%v: %v", form, err)
		}
		out, _ := json.Marshal(got)
		if id := jsonValue(t, out).(map[string]any)["cred_id"]; id != want {
			t.Errorf("cred_id written %v, want %s", id, want)
		}
	}
}

// TestBadRecords: each malformed variant of a credential is ErrFormat (or
// ErrWeakKey), never a panic.
func TestBadRecords(t *testing.T) {
	small := base64.RawURLEncoding.EncodeToString(append([]byte{0xc1}, bytes.Repeat([]byte{7}, 127)...)) // 1024 bits
	for name, tc := range map[string]struct {
		edit func(c map[string]any)
		want error
	}{
		"missing member":         {func(c map[string]any) { delete(c, "counter") }, ErrFormat},
		"type_ unknown":          {func(c map[string]any) { c["cred"].(map[string]any)["type_"] = "INSECURE_RS1" }, ErrFormat},
		"type_ not a string":     {func(c map[string]any) { c["cred"].(map[string]any)["type_"] = 7 }, ErrFormat},
		"type_ and key disagree": {func(c map[string]any) { c["cred"].(map[string]any)["type_"] = "RS256" }, ErrFormat},
		"key unknown variant": {func(c map[string]any) {
			c["cred"].(map[string]any)["key"] = map[string]any{"EC_XX": map[string]any{}}
		}, ErrFormat},
		"key two variants": {func(c map[string]any) {
			k := c["cred"].(map[string]any)["key"].(map[string]any)
			k["RSA"] = map[string]any{"n": "AA", "e": []any{1, 0, 1}}
		}, ErrFormat},
		"key bare string": {func(c map[string]any) { c["cred"].(map[string]any)["key"] = "EC_EC2" }, ErrFormat},
		"ec wrong curve": {func(c map[string]any) {
			ecKey(c)["curve"] = "SECP384R1"
		}, ErrFormat},
		"ec short x":      {func(c map[string]any) { ecKey(c)["x"] = "AAAA" }, ErrFormat},
		"ec off curve":    {func(c map[string]any) { ecKey(c)["y"] = ecKey(c)["x"] }, ErrWeakKey},
		"ec x bad base64": {func(c map[string]any) { ecKey(c)["x"] = "!!!" }, ErrFormat},
		"ec x byte 256":   {func(c map[string]any) { ecKey(c)["x"] = []any{256} }, ErrFormat},
		"rsa 1024": {func(c map[string]any) {
			c["cred"] = map[string]any{"type_": "RS256", "key": map[string]any{"RSA": map[string]any{"n": small, "e": []any{1, 0, 1}}}}
		}, ErrWeakKey},
		"rsa e 4 bytes": {func(c map[string]any) {
			c["cred"] = map[string]any{"type_": "RS256", "key": map[string]any{"RSA": map[string]any{"n": small, "e": []any{0, 1, 0, 1}}}}
		}, ErrFormat},
		"okp ed448": {func(c map[string]any) {
			c["cred"] = map[string]any{"type_": "EDDSA", "key": map[string]any{"EC_OKP": map[string]any{"curve": "ED448", "x": ed25519X()}}}
		}, ErrFormat},
		"okp short": {func(c map[string]any) {
			c["cred"] = map[string]any{"type_": "EDDSA", "key": map[string]any{"EC_OKP": map[string]any{"curve": "ED25519", "x": []any{1}}}}
		}, ErrFormat},
		"counter negative":   {func(c map[string]any) { c["counter"] = -1 }, ErrFormat},
		"counter too large":  {func(c map[string]any) { c["counter"] = 1 << 32 }, ErrFormat},
		"counter fraction":   {func(c map[string]any) { c["counter"] = 1.5 }, ErrFormat},
		"transport unknown":  {func(c map[string]any) { c["transports"] = []any{"carrier-pigeon"} }, ErrFormat},
		"policy unknown":     {func(c map[string]any) { c["registration_policy"] = "always" }, ErrFormat},
		"bs without be":      {func(c map[string]any) { c["backup_state"] = true }, ErrFormat},
		"extension unknown":  {func(c map[string]any) { ext(c)["cred_protect"] = "Maybe" }, ErrFormat},
		"extension set bare": {func(c map[string]any) { ext(c)["appid"] = "Set" }, ErrFormat},
		"extension set wrong type": {func(c map[string]any) {
			ext(c)["hmac_create_secret"] = map[string]any{"Set": "yes"}
		}, ErrFormat},
		"extension policy unknown": {func(c map[string]any) {
			ext(c)["cred_protect"] = map[string]any{"Set": "never"}
		}, ErrFormat},
		"extension null":      {func(c map[string]any) { ext(c)["cred_props"] = nil }, ErrFormat},
		"attestation unknown": {func(c map[string]any) { att(c)["data"] = "ECDSA" }, ErrFormat},
		"attestation basic not array": {func(c map[string]any) {
			att(c)["data"] = map[string]any{"Basic": "MIIB"}
		}, ErrFormat},
		"attestation self with value": {func(c map[string]any) {
			att(c)["data"] = map[string]any{"Self_": []any{}}
		}, ErrFormat},
		"metadata unknown":   {func(c map[string]any) { att(c)["metadata"] = "Some" }, ErrFormat},
		"format unknown":     {func(c map[string]any) { c["attestation_format"] = "Compound" }, ErrFormat},
		"cred_id empty":      {func(c map[string]any) { c["cred_id"] = "" }, ErrFormat},
		"cred_id too long":   {func(c map[string]any) { c["cred_id"] = strings.Repeat("A", 1400) }, ErrFormat},
		"cred_id not string": {func(c map[string]any) { c["cred_id"] = true }, ErrFormat},
	} {
		t.Run(name, func(t *testing.T) {
			c := seedCredential(t)
			tc.edit(c)
			in, _ := json.Marshal(c)
			var got Credential
			if err := json.Unmarshal(in, &got); !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}

func ecKey(c map[string]any) map[string]any {
	return c["cred"].(map[string]any)["key"].(map[string]any)["EC_EC2"].(map[string]any)
}
func ext(c map[string]any) map[string]any { return c["extensions"].(map[string]any) }
func att(c map[string]any) map[string]any { return c["attestation"].(map[string]any) }

// TestBadAuthentication: the state record's own members, and raw JSON faults.
func TestBadAuthentication(t *testing.T) {
	seed := string(readSeed(t))
	for name, in := range map[string]string{
		"duplicate member":   strings.Replace(seed, `"policy": "preferred",`, `"policy": "preferred", "policy": "required",`, 1),
		"trailing data":      seed + "{}",
		"not an object":      `[1]`,
		"no ast":             `{}`,
		"policy unknown":     strings.Replace(seed, `"policy": "preferred"`, `"policy": "sometimes"`, 1),
		"challenge short":    strings.Replace(seed, `9SyRpnLFkD6f--YyCO2EQPBV1jdiNNj2ZAqsI6nUwU8`, `AAAA`, 1),
		"appid a number":     strings.Replace(seed, `"appid": null`, `"appid": 1`, 1),
		"upgrade a string":   strings.Replace(seed, `"allow_backup_eligible_upgrade": true`, `"allow_backup_eligible_upgrade": "true"`, 1),
		"credentials object": `{"ast":{"credentials":{},"policy":"preferred","challenge":"9SyRpnLFkD6f--YyCO2EQPBV1jdiNNj2ZAqsI6nUwU8","appid":null,"allow_backup_eligible_upgrade":true}}`,
		"too deep":           `{"ast":` + strings.Repeat(`[`, 40) + strings.Repeat(`]`, 40) + `}`,
		"too large":          `{"ast":"` + strings.Repeat("A", MaxRecordSize) + `"}`,
		"truncated":          seed[:len(seed)/2],
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := DecodeAuthentication([]byte(in)); !errors.Is(err, ErrFormat) {
				t.Errorf("error %v, want ErrFormat", err)
			}
		})
	}
}
