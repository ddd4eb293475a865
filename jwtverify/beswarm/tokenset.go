package beswarm

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// maxHosts bounds the hosts of one answer.
const maxHosts = 64

// TokenSet is what a login (or a refresh) yields.
type TokenSet struct {
	// User is the user token: pass it as "Authorization: Bearer <User.Raw>".
	User Token
	// Application is the application token.
	Application Token
	// ServiceURL is the service that issued the tokens (the callback's
	// serviceurl, checked); refreshes go there.
	ServiceURL string
	// Swarm is the user's swarm (the callback's swarm).
	Swarm string
}

// Token is one token of a TokenSet, parsed from BeSwarm's token answer.
type Token struct {
	// Type is token_type ("Bearer").
	Type string
	// Raw is id_token, the compact JWT.
	Raw string
	// ExpiresIn is expires_in, the lifetime the answer announces.
	ExpiresIn time.Duration
	// Expiry is the token's own exp. The answer's expires_on is ignored:
	// BeSwarm computes it wrongly (issue time minus the lifetime).
	Expiry time.Time
	// Hosts are the answer's hosts: entry points that may serve web APIs for
	// this token; ask a Discovery which one serves a role.
	Hosts []string
	// Claims are the verified claims, when the Client has a Verifier.
	Claims *Claims
}

// tokenResult is one token of the answer, as BeSwarm's generated client
// declares it (TokenResult): every field a string, hosts a list.
type tokenResult struct {
	TokenType *string   `json:"token_type"`
	IDToken   *string   `json:"id_token"`
	ExpiresIn *string   `json:"expires_in"`
	ExpiresOn *string   `json:"expires_on"`
	Hosts     *[]string `json:"hosts"`
}

// decodeAuthResult reads the datas of a usertoken answer:
// {"usertoken":{…},"applicationtoken":{…}}.
func decodeAuthResult(datas []byte) (*TokenSet, error) {
	var a struct {
		User *json.RawMessage `json:"usertoken"`
		App  *json.RawMessage `json:"applicationtoken"`
	}
	if err := strict(datas, &a); err != nil {
		return nil, fmt.Errorf("%w: usertoken answer: %w", ErrResponse, err)
	}
	if a.User == nil || a.App == nil {
		return nil, fmt.Errorf("%w: usertoken answer needs usertoken and applicationtoken", ErrResponse)
	}
	user, err := decodeTokenResult(*a.User)
	if err != nil {
		return nil, err
	}
	app, err := decodeTokenResult(*a.App)
	if err != nil {
		return nil, err
	}
	return &TokenSet{User: user, Application: app}, nil
}

// decodeTokenResult reads one TokenResult:
// {"token_type":"Bearer","id_token":"…","expires_in":"3600","expires_on":"…","hosts":["https://…"]}.
func decodeTokenResult(data []byte) (Token, error) {
	var r tokenResult
	if err := strict(data, &r); err != nil {
		return Token{}, fmt.Errorf("%w: token: %w", ErrResponse, err)
	}
	if r.TokenType == nil || !strings.EqualFold(*r.TokenType, "Bearer") {
		return Token{}, fmt.Errorf("%w: token_type must be Bearer", ErrResponse)
	}
	if r.IDToken == nil || *r.IDToken == "" || strings.Count(*r.IDToken, ".") != 2 {
		return Token{}, fmt.Errorf("%w: id_token is not a compact JWS", ErrResponse)
	}
	t := Token{Type: *r.TokenType, Raw: *r.IDToken}
	if r.ExpiresIn != nil {
		n, err := strconv.ParseInt(*r.ExpiresIn, 10, 64)
		if err != nil || n < 0 || n > 1<<31 {
			return Token{}, fmt.Errorf("%w: expires_in %s is not a number of seconds", ErrResponse, quote(*r.ExpiresIn))
		}
		t.ExpiresIn = time.Duration(n) * time.Second
	}
	if r.Hosts != nil {
		if len(*r.Hosts) > maxHosts {
			return Token{}, fmt.Errorf("%w: %d hosts, limit %d", ErrResponse, len(*r.Hosts), maxHosts)
		}
		t.Hosts = *r.Hosts
	}
	return t, nil
}
