// Command proconnect is a web app logging French public agents in with
// ProConnect through Sesame's oidc package.
//
//	go run ./examples/proconnect                # against a local fake ProConnect
//	PROCONNECT_CLIENT_ID=… PROCONNECT_CLIENT_SECRET=… go run ./examples/proconnect -integration
//
// Open http://localhost:8080, follow "S’identifier avec ProConnect", pick an
// agent on the fake's page, and see the protected page with the agent's name and
// SIRET; "Se déconnecter" logs out at ProConnect too.
package main

import (
	"crypto/rand"
	"flag"
	"log"
	"net/http"
	"os"

	"github.com/sesame-go/sesame/examples/proconnect/app"
	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "listen address")
	integration := flag.Bool("integration", false, "use ProConnect's integration platform (PROCONNECT_CLIENT_ID/SECRET)")
	flag.Parse()
	base := "http://" + *addr
	cfg := oidc.Config{RedirectURL: base + "/auth/callback", PostLogoutRedirectURL: base + "/auth/logged-out"}
	if *integration {
		cfg.Host, cfg.ClientID, cfg.ClientSecret = oidc.Integration, os.Getenv("PROCONNECT_CLIENT_ID"), os.Getenv("PROCONNECT_CLIENT_SECRET")
	} else {
		fake, err := oidctest.New(oidctest.Config{Interactive: true})
		if err != nil {
			log.Fatal(err)
		}
		defer fake.Close()
		log.Printf("fake ProConnect at %s", fake.URL)
		cfg.Issuer, cfg.ProConnect, cfg.ClientID, cfg.ClientSecret, cfg.InsecureAllowHTTP = fake.Issuer, true, fake.ClientID(), fake.ClientSecret(), true
	}
	client, err := oidc.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	key := make([]byte, 32) // a real app loads it from its secrets, shared by its instances
	_, _ = rand.Read(key)
	a, err := app.New(app.Config{Client: client, FlowKey: key, InsecureCookie: true})
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on %s", base)
	log.Fatal(http.ListenAndServe(*addr, a))
}
