package googlecse_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify/googlecse"
)

// seedFields is the seed's record (003_4e663df8215d9139.txt): every field with
// its JSON type; "?" marks the fields a record may lack: the seed's optional
// ones, the claims a token may not carry (absent from the record, never "" or
// 0), and operation, Sesame's addition naming the KACLS call.
var seedFields = map[string]string{
	"tenant_id": "string", "jwk": "object", "jwt": "object", "valid": "boolean", "source": "string", "type": "string", "details?": "string",
	"operation?": "string", "jwk.kid?": "string", "jwk.alg?": "string",
	"jwt.email?": "string", "jwt.google_email?": "string", "jwt.iss?": "string", "jwt.aud?": "array", "jwt.exp?": "number",
	"jwt.iat?": "number", "jwt.number_of_custom_claims": "number", "jwt.kacls_url?": "string", "jwt.resource_name?": "string",
}

// jsonType names a decoded JSON value's type.
func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

// flatten lists "field" and "object.field" with their JSON types.
func flatten(m map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = jsonType(v)
		if sub, ok := v.(map[string]any); ok {
			for sk, sv := range sub {
				out[k+"."+sk] = jsonType(sv)
			}
		}
	}
	return out
}

// checkShape compares a marshalled record with the seed's field list: every
// field it has is a seed field of the seed's type, every required one is there.
func checkShape(t *testing.T, rec map[string]any) {
	t.Helper()
	got := flatten(rec)
	for name, typ := range got {
		want, ok := seedFields[name]
		if !ok {
			want, ok = seedFields[name+"?"]
		}
		if !ok || want != typ {
			t.Errorf("field %s (%s) is not a seed field of that type (%q)", name, typ, want)
		}
	}
	for name := range seedFields {
		if !strings.HasSuffix(name, "?") {
			if _, ok := got[name]; !ok {
				t.Errorf("required field %s missing", name)
			}
		}
	}
}

// TestAuditRecordGolden: the records of a valid and an invalid token marshal
// field for field to the seed's field list and types, with the values the
// tokens carried.
func TestAuditRecordGolden(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	exp := time.Now().Add(time.Hour).Unix()
	good := e.fake.MintAuthentication("alice.dupont@gmail.com", map[string]any{"google_email": "alice.google@gmail.com", "exp": exp, "dept": "R&D"})
	if _, err := e.v.VerifyAuthentication(ctx, tenantRemote, good, googlecse.UserAuthentication, googlecse.OpUnwrap); err != nil {
		t.Fatal(err)
	}
	valid := marshal(t, e.one(t))
	checkShape(t, valid)
	jwt := valid["jwt"].(map[string]any)
	want := map[string]any{"email": "alice.dupont@gmail.com", "google_email": "alice.google@gmail.com", "iss": e.fake.Issuer,
		"aud": []any{"googlecsetest-client"}, "exp": float64(exp), "number_of_custom_claims": float64(1)}
	for k, v := range want {
		if !reflect.DeepEqual(jwt[k], v) {
			t.Errorf("jwt.%s = %v, want %v", k, jwt[k], v)
		}
	}
	for _, name := range []string{"email", "iss", "aud", "exp", "iat"} {
		if _, ok := jwt[name]; !ok {
			t.Errorf("jwt.%s missing from a valid token's record", name)
		}
	}
	if valid["valid"] != true || valid["tenant_id"] != tenantRemote || valid["source"] != "remote_well_known_cse_configuration" ||
		valid["type"] != "user_authentication" || valid["details"] != nil || valid["operation"] != "unwrap" {
		t.Errorf("valid record: %v", valid)
	}
	bad := e.fake.MintAuthentication("alice.dupont@gmail.com", map[string]any{"exp": time.Now().Add(-time.Hour).Unix(), "iat": time.Now().Add(-2 * time.Hour).Unix()})
	if _, err := e.v.VerifyAuthentication(ctx, tenantRemote, bad, googlecse.UserAuthentication, googlecse.OpUnwrap); err == nil {
		t.Fatal("expired token accepted")
	}
	invalid := marshal(t, e.one(t))
	checkShape(t, invalid)
	if invalid["valid"] != false || invalid["details"] != "JWT expired" || invalid["jwt"].(map[string]any)["email"] != "alice.dupont@gmail.com" {
		t.Errorf("invalid record: %v", invalid)
	}
	// The kacls-to-kacls record carries kacls_url and resource_name.
	k := e.fake.MintKACLSToKACLS(map[string]any{"kacls_url": kaclsURL, "resource_name": resource})
	if _, err := e.v.VerifyKACLSToKACLS(ctx, tenantRemote, k, resource); err != nil {
		t.Fatal(err)
	}
	kr := marshal(t, e.one(t))
	checkShape(t, kr)
	if kr["type"] != "kacsl-to-kacls_authentication" || kr["jwt"].(map[string]any)["kacls_url"] != kaclsURL || kr["operation"] != "privilegedunwrap" {
		t.Errorf("kacls record: %v", kr)
	}
	// An unreadable token's record has no claim at all.
	if _, err := e.v.VerifyAuthentication(ctx, tenantRemote, "not a token", googlecse.UserAuthentication, googlecse.OpUnwrap); err == nil {
		t.Fatal("garbage accepted")
	}
	garbage := marshal(t, e.one(t))
	checkShape(t, garbage)
	if want := map[string]any{"number_of_custom_claims": float64(0)}; !reflect.DeepEqual(garbage["jwt"], want) {
		t.Errorf("jwt of an unreadable token = %v, want %v", garbage["jwt"], want)
	}
}

// TestSlogAuditorLevels: valid at INFO, invalid at NOTICE (between INFO and
// WARN), the record's fields as attributes, never the token.
func TestSlogAuditorLevels(t *testing.T) {
	var buf bytes.Buffer
	e := newEnv(t, func(cfg *googlecse.Config, _ *[]googlecse.Tenant) { cfg.Auditor = googlecse.NewJSONAuditor(&buf) })
	ctx := context.Background()
	good := e.fake.MintAuthentication("a@x.com", nil)
	_, _ = e.v.VerifyAuthentication(ctx, tenantRemote, good, googlecse.UserAuthentication, googlecse.OpUnwrap)
	bad := e.fake.MintAuthentication("a@x.com", map[string]any{"aud": "other"})
	_, _ = e.v.VerifyAuthentication(ctx, tenantRemote, bad, googlecse.UserAuthentication, googlecse.OpUnwrap)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	var l1, l2 map[string]any
	_ = json.Unmarshal([]byte(lines[0]), &l1)
	_ = json.Unmarshal([]byte(lines[1]), &l2)
	if l1["level"] != "INFO" || l1["valid"] != true || l2["level"] != "NOTICE" || l2["details"] != "audience mismatch (aud)" {
		t.Fatalf("lines:\n%s", buf.String())
	}
	if googlecse.LevelNotice <= slog.LevelInfo || googlecse.LevelNotice >= slog.LevelWarn {
		t.Fatal("LevelNotice is not between INFO and WARN")
	}
	for _, tok := range []string{good, bad} {
		if strings.Contains(buf.String(), strings.Split(tok, ".")[2]) {
			t.Fatal("a token signature was logged")
		}
	}
}

// FuzzAuditRecord: whatever claims a refused token carries, its record
// marshals, keeps the seed's shape, holds every value within its bound (cut
// on a UTF-8 boundary), and never contains the token.
func FuzzAuditRecord(f *testing.F) {
	f.Add(`{"email":"a@x.com","aud":["a","b"],"exp":1720542398,"iat":1720535198,"x":1}`)
	f.Add(`{"email":12,"aud":7,"exp":"soon","google_email":null}`)
	f.Add(`{"aud":"one","kacls_url":"https://k","resource_name":"` + strings.Repeat("r", 600) + `"}`)
	f.Add(`{"exp":1e400,"iat":-1e300,"a":{},"b":[],"c":null}`)
	f.Add(`{"email":"` + strings.Repeat("é", 400) + `","iss":"` + strings.Repeat("\\u0000", 1100) + `"}`)
	f.Add(`{"aud":[` + strings.Repeat(`"`+strings.Repeat("a", 300)+`",`, 20) + `"z"]}`)
	f.Add(`{"iss":"a","iss":"b"}`)
	f.Add(`[]`)
	e := newEnv(f, nil)
	f.Fuzz(func(t *testing.T, payload string) {
		raw := "eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIn0." + base64.RawURLEncoding.EncodeToString([]byte(payload)) + ".c2ln"
		_, err := e.v.VerifyAuthentication(context.Background(), tenantLocal, raw, googlecse.UserAuthentication, googlecse.OpUnwrap)
		if err == nil {
			t.Fatal("an unsigned token was accepted")
		}
		recs := e.audit.take()
		if len(recs) != 1 {
			t.Fatalf("%d records", len(recs))
		}
		checkBounded(t, recs[0])
		b, err := json.Marshal(recs[0])
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), raw) {
			t.Fatal("the record holds the token")
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		got := flatten(m)
		for name, typ := range got {
			want, ok := seedFields[name]
			if !ok {
				want, ok = seedFields[name+"?"]
			}
			if !ok || want != typ {
				t.Fatalf("field %s (%s) outside the seed's shape", name, typ)
			}
		}
	})
}

// checkBounded fails unless every value of a refused token's record is within
// the bound a valid token's value never exceeds, and valid UTF-8 where the
// token's was.
func checkBounded(t *testing.T, rec googlecse.AuditRecord) {
	t.Helper()
	const cut = len("…")
	for _, c := range []struct {
		name string
		v    googlecse.Claim[string]
		max  int
	}{
		{"kid", rec.JWK.Kid, 256}, {"alg", rec.JWK.Alg, 32}, {"email", rec.JWT.Email, 320}, {"google_email", rec.JWT.GoogleEmail, 320},
		{"iss", rec.JWT.Iss, 1024}, {"kacls_url", rec.JWT.KACLSURL, 1024}, {"resource_name", rec.JWT.ResourceName, 512},
	} {
		if len(c.v.Value) > c.max+cut {
			t.Errorf("%s of %d bytes, bound %d", c.name, len(c.v.Value), c.max)
		}
	}
	if len(rec.JWT.Aud) > 16 {
		t.Errorf("%d audiences", len(rec.JWT.Aud))
	}
	for _, a := range rec.JWT.Aud {
		if len(a) > 256+cut {
			t.Errorf("audience of %d bytes", len(a))
		}
	}
}
