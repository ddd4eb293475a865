// Command kacls is an example Google Workspace CSE key service (KACLS) on
// Sesame's googlecse package: POST /{tenant}/wrap and /{tenant}/unwrap verify
// the authentication and authorization tokens of every call, write the audit
// record of each verification as a JSON line, and wrap keys with an in-memory
// AES-256-GCM key.
//
//	go run ./examples/kacls    # against an in-process fake IdP and Google issuer
//
// It prints a ready-made wrap request for curl.
package main

import (
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/sesame-go/sesame/examples/kacls/kacls"
	"github.com/sesame-go/sesame/jwtverify/googlecse"
	"github.com/sesame-go/sesame/jwtverify/googlecse/googlecsetest"
)

const tenantID = "025f02fe-bee2-444b-bf76-b5ead30327c0"

func main() {
	addr := flag.String("addr", "127.0.0.1:8443", "listen address")
	flag.Parse()
	fake, err := googlecsetest.New(googlecsetest.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()
	base := "http://" + *addr
	tenants, err := googlecse.NewInsecureTenantMap(googlecse.Tenant{ID: tenantID, KACLSURL: base + "/" + tenantID,
		IdPs: []googlecse.IdP{{CSEConfigurationURL: fake.CSEConfigurationURL()}}})
	if err != nil {
		log.Fatal(err)
	}
	v, err := googlecse.New(googlecse.Config{Tenants: tenants, Auditor: googlecse.NewJSONAuditor(os.Stdout),
		HTTPClient: fake.Client(), GoogleKeysURL: fake.GoogleKeysURL()})
	if err != nil {
		log.Fatal(err)
	}
	key := make([]byte, 32) // a real KACLS keeps its key in an HSM or KMS
	_, _ = rand.Read(key)
	svc, err := kacls.New(v, key)
	if err != nil {
		log.Fatal(err)
	}
	authz, _ := fake.MintAuthorization(googlecse.IssuerDrive, map[string]any{"email": "alice@example.com", "role": "writer",
		"kacls_url": base + "/" + tenantID, "resource_name": "//googleapis.com/drive/files/demo"})
	body, _ := json.Marshal(map[string]string{"authentication": fake.MintAuthentication("alice@example.com", nil),
		"authorization": authz, "key": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "reason": "demo"})
	fmt.Printf("KACLS on %s; try:\n  curl -s -X POST %s/%s/wrap -d '%s'\n", base, base, tenantID, body)
	log.Fatal(http.ListenAndServe(*addr, svc.Handler()))
}
