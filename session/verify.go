package session

import (
	"errors"
	"log/slog"
	"net/http"
)

// VerifyHandler answers a reverse proxy's authentication subrequest (nginx
// auth_request) from the mgsession cookie: 200 with X-Auth: 1, X-User-Id and
// X-User-Name for a live session; 401 without one; 503 when Redis or the cookie
// secret is unavailable. Every answer carries Cache-Control: no-store and no
// body. With optional set (MilleGrilles' "noauth" variant) an anonymous request
// gets 200 with X-Auth: 0 instead of 401.
func (g *MGSessions) VerifyHandler(optional bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		rec, err := g.Authenticate(r)
		switch {
		case err == nil:
			h.Set("X-Auth", "1")
			h.Set("X-User-Id", rec.UserID)
			h.Set("X-User-Name", rec.NomUsager)
			w.WriteHeader(http.StatusOK)
		case errors.Is(err, ErrUnavailable) || errors.Is(err, ErrSecret):
			g.cfg.Logger.LogAttrs(r.Context(), slog.LevelError, "mgsession verify unavailable", errAttr(err))
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			if !errors.Is(err, ErrNotFound) {
				g.cfg.Logger.LogAttrs(r.Context(), slogWarn, "mgsession rejected", errAttr(err))
			}
			if optional {
				h.Set("X-Auth", "0")
				w.WriteHeader(http.StatusOK)
				return
			}
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
}
