package app

import (
	"context"
	"net/http"
)

// home serves the welcome page.
func (a *App) home(context.Context) error {
	a.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		storage := "en mémoire"
		if a.cfg.Redis != nil {
			storage = "Redis (sessions DB 2, certificats DB 0, jetons d’hébergement DB 3)"
		}
		a.render(w, r, http.StatusOK, "home", "Sesame : démonstration", map[string]any{"Storage": storage})
	})
	return nil
}
