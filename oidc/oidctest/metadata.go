package oidctest

import (
	"encoding/json"
	"net/http"

	"github.com/sesame-go/sesame/oidc"
)

// scopes lists the ProConnect scopes, each releasing the claim of its name but
// for chorusdt and phone (see scopeClaims).
func scopes() []string {
	return []string{"openid", "given_name", "usual_name", "email", "uid", "siret", "siren",
		"organizational_unit", "belonging_population", "idp_id", "idp_acr", "roles",
		"organization_label", "groups", "custom", "chorusdt", "phone"}
}

// scopeClaims returns the userinfo claims a ProConnect scope releases; none for
// an unknown scope.
func scopeClaims(scope string) []string {
	switch scope {
	case "openid":
		return []string{"sub"}
	case "chorusdt":
		return []string{"chorusdt:matricule", "chorusdt:societe"}
	case "phone":
		return []string{"phone_number"}
	}
	for _, s := range scopes() {
		if s == scope {
			return []string{s}
		}
	}
	return nil
}

// acrValues are the acr values ProConnect knows: the eIDAS levels and its own
// assurance URIs (self-asserted, consistency-checked, each with a -2fa variant,
// and certification-dirigeant).
func acrValues() []string {
	const pc = "https://proconnect.gouv.fr/assurance/"
	return []string{"eidas0", "eidas0-mfa", "eidas1", "eidas1-mfa", "eidas2", "eidas3",
		pc + "self-asserted", pc + "self-asserted-2fa", pc + "consistency-checked",
		pc + "consistency-checked-2fa", pc + "certification-dirigeant"}
}

// metadata builds the discovery document, ProConnect's fields and paths.
func (s *Server) metadata(f Faults) map[string]any {
	claims := []string{"iss", "aud", "exp", "iat", "nonce", "acr", "amr", "auth_time", "at_hash", "sid"}
	for _, sc := range scopes() {
		claims = append(claims, scopeClaims(sc)...)
	}
	iss := s.Issuer
	if f.DiscoveryIssuer != "" {
		iss = f.DiscoveryIssuer
	}
	end := s.URL + s.Path(PathEndSession)
	if f.EndSessionEndpoint != "" {
		end = f.EndSessionEndpoint
	}
	md := map[string]any{
		"issuer":                                         iss,
		"authorization_endpoint":                         s.URL + s.Path(PathAuthorize),
		"token_endpoint":                                 s.URL + s.Path(PathToken),
		"userinfo_endpoint":                              s.URL + s.Path(PathUserInfo),
		"jwks_uri":                                       s.URL + s.Path(PathJWKS),
		"end_session_endpoint":                           end,
		"scopes_supported":                               scopes(),
		"claims_supported":                               claims,
		"acr_values_supported":                           acrValues(),
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{"authorization_code", "refresh_token"},
		"subject_types_supported":                        []string{"public"},
		"id_token_signing_alg_values_supported":          []string{"ES256", "RS256", "HS256"},
		"userinfo_signing_alg_values_supported":          []string{"ES256", "RS256", "HS256"},
		"token_endpoint_auth_methods_supported":          []string{"client_secret_post", "private_key_jwt"},
		"code_challenge_methods_supported":               []string{"S256"},
		"claims_parameter_supported":                     true,
		"request_parameter_supported":                    false,
		"prompt_values_supported":                        []string{"none", "login", "consent"},
		"authorization_response_iss_parameter_supported": true,
	}
	if s.cfg.NoEndSession {
		delete(md, "end_session_endpoint")
	}
	if s.cfg.BackChannelLogoutURI != "" {
		md["backchannel_logout_supported"] = true
		md["backchannel_logout_session_supported"] = true
	}
	if s.cfg.NoUserInfo {
		delete(md, "userinfo_endpoint")
	}
	if s.cfg.Generic {
		md["token_endpoint_auth_methods_supported"] = []string{s.cfg.AuthMethod}
		md["scopes_supported"] = []string{"openid", "email", "profile", "offline_access"}
		md["pushed_authorization_request_endpoint"] = s.URL + s.Path(PathPAR)
		md["require_pushed_authorization_requests"] = s.cfg.RequirePAR
		md["request_parameter_supported"] = false
		md["claims_parameter_supported"] = true
	}
	return md
}

// discovery serves the discovery document, cacheable ten minutes.
func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, "max-age=600", s.metadata(s.currentFaults()))
}

// jwks serves the public keys, cacheable ten minutes.
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, "max-age=600", s.keys.PublicJWKS())
}

// writeJSON answers v as JSON with a Cache-Control header.
func writeJSON(w http.ResponseWriter, status int, cacheControl string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", cacheControl)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// claimsOf returns agent's userinfo claims released by scopes.
func claimsOf(a oidc.Agent, scopes []string) map[string]any {
	b, _ := json.Marshal(a) // an Agent always marshals
	var all map[string]any
	_ = json.Unmarshal(b, &all)
	out := map[string]any{"sub": a.Sub}
	for _, sc := range scopes {
		for _, c := range scopeClaims(sc) {
			if v, ok := all[c]; ok {
				out[c] = v
			}
		}
	}
	return out
}
