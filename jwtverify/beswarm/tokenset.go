package beswarm

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-go/sesame/internal/jsonobj"
)

// maxHosts bounds the hosts of one answer.
const maxHosts = 64

// TokenSet is what a login (or a refresh) yields: the one value an app keeps
// (it is JSON; keep it server-side, as it holds the code challenge that
// renews the tokens).
type TokenSet struct {
	// User is the user token: pass it as "Authorization: Bearer <User.Raw>".
	User Token `json:"user"`
	// Application is the application token.
	Application Token `json:"application"`
	// ServiceURL is the service that issued the tokens (the callback's
	// serviceurl, checked); refreshes go there.
	ServiceURL string `json:"service_url"`
	// Swarm is the user's swarm (the callback's swarm).
	Swarm string `json:"swarm"`
	// CodeChallenge is the login's secret code challenge, which Refresh
	// sends: never show it to anyone.
	CodeChallenge string `json:"code_challenge"`
}

// Token is one token of a TokenSet, parsed from BeSwarm's token answer.
type Token struct {
	// Type is token_type ("Bearer").
	Type string `json:"type"`
	// Raw is id_token, the compact JWT, verified by the Client.
	Raw string `json:"raw"`
	// ExpiresIn is expires_in, the lifetime the answer announces.
	ExpiresIn time.Duration `json:"expires_in"`
	// Expiry is the token's own exp. The answer's expires_on is ignored:
	// BeSwarm computes it wrongly (issue time minus the lifetime).
	Expiry time.Time `json:"expiry"`
	// Hosts are the answer's hosts inside ClientConfig.Domains: entry points
	// that may serve web APIs for this token; ask a Discovery which one
	// serves a role.
	Hosts []string `json:"hosts"`
	// Claims are the verified claims (not kept in JSON: verify Raw again
	// after loading a stored set).
	Claims *Claims `json:"-"`
}

// decodeAuthResult reads the datas of a usertoken answer:
// {"usertoken":{…},"applicationtoken":{…}}, as BeSwarm's generated client
// reads it: members it does not know are ignored; the two tokens are
// required.
func decodeAuthResult(datas []byte) (*TokenSet, error) {
	m, err := jsonobj.Members(datas)
	if err != nil {
		return nil, fmt.Errorf("%w: usertoken answer: %w", ErrResponse, err)
	}
	user, uok := m["usertoken"]
	app, aok := m["applicationtoken"]
	if !uok || !aok || jsonobj.IsNull(user) || jsonobj.IsNull(app) {
		return nil, fmt.Errorf("%w: usertoken answer needs usertoken and applicationtoken", ErrResponse)
	}
	u, err := decodeTokenResult(user)
	if err != nil {
		return nil, fmt.Errorf("usertoken: %w", err)
	}
	a, err := decodeTokenResult(app)
	if err != nil {
		return nil, fmt.Errorf("applicationtoken: %w", err)
	}
	return &TokenSet{User: u, Application: a}, nil
}

// decodeTokenResult reads one TokenResult,
//
//	{"token_type":"Bearer","id_token":"…","expires_in":"3600","expires_on":"…","hosts":["https://…"]}
//
// as BeSwarm's generated client reads it: members it does not know are
// ignored (BeSwarm's own expires_at, anything added later), optional ones may
// be absent or null, expires_in may be a string or a number (its reader
// converts either); the known members keep their types, and a repeated
// member is refused.
func decodeTokenResult(data []byte) (Token, error) {
	m, err := jsonobj.Members(data)
	if err != nil {
		return Token{}, fmt.Errorf("%w: token: %w", ErrResponse, err)
	}
	var t Token
	if err := optString(m, "token_type", &t.Type); err != nil || !strings.EqualFold(t.Type, "Bearer") {
		return Token{}, fmt.Errorf("%w: token_type must be Bearer", ErrResponse)
	}
	if err := optString(m, "id_token", &t.Raw); err != nil || t.Raw == "" || strings.Count(t.Raw, ".") != 2 {
		return Token{}, fmt.Errorf("%w: id_token is not a compact JWS", ErrResponse)
	}
	if raw, ok := m["expires_in"]; ok && !jsonobj.IsNull(raw) {
		s := strings.Trim(string(raw), `"`)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || n > 1<<31 || len(raw) > 24 {
			return Token{}, fmt.Errorf("%w: expires_in %s is not a number of seconds", ErrResponse, quote(string(raw)))
		}
		t.ExpiresIn = time.Duration(n) * time.Second
	}
	var expiresOn string
	if err := optString(m, "expires_on", &expiresOn); err != nil {
		return Token{}, fmt.Errorf("%w: expires_on is not a string", ErrResponse)
	}
	if raw, ok := m["hosts"]; ok && !jsonobj.IsNull(raw) {
		if err := json.Unmarshal(raw, &t.Hosts); err != nil || slices.Contains(t.Hosts, "") {
			return Token{}, fmt.Errorf("%w: hosts is not a list of URLs", ErrResponse)
		}
		if len(t.Hosts) > maxHosts {
			return Token{}, fmt.Errorf("%w: %d hosts, limit %d", ErrResponse, len(t.Hosts), maxHosts)
		}
	}
	return t, nil
}

// optString reads an optional string member into dst: absent or null leave
// it "", another type is an error.
func optString(m map[string]json.RawMessage, name string, dst *string) error {
	raw, ok := m[name]
	if !ok || jsonobj.IsNull(raw) {
		return nil
	}
	if len(raw) == 0 || raw[0] != '"' {
		return fmt.Errorf("%s is not a string", name)
	}
	return json.Unmarshal(raw, dst)
}
