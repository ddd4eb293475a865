package oidctest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// authRequest is a validated authorization request.
type authRequest struct {
	redirectURI string
	state       string
	nonce       string
	challenge   string
	scopes      []string
	acr         []string // essential values asked through claims or acr_values
	amr         bool
	maxAge      int       // max_age in seconds, -1 when absent
	expires     time.Time // for a pending interactive login
}

// sessionCookie is the fake's own session at "ProConnect", for prompt=none.
const sessionCookie = "fake_proconnect_session"

// authorize validates an authorization request, then logs an agent in at once,
// shows the picking page, or redirects back with an error, as ProConnect does.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	q := r.Form
	if s.cfg.Generic {
		var msg string
		if q, msg = s.pushedParams(q); msg != "" {
			http.Error(w, msg, http.StatusBadRequest)
			return
		}
	}
	if p := s.unknownParam(q); p != "" { // ProConnect answers Y000400 on its own page
		http.Error(w, "Y000400: Bad Request Exception: unexpected parameter "+p, http.StatusBadRequest)
		return
	}
	if h := q.Get("login_hint"); !s.cfg.Generic && q.Has("login_hint") && !isEmail(h) {
		http.Error(w, "Y000400: Bad Request Exception: login_hint must be an email address", http.StatusBadRequest)
		return
	}
	if q.Get("client_id") != s.cfg.ClientID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	ru := q.Get("redirect_uri")
	if u, err := url.Parse(ru); err != nil || !u.IsAbs() || !registered(s.cfg.RedirectURIs, ru) {
		http.Error(w, "redirect_uri is not registered", http.StatusBadRequest)
		return
	}
	req, code, desc := s.parseAuthorize(q)
	if code == "" && s.currentFaults().AccessDenied {
		code, desc = "access_denied", "the agent refused"
	}
	if code != "" {
		s.redirectError(w, r, ru, q.Get("state"), code, desc)
		return
	}
	prompts := strings.Fields(q.Get("prompt"))
	agent, hasSession := s.session(r)
	switch {
	case slices.Contains(prompts, "none") && !hasSession:
		s.redirectError(w, r, ru, req.state, "login_required", "no session")
	case hasSession && !slices.Contains(prompts, "login") && req.maxAge != 0:
		s.issueCode(w, r, req, agent)
	case s.cfg.Interactive:
		s.showPicker(w, req)
	default:
		s.issueCode(w, r, req, s.agentFor(q.Get("login_hint")))
	}
}

// parseAuthorize checks the parameters; code is an OAuth error code when they are
// wrong.
func (s *Server) parseAuthorize(q url.Values) (req *authRequest, code, desc string) {
	req = &authRequest{redirectURI: q.Get("redirect_uri"), state: q.Get("state"), nonce: q.Get("nonce"),
		challenge: q.Get("code_challenge"), scopes: strings.Fields(q.Get("scope")), maxAge: -1}
	if v := q.Get("max_age"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, "invalid_request", "max_age must be a non-negative integer"
		}
		req.maxAge = n
	}
	if s.cfg.AuthMethod == "none" && req.challenge == "" {
		return nil, "invalid_request", "a public client must use PKCE"
	}
	switch {
	case q.Get("response_type") != "code":
		return nil, "unsupported_response_type", "response_type must be code"
	case !slices.Contains(req.scopes, "openid"):
		return nil, "invalid_scope", "openid is mandatory"
	case len(req.state) < 32:
		return nil, "invalid_request", "state must be at least 32 characters"
	case len(req.nonce) < 32:
		return nil, "invalid_request", "nonce must be at least 32 characters"
	case !printable(req.state) || !printable(req.nonce):
		return nil, "invalid_request", "state and nonce must be printable UTF-8"
	case req.challenge != "" && (q.Get("code_challenge_method") != "S256" || len(req.challenge) != 43):
		return nil, "invalid_request", "code_challenge must be S256"
	case q.Has("siret_hint") && !isSIRET(q.Get("siret_hint")):
		return nil, "invalid_request", "siret_hint must be 14 digits"
	}
	if c := q.Get("claims"); c != "" {
		var claims struct {
			IDToken map[string]*struct {
				Essential bool     `json:"essential"`
				Value     *string  `json:"value"`
				Values    []string `json:"values"`
			} `json:"id_token"`
		}
		if err := json.Unmarshal([]byte(c), &claims); err != nil {
			return nil, "invalid_request", "claims is not valid JSON"
		}
		if a := claims.IDToken["acr"]; a != nil {
			req.acr = a.Values
			if a.Value != nil { // ProConnect's documentation asks with "value"
				req.acr = append(req.acr, *a.Value)
			}
		}
		_, req.amr = claims.IDToken["amr"] // {"amr":null} asks for it too, as ProConnect documents
	}
	if v := q.Get("acr_values"); v != "" {
		s.cfg.Logger.Warn("oidctest: acr_values is deprecated; use the claims parameter")
		if req.acr == nil {
			req.acr = strings.Fields(v)
		}
	}
	return req, "", ""
}

// redirectError sends the browser back to the client with an OAuth error.
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state, code, desc string) {
	p := url.Values{"error": {code}, "error_description": {desc}}
	s.setCallbackIss(p)
	if state != "" {
		p.Set("state", state)
	}
	http.Redirect(w, r, appendQuery(redirectURI, p), http.StatusSeeOther)
}

// issueCode stores a 60-second code for agent, opens the fake session, and
// redirects back with code, state and iss.
func (s *Server) issueCode(w http.ResponseWriter, r *http.Request, req *authRequest, agent int) {
	now := s.cfg.Now()
	code := randomToken()
	sid := randomToken()
	s.mu.Lock()
	s.codes[code] = &grant{req: req, agent: agent, sid: sid, authTime: now, expires: now.Add(codeTTL)}
	s.sessions[sid] = agent
	s.lastSID = sid
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: s.cookiePath(), HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	p := url.Values{"code": {code}, "state": {req.state}}
	s.setCallbackIss(p)
	http.Redirect(w, r, appendQuery(req.redirectURI, p), http.StatusSeeOther)
}

// setCallbackIss adds the RFC 9207 iss parameter, as the faults ask.
func (s *Server) setCallbackIss(p url.Values) {
	f := s.currentFaults()
	switch {
	case f.NoCallbackIss:
	case f.CallbackIss != "":
		p.Set("iss", f.CallbackIss)
	default:
		p.Set("iss", s.Issuer)
	}
}

// session returns the agent of the fake session cookie, if any.
func (s *Server) session(r *http.Request) (int, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.sessions[c.Value]
	return a, ok
}

// agentFor returns the index of the agent with this email, else 0.
func (s *Server) agentFor(email string) int {
	for i, a := range s.cfg.Agents {
		if email != "" && strings.EqualFold(a.Email, email) {
			return i
		}
	}
	return 0
}

// pickerHTML lists the agents as plain links: it works without JavaScript.
const pickerHTML = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{{.Name}} (factice)</title></head>
<body><h1>{{.Name}} (factice) : choisissez {{.Who}}</h1><ul>
{{range .Items}}<li><a id="agent-{{.Index}}" href="{{.Href}}">{{.Name}} ({{.Email}})</a></li>
{{end}}</ul></body></html>`

// showPicker stores req and answers the page listing the agents.
func (s *Server) showPicker(w http.ResponseWriter, req *authRequest) {
	tx := randomToken()
	req.expires = s.cfg.Now().Add(10 * time.Minute)
	s.mu.Lock()
	s.pending[tx] = req
	s.mu.Unlock()
	type item struct {
		Index             int
		Href, Name, Email string
	}
	items := make([]item, len(s.cfg.Agents))
	for i, a := range s.cfg.Agents {
		href := s.Path(PathInteraction) + "?" + url.Values{"tx": {tx}, "agent": {strconv.Itoa(i)}}.Encode()
		items[i] = item{i, href, a.GivenName + " " + a.UsualName, a.Email}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	data := struct {
		Name, Who string
		Items     []item
	}{"ProConnect", "un agent", items}
	if s.cfg.Generic {
		data.Name, data.Who = "Fournisseur OpenID", "un utilisateur"
	}
	page := template.Must(template.New("pick").Parse(pickerHTML)) // a constant: cannot fail
	_ = page.Execute(w, data)
}

// pick completes an interactive login with the chosen agent.
func (s *Server) pick(w http.ResponseWriter, r *http.Request) {
	tx := r.URL.Query().Get("tx")
	agent, err := strconv.Atoi(r.URL.Query().Get("agent"))
	s.mu.Lock()
	req := s.pending[tx]
	delete(s.pending, tx)
	s.mu.Unlock()
	if req == nil || err != nil || agent < 0 || agent >= len(s.cfg.Agents) || s.cfg.Now().After(req.expires) {
		http.Error(w, "unknown or expired interaction", http.StatusBadRequest)
		return
	}
	s.issueCode(w, r, req, agent)
}

// endSession ends the fake session and redirects (303) to the registered
// post_logout_redirect_uri with the state. Like ProConnect (node-oidc-provider),
// it needs id_token_hint (an ID token it issued to this client) or client_id to
// know the client; a hint it did not issue, or a client_id of another client, is
// refused with 400, as are a missing state and an unregistered URI.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	state, to := r.Form.Get("state"), r.Form.Get("post_logout_redirect_uri")
	if u, err := url.Parse(to); state == "" || err != nil || !u.IsAbs() || !registered(s.cfg.PostLogoutRedirectURIs, to) {
		http.Error(w, "state and a registered post_logout_redirect_uri are required", http.StatusBadRequest)
		return
	}
	if msg := s.checkLogoutClient(r.Form.Get("id_token_hint"), r.Form.Get("client_id")); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.sessions, c.Value)
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: s.cookiePath(), MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil})
	http.Redirect(w, r, appendQuery(to, url.Values{"state": {state}}), http.StatusSeeOther)
}

// checkLogoutClient returns why a logout request does not identify the
// registered client, or "" when it does.
func (s *Server) checkLogoutClient(hint, clientID string) string {
	switch {
	case hint == "" && clientID == "":
		return "post_logout_redirect_uri can only be used in combination with id_token_hint or client_id"
	case clientID != "" && clientID != s.cfg.ClientID:
		return "unknown client_id"
	case hint == "":
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.idTokens[hint] {
		return "could not validate id_token_hint"
	}
	return ""
}

// authorizeParams are the parameters ProConnect's authorize endpoint accepts;
// any other is refused.
func authorizeParams() []string {
	return []string{"client_id", "response_type", "response_mode", "redirect_uri", "scope", "state", "nonce",
		"claims", "acr_values", "prompt", "login_hint", "idp_hint", "siret_hint", "code_challenge", "code_challenge_method"}
}

// unknownParam returns the first parameter of q ProConnect does not accept, or
// "" (a generic fake accepts any parameter).
func (s *Server) unknownParam(q url.Values) string {
	if s.cfg.Generic {
		return ""
	}
	for k := range q {
		if !slices.Contains(authorizeParams(), k) {
			return k
		}
	}
	return ""
}

// cookiePath is the path of the fake's session cookie: below the endpoints.
func (s *Server) cookiePath() string {
	if s.base == "" {
		return "/"
	}
	return s.base
}

// registered reports whether uri is in list, or list is empty (any accepted).
func registered(list []string, uri string) bool {
	return len(list) == 0 || slices.Contains(list, uri)
}

// appendQuery adds p to u's query.
func appendQuery(u string, p url.Values) string {
	if strings.Contains(u, "?") {
		return u + "&" + p.Encode()
	}
	return u + "?" + p.Encode()
}

// isEmail reports whether s is a bare address with a dotted domain, as
// ProConnect's login_hint check requires.
func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	return strings.Contains(domain, ".") && !strings.Contains(domain, "..") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// isSIRET reports whether s is 14 digits.
func isSIRET(s string) bool {
	if len(s) != 14 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// randomToken returns 256 random bits, base64url.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// printable reports whether s is valid UTF-8 without control characters (a
// nonce must come back in the ID token as sent: JSON cannot carry invalid UTF-8).
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
