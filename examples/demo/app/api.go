package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// The demo API's identity.
const (
	apiIssuer   = "https://idp.demo.sesame"
	apiAudience = "demo-api"
	apiScope    = "commandes:lire"
)

// tokenKind is one of the playground's tokens.
type tokenKind struct{ ID, Label string }

// tokenKinds are the playground's tokens, in the order shown.
func tokenKinds() []tokenKind {
	return []tokenKind{
		{"bon", "Un bon jeton"},
		{"expire", "Un jeton expiré"},
		{"mal-signe", "Un jeton mal signé"},
		{"autre-public", "Un jeton pour une autre API"},
		{"sans-portee", "Un jeton sans la portée commandes:lire"},
		{"aucun", "Aucun jeton"},
	}
}

// api wires the Bearer playground: an issuer, a protected API, and a form that
// mints tokens and calls the API with each.
func (a *App) api(context.Context) error {
	iss, err := jwttest.New()
	if err != nil {
		return err
	}
	forger, err := jwttest.New() // same kids, other keys
	if err != nil {
		return err
	}
	keys, err := jwtverify.NewStaticKeys(iss.PublicJWKS())
	if err != nil {
		return err
	}
	v, err := jwtverify.New(keys, jwtverify.Config{Issuer: apiIssuer, Audience: []string{apiAudience}, Algorithms: []string{"ES256"}, Logger: a.cfg.Logger})
	if err != nil {
		return err
	}
	orders := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := jwtverify.FromContext(r.Context())
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"commandes":[{"id":1,"client":"` + tok.Subject() + `"}]}` + "\n"))
	})
	protected := jwtverify.Middleware(v, jwtverify.MiddlewareConfig{Realm: "demo", Logger: a.cfg.Logger})(jwtverify.RequireScope(apiScope)(orders))
	a.mux.Handle("GET /api/commandes", protected)
	a.mux.HandleFunc("GET /api", func(w http.ResponseWriter, r *http.Request) {
		a.render(w, r, http.StatusOK, "api", "API Bearer", map[string]any{"Kinds": tokenKinds()})
	})
	a.post("/api/essai", func(w http.ResponseWriter, r *http.Request) {
		kind := r.FormValue("jeton")
		tok, ok := mintKind(iss, forger, kind)
		if !ok {
			a.fail(w, r, http.StatusBadRequest, nil)
			return
		}
		req := httptest.NewRequest(http.MethodGet, "/api/commandes", nil).WithContext(r.Context())
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		rec := httptest.NewRecorder()
		protected.ServeHTTP(rec, req)
		a.render(w, r, http.StatusOK, "api", "API Bearer", map[string]any{"Kinds": tokenKinds(), "Kind": kind, "Token": tok,
			"Status": rec.Code, "StatusText": http.StatusText(rec.Code), "Challenge": rec.Header().Get("WWW-Authenticate"),
			"RetryAfter": rec.Header().Get("Retry-After"), "Body": rec.Body.String()})
	})
	return nil
}

// mintKind mints the playground token of a kind ("" for no token).
func mintKind(iss, forger *jwttest.Issuer, kind string) (string, bool) {
	claims := jwttest.Claims(apiIssuer, "agent-42", apiAudience)
	claims["scope"] = apiScope + " commandes:ecrire"
	es := jwttest.WithAlg("ES256")
	switch kind {
	case "bon":
		return iss.Mint(claims, es), true
	case "expire":
		claims["iat"], claims["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
		return iss.Mint(claims, es), true
	case "mal-signe":
		return forger.Mint(claims, es), true
	case "autre-public":
		claims["aud"] = "une-autre-api"
		return iss.Mint(claims, es), true
	case "sans-portee":
		claims["scope"] = "profil:lire"
		return iss.Mint(claims, es), true
	case "aucun":
		return "", true
	}
	return "", false
}
