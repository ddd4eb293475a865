// Command passkey is a small app logging users in with passkeys on Sesame's
// session/passkey: sign up with a passkey, log in with it (autofill in the
// user name field, or the button), add another, log out.
//
//	go run ./examples/passkey                      # in-memory users and sessions
//	go run ./examples/passkey -addr localhost:9000
//
// Then open http://localhost:8080/ (localhost is a secure context, so WebAuthn
// works over plain HTTP there; the session cookie is not Secure for that
// reason: never do this elsewhere).
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/sesame-go/sesame/examples/passkey/app"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "listen address (host must be localhost)")
	flag.Parse()
	_, port, err := net.SplitHostPort(*addr)
	if err != nil {
		log.Fatal(err)
	}
	h, err := app.New(app.Config{RPID: "localhost", Origin: "http://localhost:" + port, InsecureCookie: true})
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	log.Printf("listening on http://localhost:%s/", port)
	log.Fatal(srv.ListenAndServe())
}
