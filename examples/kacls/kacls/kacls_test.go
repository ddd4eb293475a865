package kacls_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sesame-go/sesame/examples/kacls/kacls"
	"github.com/sesame-go/sesame/jwtverify/googlecse"
	"github.com/sesame-go/sesame/jwtverify/googlecse/googlecsetest"
)

const tenant = "025f02fe-bee2-444b-bf76-b5ead30327c0"

// TestWrapUnwrap: over HTTPS, a writer wraps, a reader unwraps the same
// resource's key; a reader cannot wrap, another resource's authorization cannot
// unwrap, and refusals are Google's error JSON.
func TestWrapUnwrap(t *testing.T) {
	fake := googlecsetest.Start(t, googlecsetest.Config{})
	srv := httptest.NewUnstartedServer(nil)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	kaclsURL := srv.URL + "/" + tenant
	tenants, err := googlecse.NewTenantMap(googlecse.Tenant{ID: tenant, KACLSURL: kaclsURL,
		IdPs: []googlecse.IdP{{CSEConfigurationURL: fake.CSEConfigurationURL()}}})
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	v, err := googlecse.New(googlecse.Config{Tenants: tenants, Auditor: googlecse.NewJSONAuditor(&log),
		HTTPClient: fake.Client(), GoogleKeysURL: fake.GoogleKeysURL()})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	svc, err := kacls.New(v, key)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = svc.Handler()
	client := srv.Client()

	call := func(op string, role, resource string, fields map[string]string) (int, map[string]any) {
		t.Helper()
		authz, err := fake.MintAuthorization(googlecse.IssuerDrive, map[string]any{"email": "alice@example.com", "role": role,
			"kacls_url": kaclsURL, "resource_name": resource})
		if err != nil {
			t.Fatal(err)
		}
		body := map[string]string{"authentication": fake.MintAuthentication("alice@example.com", nil), "authorization": authz}
		for k, v := range fields {
			body[k] = v
		}
		b, _ := json.Marshal(body)
		resp, err := client.Post(kaclsURL+"/"+op, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	const dek = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	code, out := call("wrap", "writer", "//drive/1", map[string]string{"key": dek})
	if code != http.StatusOK || out["wrapped_key"] == nil {
		t.Fatalf("wrap: %d %v", code, out)
	}
	wrapped := out["wrapped_key"].(string)
	if code, out := call("unwrap", "reader", "//drive/1", map[string]string{"wrapped_key": wrapped}); code != http.StatusOK || out["key"] != dek {
		t.Fatalf("unwrap: %d %v", code, out)
	}
	for name, c := range map[string]struct {
		op, role, resource string
		fields             map[string]string
		code               int
	}{
		"reader wraps":           {"wrap", "reader", "//drive/1", map[string]string{"key": dek}, http.StatusForbidden},
		"another resource":       {"unwrap", "reader", "//drive/2", map[string]string{"wrapped_key": wrapped}, http.StatusForbidden},
		"unknown body member":    {"wrap", "writer", "//drive/1", map[string]string{"key": dek, "extra": "x"}, http.StatusBadRequest},
		"upgrader cannot unwrap": {"unwrap", "upgrader", "//drive/1", map[string]string{"wrapped_key": wrapped}, http.StatusForbidden},
	} {
		code, out := call(c.op, c.role, c.resource, c.fields)
		e, _ := out["error"].(map[string]any)
		if code != c.code || e == nil || e["code"] != float64(c.code) || e["message"] == "" || e["status"] == "" {
			t.Errorf("%s: %d %v", name, code, out)
		}
	}
	if !bytes.Contains(log.Bytes(), []byte(`"level":"NOTICE"`)) || !bytes.Contains(log.Bytes(), []byte(`"valid":true`)) {
		t.Fatalf("audit log:\n%s", log.String())
	}
}
