package oidctest_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/sesame-go/sesame/oidc/oidctest"
)

// The fake publishes ProConnect's discovery document.
func Example() {
	fake, err := oidctest.New(oidctest.Config{})
	if err != nil {
		panic(err)
	}
	defer fake.Close()
	resp, err := http.Get(fake.URL + oidctest.PathDiscovery)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var md struct {
		Issuer     string `json:"issuer"`
		EndSession string `json:"end_session_endpoint"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&md)
	fmt.Println(md.Issuer == fake.Issuer, md.EndSession == fake.URL+"/api/v2/session/end", resp.Header.Get("Cache-Control"))
	fmt.Println(fake.Count(oidctest.PathDiscovery), "request recorded")
	// Output:
	// true true max-age=600
	// 1 request recorded
}
