package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/sesame-go/sesame/examples/kacls/kacls"
	"github.com/sesame-go/sesame/jwtverify/googlecse"
	"github.com/sesame-go/sesame/jwtverify/googlecse/googlecsetest"
)

// The demo KACLS's tenant.
const (
	kaclsTenant   = "025f02fe-bee2-444b-bf76-b5ead30327c0"
	kaclsResource = "//googleapis.com/drive/files/1OJsaKJM5JES1yi79QCKx-13wOR1i8JPU"
	kaclsDEK      = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
)

// auditLog keeps the last audit records, as JSON.
type auditLog struct {
	mu   sync.Mutex
	recs []string
}

// Audit records one verification.
func (l *auditLog) Audit(_ context.Context, rec *googlecse.AuditRecord) {
	b, _ := json.MarshalIndent(rec, "", "  ")
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, string(b))
	if len(l.recs) > 12 {
		l.recs = l.recs[len(l.recs)-12:]
	}
}

// take returns and forgets the records.
func (l *auditLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.recs
	l.recs = nil
	return out
}

// kacls wires an example Google CSE key service against the fake IdP and
// Google token issuer.
func (a *App) kacls(context.Context) error {
	fake, err := googlecsetest.New(googlecsetest.Config{})
	if err != nil {
		return err
	}
	a.closers = append(a.closers, fake.Close)
	kaclsURL := a.cfg.BaseURL + "/kacls/service/" + kaclsTenant
	tenants, err := googlecse.NewInsecureTenantMap(googlecse.Tenant{ID: kaclsTenant, KACLSURL: kaclsURL,
		IdPs: []googlecse.IdP{{CSEConfigurationURL: fake.CSEConfigurationURL()}}})
	if err != nil {
		return err
	}
	audit := &auditLog{}
	v, err := googlecse.New(googlecse.Config{Tenants: tenants, Auditor: audit, HTTPClient: fake.Client(),
		GoogleKeysURL: fake.GoogleKeysURL(), Logger: a.cfg.Logger})
	if err != nil {
		return err
	}
	svc, err := kacls.New(v, randomKey(32))
	if err != nil {
		return err
	}
	service := http.StripPrefix("/kacls/service", svc.Handler())
	a.mux.Handle("POST /kacls/service/", service)
	call := func(r *http.Request, op, role, field, value string) (int, map[string]any) {
		authz, _ := fake.MintAuthorization(googlecse.IssuerDrive, map[string]any{"email": "alice@example.com", "role": role,
			"kacls_url": kaclsURL, "resource_name": kaclsResource})
		body, _ := json.Marshal(map[string]string{"authentication": fake.MintAuthentication("alice@example.com", nil),
			"authorization": authz, field: value, "reason": "démonstration"})
		req := httptest.NewRequest(http.MethodPost, "/kacls/service/"+kaclsTenant+"/"+op, bytes.NewReader(body)).WithContext(r.Context())
		rec := httptest.NewRecorder()
		service.ServeHTTP(rec, req)
		var out map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		return rec.Code, out
	}
	a.mux.HandleFunc("GET /kacls", func(w http.ResponseWriter, r *http.Request) {
		a.render(w, r, http.StatusOK, "kacls", "Google CSE", map[string]any{"DEK": kaclsDEK, "Resource": kaclsResource})
	})
	a.post("/kacls/essai", func(w http.ResponseWriter, r *http.Request) {
		audit.take()
		data := map[string]any{"DEK": kaclsDEK, "Resource": kaclsResource, "Op": r.FormValue("op")}
		var code int
		var out map[string]any
		switch r.FormValue("op") {
		case "wrap":
			code, out = call(r, "wrap", "writer", "key", kaclsDEK)
		case "unwrap":
			code, out = call(r, "unwrap", "reader", "wrapped_key", r.FormValue("wrapped_key"))
		case "wrap-reader":
			code, out = call(r, "wrap", "reader", "key", kaclsDEK)
		default:
			a.fail(w, r, http.StatusBadRequest, nil)
			return
		}
		pretty, _ := json.MarshalIndent(out, "", "  ")
		data["Status"], data["Answer"], data["Audit"] = code, string(pretty), audit.take()
		if wk, ok := out["wrapped_key"].(string); ok {
			data["Wrapped"] = wk
		} else {
			data["Wrapped"] = r.FormValue("wrapped_key")
		}
		a.render(w, r, http.StatusOK, "kacls", "Google CSE", data)
	})
	return nil
}
