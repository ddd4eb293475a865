package googlecse_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/googlecse"
	"github.com/sesame-go/sesame/jwtverify/googlecse/googlecsetest"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

const (
	tenantRemote = "025f02fe-bee2-444b-bf76-b5ead30327c0" // IdP through cse-configuration
	tenantLocal  = "7c9e6679-7425-40de-944b-e07fc1f90ae7" // IdP with static keys
	kaclsURL     = "https://kacls.example/api/v1/025f02fe"
	localIssuer  = "https://idp.local.example"
	localClient  = "local-client"
	resource     = "//googleapis.com/drive/files/1OJsaKJM5JES1yi79QCKx-13wOR1i8JPU"
)

// recorder is an Auditor keeping every record.
type recorder struct {
	mu   sync.Mutex
	recs []googlecse.AuditRecord
}

func (r *recorder) Audit(_ context.Context, rec *googlecse.AuditRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, *rec)
}

// take returns the records since the last take.
func (r *recorder) take() []googlecse.AuditRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.recs
	r.recs = nil
	return out
}

// env is a Verifier with two tenants against a googlecsetest fake.
type env struct {
	fake  *googlecsetest.Server
	local *jwttest.Issuer
	v     *googlecse.Verifier
	audit *recorder
	logs  *bytes.Buffer
}

func newEnv(t testing.TB, tune func(*googlecse.Config, *[]googlecse.Tenant)) *env {
	t.Helper()
	e := &env{fake: googlecsetest.Start(t, googlecsetest.Config{}), local: jwttest.Start(t), audit: &recorder{}, logs: &bytes.Buffer{}}
	keys, err := jwtverify.NewStaticKeys(e.local.PublicJWKS())
	if err != nil {
		t.Fatal(err)
	}
	tenants := []googlecse.Tenant{
		{ID: tenantRemote, KACLSURL: kaclsURL, IdPs: []googlecse.IdP{{CSEConfigurationURL: e.fake.CSEConfigurationURL()}},
			TrustedKACLS: []string{e.fake.PeerURL()}},
		{ID: tenantLocal, KACLSURL: kaclsURL, IdPs: []googlecse.IdP{{Issuer: localIssuer, Audiences: []string{localClient}, Keys: keys}}},
	}
	cfg := googlecse.Config{Auditor: e.audit, HTTPClient: e.fake.Client(), GoogleKeysURL: e.fake.GoogleKeysURL(),
		Logger: slog.New(slog.NewTextHandler(e.logs, nil))}
	if tune != nil {
		tune(&cfg, &tenants)
	}
	m, err := googlecse.NewTenantMap(tenants...)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tenants = m
	if e.v, err = googlecse.New(cfg); err != nil {
		t.Fatal(err)
	}
	return e
}

// authz mints an authorization token of Drive for alice with role.
func (e *env) authz(t *testing.T, iss string, claims map[string]any) string {
	t.Helper()
	c := map[string]any{"email": "alice@example.com", "role": "writer", "kacls_url": kaclsURL, "resource_name": resource}
	for k, v := range claims {
		c[k] = v
	}
	tok, err := e.fake.MintAuthorization(iss, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// localAuthn mints an authentication token of the local IdP.
func (e *env) localAuthn(claims map[string]any) string {
	now := time.Now()
	c := map[string]any{"iss": localIssuer, "aud": localClient, "email": "alice@example.com", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	for k, v := range claims {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return e.local.Mint(c, jwttest.WithAlg("RS256"))
}

// localAuthnKid mints a local authentication token naming kid.
func (e *env) localAuthnKid(kid string) string {
	now := time.Now()
	return e.local.Mint(map[string]any{"iss": localIssuer, "aud": localClient, "email": "a@x.com", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()},
		jwttest.WithAlg("RS256"), jwttest.WithHeader("kid", kid))
}

// one returns the single record written since the last take, failing otherwise.
func (e *env) one(t *testing.T) googlecse.AuditRecord {
	t.Helper()
	recs := e.audit.take()
	if len(recs) != 1 {
		t.Fatalf("%d audit records, want exactly 1: %+v", len(recs), recs)
	}
	return recs[0]
}

func marshal(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// val is a record's value, "<absent>" when the token lacks it.
func val(c googlecse.Claim[string]) string {
	if !c.Present {
		return "<absent>"
	}
	return c.Value
}
