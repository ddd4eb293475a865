package readmetest

// The packages the README's blocks import, imported here too so that building
// this test compiles them first: the go build that compiles the blocks (with
// the same -race setting as this test) then finds them in the build cache
// instead of compiling the whole module a second time.
import (
	_ "github.com/redis/go-redis/v9"
	_ "github.com/sesame-go/sesame/certcache"
	_ "github.com/sesame-go/sesame/hosting"
	_ "github.com/sesame-go/sesame/jwtverify"
	_ "github.com/sesame-go/sesame/jwtverify/beswarm"
	_ "github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest"
	_ "github.com/sesame-go/sesame/jwtverify/googlecse"
	_ "github.com/sesame-go/sesame/jwtverify/googlecse/googlecsetest"
	_ "github.com/sesame-go/sesame/jwtverify/jwttest"
	_ "github.com/sesame-go/sesame/oidc"
	_ "github.com/sesame-go/sesame/oidc/oidctest"
	_ "github.com/sesame-go/sesame/session"
	_ "github.com/sesame-go/sesame/session/passkey"
)
