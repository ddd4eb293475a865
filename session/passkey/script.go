package passkey

import (
	"embed"
	"net/http"
)

//go:embed static/passkey.js
var static embed.FS // read-only

// Script serves the browser module (static/passkey.js, an ES module without
// build step or dependency) that runs both ceremonies against Handler's
// endpoints: registration, login with a username or a discoverable passkey,
// and passkey autofill (conditional mediation) in a username field.
func Script() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := static.ReadFile("static/passkey.js")
		if err != nil {
			http.Error(w, "missing script", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(b)
	})
}
