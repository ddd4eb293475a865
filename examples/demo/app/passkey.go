package app

import (
	"context"
	"net/http"
)

// passkeys wires the passkey pages (session/passkey).
func (a *App) passkeys(context.Context) error {
	a.mux.HandleFunc("GET /passkey", func(w http.ResponseWriter, r *http.Request) {
		a.render(w, r, http.StatusOK, "passkey", "Clés d’accès", nil)
	})
	return nil
}
