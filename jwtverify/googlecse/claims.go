package googlecse

import (
	"fmt"
	"unicode/utf8"

	"github.com/sesame-go/sesame/jwtverify"
)

// ClaimError is a refusal about one claim: missing, of the wrong type, or not
// what the call allows. It wraps the sentinel of its case (errors.Is(err,
// ErrResourceName) holds for a missing resource_name, errors.Is(err,
// jwtverify.ErrMissingClaim) for a missing email), and the audit record's
// details are its Claim and Problem ("resource_name missing").
type ClaimError struct {
	// Claim is the claim's name, such as "resource_name".
	Claim string
	// Problem says what is wrong with it: "missing", "mismatch", "too long",
	// "not a string", "not allowed for the operation", …
	Problem string
	// Err is the cause, wrapping a sentinel of this package or of jwtverify.
	Err error

	detail string // the claim and the values involved, quoted and clipped
}

// Error names the sentinel, the claim and what is wrong with it.
func (e *ClaimError) Error() string {
	if e.detail != "" {
		return fmt.Sprintf("%v: %s", e.Err, e.detail)
	}
	return fmt.Sprintf("%v: %s %s", e.Err, e.Claim, e.Problem)
}

// Unwrap returns the cause, so errors.Is finds the sentinel.
func (e *ClaimError) Unwrap() error { return e.Err }

// claimErr returns a *ClaimError; detail, when given, is a format and its
// arguments (token values quoted with quote) that the error message says
// instead of claim and problem, so it names the claim itself.
func claimErr(sentinel error, claim, problem string, detail ...any) *ClaimError {
	e := &ClaimError{Claim: claim, Problem: problem, Err: sentinel}
	if len(detail) > 0 {
		format, _ := detail[0].(string)
		e.detail = fmt.Sprintf(format, detail[1:]...)
	}
	return e
}

// Problems of a claim.
const (
	problemMissing   = "missing"
	problemMismatch  = "mismatch"
	problemTooLong   = "too long"
	problemNotString = "not a string"
)

// claimKind is a kind of token as Google's CSE reference documents it: the
// claims it defines count as defined in number_of_custom_claims, every other
// one (beside RFC 7519's registered claims) as custom.
type claimKind uint8

// The kinds of Google's reference pages (developers.google.com/workspace/cse/
// reference/authentication-tokens, authorization-tokens and delegate).
const (
	// kindAuthentication: an IdP's authentication token (user, admin and
	// wrapprivatekey authentication): aud, email, exp, iat, iss, google_email.
	kindAuthentication claimKind = iota
	// kindDelegate: the authentication token of a delegation, issued by a
	// KACLS's delegate call: the above and delegated_to, resource_name.
	kindDelegate
	// kindKACLS: the KACLS authentication token of PrivilegedUnwrap: aud,
	// exp, iat, iss, kacls_url, resource_name.
	kindKACLS
	// kindAuthorization: Google's authorization token of Docs, Drive,
	// Calendar and Meet: aud, delegated_to, email, email_type, exp, iat, iss,
	// kacls_url, perimeter_id, resource_name, role, and kacls_owner_domain
	// (the delegate method's reference).
	kindAuthorization
	// kindGmail: Gmail's authorization token: aud, email, exp, iat,
	// message_id, iss, kacls_url, perimeter_id, resource_name, role,
	// spki_hash, spki_hash_algorithm, and kacls_owner_domain.
	kindGmail
	// kindMigration: the authorization token of the KACLS migration service:
	// aud, email, exp, iat, iss, kacls_url, resource_name, role, and
	// kacls_owner_domain.
	kindMigration
)

// kindOf returns the claim kind of a token of type typ issued by iss.
func kindOf(typ TokenType, iss string) claimKind {
	switch typ {
	case DelegateAuthentication:
		return kindDelegate
	case KACLSToKACLSAuthentication:
		return kindKACLS
	case Authorization, AuthorizationPair:
		switch iss {
		case IssuerGmail:
			return kindGmail
		case IssuerMigration:
			return kindMigration
		}
		return kindAuthorization
	}
	return kindAuthentication
}

// defined reports whether name is a registered claim (RFC 7519 §4.1) or one
// Google's CSE reference defines for tokens of kind k.
func (k claimKind) defined(name string) bool {
	switch name {
	case "iss", "sub", "aud", "exp", "nbf", "iat", "jti":
		return true
	}
	switch k {
	case kindAuthentication:
		return name == "email" || name == "google_email"
	case kindDelegate:
		return name == "email" || name == "google_email" || name == "delegated_to" || name == "resource_name"
	case kindKACLS:
		return name == "kacls_url" || name == "resource_name"
	case kindAuthorization:
		switch name {
		case "delegated_to", "email", "email_type", "kacls_url", "perimeter_id", "resource_name", "role", "kacls_owner_domain":
			return true
		}
	case kindGmail:
		switch name {
		case "email", "message_id", "kacls_url", "perimeter_id", "resource_name", "role", "spki_hash", "spki_hash_algorithm", "kacls_owner_domain":
			return true
		}
	case kindMigration:
		switch name {
		case "email", "kacls_url", "resource_name", "role", "kacls_owner_domain":
			return true
		}
	}
	return false
}

// optionalString reads a string claim of a verified token: absent or null is
// ("", false, nil) (how Google's and IdPs' readers treat an optional member),
// another JSON type a *ClaimError wrapping jwtverify.ErrMalformed.
func optionalString(tok *jwtverify.Token, name string) (string, bool, error) {
	if s, ok := tok.StringClaim(name); ok {
		return s, true, nil
	}
	raw, ok := tok.Claim(name)
	if !ok || string(raw) == "null" {
		return "", false, nil
	}
	return "", false, claimErr(jwtverify.ErrMalformed, name, problemNotString)
}

// requiredString reads a string claim the token must carry: absent or null is
// a *ClaimError wrapping missing.
func requiredString(tok *jwtverify.Token, name string, missing error) (string, error) {
	s, ok, err := optionalString(tok, name)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", claimErr(missing, name, problemMissing)
	}
	return s, nil
}

// clipTo bounds a value at n bytes, cut on a UTF-8 boundary (at most three
// bytes back, so a run of invalid bytes is cut at n), and marks the cut with
// "…".
func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for back := 0; back < utf8.UTFMax-1 && i > 0 && !utf8.RuneStart(s[i]); back++ {
		i--
	}
	if !utf8.RuneStart(s[i]) {
		i = n
	}
	return s[:i] + "…"
}

// quote clips an untrusted value to 64 bytes (on a UTF-8 boundary) and quotes
// it, for an error message.
func quote(s string) string {
	return fmt.Sprintf("%q", clipTo(s, 64))
}
