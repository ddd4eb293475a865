package oidc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/sesame-go/sesame/internal/browser"
	"github.com/sesame-go/sesame/internal/ratelog"
	"github.com/sesame-go/sesame/jwtverify"
)

// HandlerConfig wires the login and logout handlers into an app. OnLogin is
// required; the other hooks have the defaults stated beside them.
type HandlerConfig struct {
	// Flows keeps login and logout flows; default a CookieFlowStore sealed with
	// FlowKey.
	Flows FlowStore
	// FlowKey is the 32-byte key of the default CookieFlowStore.
	FlowKey []byte
	// InsecureCookie makes the default CookieFlowStore work over plain http
	// (local development only).
	InsecureCookie bool
	// TrustedOrigins are the origins besides the request's own whose logout
	// POSTs Logout accepts (a page of "https://www.example.com" logging out of
	// "https://app.example.com"); default none: every cross-origin logout is
	// refused, same-site siblings included. Each is spelled as browsers send
	// the Origin header: scheme://host[:port], lower case, no default port, no
	// path; NewHandlers refuses another spelling (ErrConfig). Give it the same
	// list as session.Config.TrustedOrigins.
	TrustedOrigins []string

	// OnLogin establishes the app's session for a verified login (the session
	// package plugs in here). The handler then redirects to Login.ReturnTo; an
	// error goes to ErrorHandler instead.
	OnLogin func(w http.ResponseWriter, r *http.Request, l *Login) error
	// LoggedIn tells RequireLogin whether the request has a session; default:
	// never (every request is sent to login).
	LoggedIn func(r *http.Request) bool
	// OnLogout ends the app's session and returns the raw ID token of that session
	// for id_token_hint ("" for none); default: no local session, no hint.
	OnLogout func(w http.ResponseWriter, r *http.Request) (idTokenHint string)
	// AfterLogout answers the return from ProConnect's logout; default: 303 to "/".
	AfterLogout func(w http.ResponseWriter, r *http.Request)
	// OnSilentLoginFailed answers a prompt=none login that ProConnect answered
	// with login_required; default: 303 to the return path, still logged out.
	OnSilentLoginFailed func(w http.ResponseWriter, r *http.Request, returnTo string)
	// ErrorHandler answers every failed login or logout (bad state, ProConnect error
	// such as access_denied as a *ProviderError, invalid token, …); default: a
	// short plain-text page with 400, 403 for provider errors, 503 when ProConnect
	// is unreachable. Never 500, never the internal error text.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Sessions, when set, is the app's session index (a *session.Manager):
	// Callback tags each login's session with its provider session and user,
	// and BackChannelLogout ends the sessions a logout token names, on every
	// instance of the app (see SessionIndex). Default nil: the app ends its
	// sessions itself in OnBackChannelLogout.
	Sessions SessionIndex
	// OnBackChannelLogout ends the app's sessions a verified back-channel
	// logout token names: every session of lt.Issuer with lt.SessionID when
	// it is set, else every session of lt.Subject. It runs after Sessions
	// ended its sessions, if set; BackChannelLogout needs one of the two. An
	// error makes it answer 400 temporarily_unavailable (the provider may
	// retry).
	OnBackChannelLogout func(ctx context.Context, lt *LogoutToken) error
	// AuthOptions adds options to each login request (e.g. WithPrompt(PromptNone)
	// for some requests); default none.
	AuthOptions func(r *http.Request) []AuthOption
	// Logger receives one Info line per refused login or logout (the reason,
	// the failed check and the client address; never a token or code), at
	// most 10 a second with bursts of 20 (the next line says how many were
	// left out), and one Debug line per login; nil discards.
	Logger *slog.Logger
}

// Handlers are the HTTP endpoints of a ProConnect login: mount Login, Callback
// (at the RedirectURL path), Logout and LogoutCallback (at the
// PostLogoutRedirectURL path), and wrap protected routes in RequireLogin.
type Handlers struct {
	c       *Client
	cfg     HandlerConfig
	limiter *ratelog.Limiter
	guard   *browser.Guard // refuses cross-origin, non-form and non-POST logouts
}

// NewHandlers checks cfg and returns the handlers.
func NewHandlers(c *Client, cfg HandlerConfig) (*Handlers, error) {
	if c == nil || cfg.OnLogin == nil {
		return nil, fmt.Errorf("%w: a Client and HandlerConfig.OnLogin are required", ErrConfig)
	}
	guard, err := browser.NewGuard(cfg.TrustedOrigins)
	if err != nil {
		return nil, fmt.Errorf("%w: TrustedOrigins: %w", ErrConfig, err)
	}
	cfg.TrustedOrigins = slices.Clone(cfg.TrustedOrigins)
	if cfg.Flows == nil {
		s, err := NewCookieFlowStore(CookieFlowStoreConfig{Key: cfg.FlowKey, InsecureCookie: cfg.InsecureCookie, Now: c.cfg.Now})
		if err != nil {
			return nil, err
		}
		cfg.Flows = s
	}
	cfg.FlowKey = nil
	if cfg.LoggedIn == nil {
		cfg.LoggedIn = func(*http.Request) bool { return false }
	}
	if cfg.OnLogout == nil {
		cfg.OnLogout = func(http.ResponseWriter, *http.Request) string { return "" }
	}
	if cfg.AfterLogout == nil {
		cfg.AfterLogout = func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/", http.StatusSeeOther) }
	}
	if cfg.OnSilentLoginFailed == nil {
		cfg.OnSilentLoginFailed = func(w http.ResponseWriter, r *http.Request, to string) { http.Redirect(w, r, to, http.StatusSeeOther) }
	}
	if cfg.ErrorHandler == nil {
		name := "the identity provider"
		if c.cfg.ProConnect {
			name = "ProConnect"
		}
		cfg.ErrorHandler = defaultErrorHandler(name)
	}
	cfg.Logger = orDiscard(cfg.Logger)
	return &Handlers{c: c, cfg: cfg, limiter: ratelog.New(0, 0), guard: guard}, nil
}

// Login starts a login: GET /login?return_to=/path redirects to ProConnect. A
// return_to that is not a same-origin path is replaced by "/".
func (h *Handlers) Login() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		to, err := SafeReturnPath(r.URL.Query().Get("return_to"))
		if err != nil {
			h.limiter.Log(r.Context(), h.cfg.Logger, slog.LevelInfo, "oidc: return_to refused", "reason", Reason(err), "client", r.RemoteAddr)
			to = "/"
		}
		h.startLogin(w, r, to)
	})
}

// startLogin saves a new flow and redirects the browser to ProConnect.
func (h *Handlers) startLogin(w http.ResponseWriter, r *http.Request, returnTo string) {
	var opts []AuthOption
	if h.cfg.AuthOptions != nil {
		opts = h.cfg.AuthOptions(r)
	}
	u, f, err := h.c.AuthURL(r.Context(), opts...)
	f.ReturnTo = returnTo
	h.redirectWithFlow(w, r, u, f, err)
}

// redirectWithFlow saves f and sends the browser to u, or fails with err.
func (h *Handlers) redirectWithFlow(w http.ResponseWriter, r *http.Request, u string, f Flow, err error) {
	if err == nil {
		err = h.cfg.Flows.Save(w, r, f)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// Callback completes a login at the RedirectURL: it takes the flow of the state
// (once), then calls OnLogin, tags the session (HandlerConfig.Sessions) and
// redirects to the return path, or hands the
// failure to OnSilentLoginFailed or ErrorHandler. The agent is never logged in on
// failure.
func (h *Handlers) Callback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		q := r.URL.Query()
		f, err := h.cfg.Flows.Take(w, r, q.Get("state"))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		l, err := h.c.Complete(r.Context(), f, q)
		if err != nil {
			if f.Silent && errors.Is(err, ErrLoginRequired) {
				h.cfg.OnSilentLoginFailed(w, r, orRoot(f.ReturnTo))
				return
			}
			h.fail(w, r, err)
			return
		}
		l.ReturnTo = orRoot(l.ReturnTo)
		if err := h.cfg.OnLogin(w, r, l); err != nil {
			h.fail(w, r, err)
			return
		}
		if err := h.tagLogin(r, l); err != nil {
			h.fail(w, r, err)
			return
		}
		h.cfg.Logger.DebugContext(r.Context(), "oidc: login", "sub", l.Agent.Sub, "acr", l.IDToken.ACR, "client", r.RemoteAddr)
		http.Redirect(w, r, l.ReturnTo, http.StatusSeeOther)
	})
}

// Logout ends the local session (OnLogout) and redirects to the provider's
// end_session_endpoint; a provider without one gets AfterLogout at once (the
// local logout is all there is). It takes a form POST only (application/x-www-form-urlencoded
// or multipart/form-data, what <form method="post"> sends) from the app's own
// origin or one of TrustedOrigins, Sesame's rule for every handler that changes
// state: a GET is refused with 405, a cross-origin POST (by Sec-Fetch-Site, or
// Origin against Host; a same-site sibling host too) with 403, another media
// type (text/plain, none) with 415, so that neither a link, nor a cross-site
// or sibling page, can log the agent out.
func (h *Handlers) Logout() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h.guard.Check(r, browser.FormTypes()...); err != nil {
			h.limiter.Log(r.Context(), h.cfg.Logger, slog.LevelInfo, "oidc: logout refused", "client", r.RemoteAddr, "err", err)
			status := browser.Status(err)
			if status == http.StatusMethodNotAllowed {
				w.Header().Set("Allow", http.MethodPost)
			}
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, map[int]string{
				http.StatusMethodNotAllowed:     "method not allowed",
				http.StatusForbidden:            "cross-origin request refused",
				http.StatusUnsupportedMediaType: "a form POST is required",
			}[status], status)
			return
		}
		hint := h.cfg.OnLogout(w, r)
		u, f, err := h.c.LogoutURL(r.Context(), hint)
		if errors.Is(err, ErrUnsupported) { // no RP-initiated logout: the local one is all there is
			w.Header().Set("Cache-Control", "no-store")
			h.cfg.AfterLogout(w, r)
			return
		}
		h.redirectWithFlow(w, r, u, f, err)
	})
}

// LogoutCallback answers ProConnect's redirect after logout at the
// PostLogoutRedirectURL, checking its state, then calls AfterLogout.
func (h *Handlers) LogoutCallback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		state := r.URL.Query().Get("state")
		f, err := h.cfg.Flows.Take(w, r, state)
		if err == nil {
			err = CheckState(f, state, true)
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.cfg.AfterLogout(w, r)
	})
}

// RequireLogin passes requests with a session (LoggedIn) to next; it sends other
// GET and HEAD requests to ProConnect, coming back to the same path, and answers
// the rest with 401.
func (h *Handlers) RequireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.cfg.LoggedIn(r) {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "login required", http.StatusUnauthorized)
			return
		}
		to, err := SafeReturnPath(r.URL.RequestURI())
		if err != nil {
			to = "/"
		}
		h.startLogin(w, r, to)
	})
}

// fail logs err (at Info, rate-limited: an attack does not flood the log) and
// hands it to ErrorHandler.
func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.limiter.Log(r.Context(), h.cfg.Logger, slog.LevelInfo, "oidc: login or logout refused",
		"reason", Reason(err), "check", jwtverify.Reason(err), "client", r.RemoteAddr, "err", err)
	h.cfg.ErrorHandler(w, r, err)
}

// Reason names the sentinel of this package err wraps, for logs and metrics
// ("oidc: invalid state"), or "other".
func Reason(err error) string {
	for _, s := range []error{
		ErrMixUp, ErrState, ErrFlowCorrupt, ErrProvider, ErrLoginRequired, ErrBusy, ErrUnavailable,
		ErrIssuerMismatch, ErrEndpoint, ErrDiscovery, ErrTooLarge, ErrTokenEndpoint, ErrNonce,
		ErrAuthorizedParty, ErrAtHash, ErrACR, ErrAuthTime, ErrIDToken, ErrSubject, ErrUserInfo, ErrRedirect,
		ErrLogoutToken, ErrPAR, ErrUnsupported, ErrOption, ErrNoRefreshToken, ErrConfig,
	} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "other"
}

// defaultErrorHandler answers with a status chosen by the error's kind and a
// generic text naming the provider.
func defaultErrorHandler(provider string) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, _ *http.Request, err error) {
		switch {
		case errors.Is(err, ErrUnavailable), errors.Is(err, ErrBusy):
			http.Error(w, provider+" is unavailable, try again later", http.StatusServiceUnavailable)
		case errors.Is(err, ErrProvider):
			http.Error(w, "login refused by "+provider, http.StatusForbidden)
		default:
			http.Error(w, "login failed", http.StatusBadRequest)
		}
	}
}

// orRoot returns to, or "/" when empty.
func orRoot(to string) string {
	if to == "" {
		return "/"
	}
	return to
}
