package beswarm

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
)

// TokenType is the tokentype claim: whose token it is.
type TokenType string

// The token types BeSwarm issues.
const (
	// User is a user token: it reaches the user's data, within Scope.
	User TokenType = "User"
	// Application is an application token: it reaches the application's own
	// information.
	Application TokenType = "Application"
)

// Claims are the claims of a verified BeSwarm token. A Verifier may return the
// same *Claims for the same token: treat them as read-only.
type Claims struct {
	// TokenType is User or Application.
	TokenType TokenType
	// Issuer is iss ("BeSwarm").
	Issuer string
	// Audience is aud ("*" in BeSwarm's tokens).
	Audience []string
	// SwarmID is swarmid, the user's swarm.
	SwarmID string
	// Lang is lang, the user's language ("FR").
	Lang string
	// Nonce is the lowercase hex SHA-256 of the login's code challenge; see
	// CheckNonce.
	Nonce string
	// NotBefore and Expiry are nbf and exp: the token's validity. Expiry is the
	// token's own exp, never the token answer's expires_on.
	NotBefore, Expiry time.Time
	// Scope is the scope claim decoded: the rights the user granted.
	Scope Rights
	// Funcs is the funcs claim decoded (an empty list in BeSwarm's examples).
	Funcs []string
	// Private is the private claim, opaque to the application.
	Private string
	// Token is the verified token the claims come from.
	Token *jwtverify.Token
}

// Can reports whether the token grants op on resource.
//
//	if claims.Can("userbankaccount", beswarm.Write) { … }
func (c *Claims) Can(resource string, op Op) bool { return c != nil && c.Scope.Can(resource, op) }

// ParseClaims reads BeSwarm's claims from a token verified by jwtverify (for
// instance the one jwtverify.FromContext returns). The tokentype must be User
// or Application (ErrTokenType); scope and funcs, which BeSwarm always writes,
// must be present and their JSON-in-a-string forms (ErrScope): a token where
// either is missing or an empty string is refused, and only an explicit empty
// object ("{}") grants nothing.
func ParseClaims(tok *jwtverify.Token) (*Claims, error) {
	if tok == nil {
		return nil, fmt.Errorf("%w: no token", ErrTokenType)
	}
	c := &Claims{
		Issuer: tok.Issuer(), Audience: tok.Audience(),
		NotBefore: tok.NotBefore(), Expiry: tok.Expiry(), Token: tok,
	}
	tt, err := stringClaim(tok, "tokentype", ErrTokenType)
	if err != nil {
		return nil, err
	}
	switch c.TokenType = TokenType(tt); c.TokenType {
	case User, Application:
	default:
		return nil, fmt.Errorf("%w: tokentype %s", ErrTokenType, quote(tt))
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"swarmid", &c.SwarmID}, {"lang", &c.Lang}, {"nonce", &c.Nonce}, {"private", &c.Private}} {
		if *f.dst, err = stringClaim(tok, f.name, jwtverify.ErrMalformed); err != nil {
			return nil, err
		}
	}
	scope, err := requiredGrant(tok, "scope")
	if err != nil {
		return nil, err
	}
	if c.Scope, err = DecodeScope(scope); err != nil {
		return nil, err
	}
	funcs, err := requiredGrant(tok, "funcs")
	if err != nil {
		return nil, err
	}
	if c.Funcs, err = DecodeFuncs(funcs); err != nil {
		return nil, err
	}
	return c, nil
}

// stringClaim returns a string claim, "" when absent; another JSON type wraps
// sentinel.
func stringClaim(tok *jwtverify.Token, name string, sentinel error) (string, error) {
	if s, ok := tok.StringClaim(name); ok { // no copy: the token is immutable
		return s, nil
	}
	if _, present := tok.Claim(name); !present {
		return "", nil
	}
	return "", fmt.Errorf("%w: claim %q is not a string", sentinel, name)
}

// requiredGrant returns the scope or funcs claim, which BeSwarm always
// writes: absent, not a string, or empty is ErrScope.
func requiredGrant(tok *jwtverify.Token, name string) (string, error) {
	s, err := stringClaim(tok, name, ErrScope)
	switch {
	case err != nil:
		return "", err
	case s != "":
		return s, nil
	}
	if _, present := tok.Claim(name); !present {
		return "", fmt.Errorf("%w: no %s claim", ErrScope, name)
	}
	return "", fmt.Errorf("%w: %s is an empty string", ErrScope, name)
}

// CodeChallengeHash returns the lowercase hex SHA-256 of a code challenge: the
// value the authorize URL carries and tokens hold as their nonce.
func CodeChallengeHash(codeChallenge string) string {
	sum := sha256.Sum256([]byte(codeChallenge))
	return hex.EncodeToString(sum[:])
}

// CheckNonce checks that the token's nonce is the SHA-256 of the secret code
// challenge the login started with, so that the token belongs to this login.
// The comparison is constant-time and case-insensitive on the hex digits:
// tokens carry lowercase hex, while BeSwarm's own .NET client sends the hash
// in uppercase. A nonce that is not 64 hex digits, or another hash, is ErrNonce.
func CheckNonce(c *Claims, codeChallenge string) error {
	if c == nil || codeChallenge == "" {
		return fmt.Errorf("%w: no claims or no code challenge", ErrNonce)
	}
	got := []byte(c.Nonce)
	if len(got) != sha256.Size*2 {
		return fmt.Errorf("%w: nonce of %d characters, want 64", ErrNonce, len(got))
	}
	for i, b := range got {
		switch {
		case b >= 'A' && b <= 'F':
			got[i] = b + ('a' - 'A')
		case b >= '0' && b <= '9', b >= 'a' && b <= 'f':
		default:
			return fmt.Errorf("%w: nonce is not hex", ErrNonce)
		}
	}
	want := CodeChallengeHash(codeChallenge)
	if subtle.ConstantTimeCompare(got, []byte(want)) != 1 {
		return ErrNonce
	}
	return nil
}
