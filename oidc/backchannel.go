package oidc

import (
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
)

// maxLogoutRequest bounds the body of a back-channel logout request.
const maxLogoutRequest = 64 << 10

// BackChannelLogout answers the provider's back-channel logout requests at
// the registered backchannel_logout_uri (OpenID Connect Back-Channel Logout
// 1.0): a form POST with one logout_token, verified by VerifyLogoutToken, then
// whose sessions are ended by HandlerConfig.Sessions (every instance of the
// app), then OnBackChannelLogout. It answers as §2.8 says: 200 once the
// sessions were ended, else 400 with a JSON error (invalid_request for a
// refused token or request, temporarily_unavailable when the provider's keys,
// Config.LogoutIDs, Sessions or OnBackChannelLogout failed: the token's jti
// is then released so the provider's retry is accepted); always
// Cache-Control: no-store. Server to server: no cookie and no browser rule;
// the token's signature is the authentication. Without Sessions and
// OnBackChannelLogout every request is answered 400 (a logout that ends
// nothing must not look successful).
//
// A 200 is final: no request of the ended sessions that started before it
// leaves a live session behind, on any instance, and a login of that
// provider session still under way fails (see session.Manager.EndTagged).
func (h *Handlers) BackChannelLogout() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			h.backChannelError(w, r, http.StatusMethodNotAllowed, "invalid_request", "POST only", nil)
			return
		}
		raw, msg := logoutTokenParam(w, r)
		if msg != "" {
			h.backChannelError(w, r, http.StatusBadRequest, "invalid_request", msg, nil)
			return
		}
		if h.cfg.OnBackChannelLogout == nil && h.cfg.Sessions == nil {
			h.backChannelError(w, r, http.StatusBadRequest, "invalid_request", "back-channel logout is not supported", nil)
			return
		}
		lt, err := h.c.VerifyLogoutToken(r.Context(), raw)
		if err == nil {
			if err = h.endSessions(r.Context(), lt); err != nil {
				h.forget(r, lt)
			}
		}
		switch {
		case err == nil:
			w.WriteHeader(http.StatusOK)
		case errors.Is(err, ErrLogoutToken) && !errors.Is(err, ErrUnavailable) && !errors.Is(err, ErrBusy):
			h.backChannelError(w, r, http.StatusBadRequest, "invalid_request", "invalid logout token", err)
		default:
			h.backChannelError(w, r, http.StatusBadRequest, "temporarily_unavailable", "the logout could not be completed", err)
		}
	})
}

// forget releases the jti of lt, whose sessions could not be ended, so that
// the provider's retry is not refused as a replay.
func (h *Handlers) forget(r *http.Request, lt *LogoutToken) {
	if err := h.c.ForgetLogoutToken(r.Context(), lt); err != nil {
		h.cfg.Logger.WarnContext(r.Context(), "oidc: a failed back-channel logout's jti could not be released; the provider's retry will be refused", "err", err)
	}
}

// logoutTokenParam reads the one logout_token of a form POST, or says why
// the request is refused.
func logoutTokenParam(w http.ResponseWriter, r *http.Request) (string, string) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return "", "application/x-www-form-urlencoded expected"
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLogoutRequest)
	if err := r.ParseForm(); err != nil {
		return "", "malformed or oversized form"
	}
	tokens := r.PostForm["logout_token"]
	if len(tokens) != 1 || tokens[0] == "" {
		return "", "exactly one logout_token is required"
	}
	return tokens[0], ""
}

// backChannelError answers a back-channel logout error as JSON (RFC 6749
// §5.2's shape) and logs why, rate-limited.
func (h *Handlers) backChannelError(w http.ResponseWriter, r *http.Request, status int, code, desc string, err error) {
	if err != nil {
		h.limiter.Log(r.Context(), h.cfg.Logger, slog.LevelInfo, "oidc: back-channel logout refused",
			"reason", Reason(err), "client", r.RemoteAddr, "err", err)
	}
	body, _ := json.Marshal(map[string]string{"error": code, "error_description": desc}) // strings: cannot fail
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
