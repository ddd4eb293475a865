package session

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/sesame-go/sesame/internal/browser"
)

// Media types Protect and CheckRequest take.
const (
	// MediaJSON is a JSON body (what session/passkey's ceremonies take).
	MediaJSON = browser.JSON
	// MediaForm is an HTML form's default body.
	MediaForm = browser.Form
	// MediaMultipart is an HTML form's body with enctype="multipart/form-data".
	MediaMultipart = browser.Multipart
)

// CheckRequest applies Sesame's rule for a handler that changes state (logs
// in or out, signs up, writes the session) to r, and returns nil when r
// passes:
//
//   - a POST, never a GET or another method (ErrMethod);
//   - from the request's own origin or one of Config.TrustedOrigins
//     (ErrCrossOrigin), by Go's http.CrossOriginProtection: Sec-Fetch-Site
//     "same-origin" or "none", or without it (browsers before 2023) an Origin
//     whose host is the request's Host; a request with neither header is not a
//     browser's and passes. A same-site sibling host (blog.example.com posting
//     to app.example.com) is cross-origin and refused;
//   - whose one Content-Type names one of mediaTypes, parameters aside
//     (ErrContentType); none given means the form types, MediaForm and
//     MediaMultipart. text/plain is never one of them, so a body a cross-site
//     page posts without a CORS preflight is never read as JSON.
//
// The error wraps ErrMethod, ErrCrossOrigin or ErrContentType, checked in that
// order.
func (m *Manager) CheckRequest(r *http.Request, mediaTypes ...string) error {
	if len(mediaTypes) == 0 {
		mediaTypes = browser.FormTypes()
	}
	err := m.guard.Check(r, mediaTypes...)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, browser.ErrMethod):
		return fmt.Errorf("%w: %w", ErrMethod, err)
	case errors.Is(err, browser.ErrCrossOrigin):
		return fmt.Errorf("%w: %w", ErrCrossOrigin, err)
	default:
		return fmt.Errorf("%w: %w", ErrContentType, err)
	}
}

// Protect runs next only for a request CheckRequest(r, mediaTypes...) lets
// through, before the session is read; it hands any other to
// Config.ErrorHandler (by default 405 with Allow: POST, 403 or 415) and logs
// it at Info, at most 10 lines a second. Wrap every handler that changes
// state in it (or call CheckRequest first), inside or outside Middleware:
//
//	mux.Handle("POST /login", sessions.Protect(login))  // an HTML form
//	mux.Handle("POST /api/cart", sessions.Protect(cart, session.MediaJSON))
func (m *Manager) Protect(next http.Handler, mediaTypes ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := m.CheckRequest(r, mediaTypes...); err != nil {
			m.limiter.Log(r.Context(), m.cfg.Logger, slog.LevelInfo, "session: request refused",
				"path", r.URL.Path, "client", r.RemoteAddr, "err", err)
			if errors.Is(err, ErrMethod) {
				w.Header().Set("Allow", http.MethodPost)
			}
			m.cfg.ErrorHandler(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}
