package googlecse

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/sesame-go/sesame/jwtverify"
)

// TokenType is the audit record's type: the kind of token verified. The
// authentication types are the seed's spellings, "kacsl" included.
type TokenType string

// Token types.
const (
	UserAuthentication           TokenType = "user_authentication"
	AdminAuthentication          TokenType = "admin_authentication"
	KACLSToKACLSAuthentication   TokenType = "kacsl-to-kacls_authentication"
	WrapPrivateKeyAuthentication TokenType = "wrapprivatekey_authentication"
	DelegateAuthentication       TokenType = "delegate_authentication"
	// Authorization is the type of the records of Google-issued
	// authorization tokens (the seed shows authentication records only;
	// open KACLS implementations log them as authorization checks).
	Authorization TokenType = "authorization"
	// AuthorizationPair is the type of the record VerifyPair writes for the
	// cross-token rules (email, delegation, guests); its jwt fields are the
	// authorization token's.
	AuthorizationPair TokenType = "authentication_authorization_pair"
)

// Source is where the keys of a verified token were configured.
type Source string

// Sources.
const (
	// SourceLocal: keys from this service's own configuration (a local IdP,
	// Google's fixed issuers, the tenant's trusted peers).
	SourceLocal Source = "local_configuration"
	// SourceRemote: keys found through an IdP's .well-known/cse-configuration.
	SourceRemote Source = "remote_well_known_cse_configuration"
)

// AuditRecord is the record of one verification, in the seed's shape: it
// marshals to tenant_id, jwk{kid, alg}, jwt{…}, valid, source, type, details
// (omitted when valid) and operation (the KACLS call verified, Sesame's
// addition). A value the token does not carry is absent (Claim.Present false,
// omitted from the JSON), never "" or 0. It never holds the token itself.
type AuditRecord struct {
	// TenantID is the tenant's uuid v4 (as given, clipped, when unknown).
	TenantID string `json:"tenant_id"`
	// JWK names the key the token asked for.
	JWK AuditJWK `json:"jwk"`
	// JWT is what the token said (read without trust when it was refused).
	JWT AuditJWT `json:"jwt"`
	// Valid is true when every check passed.
	Valid bool `json:"valid"`
	// Source is where the keys were configured.
	Source Source `json:"source"`
	// Type is the kind of token.
	Type TokenType `json:"type"`
	// Details is a short human cause of a refusal that names the claim
	// involved ("JWT expired", "resource_name missing", "kacls_url
	// mismatch"); empty when valid.
	Details string `json:"details,omitempty"`
	// Operation is the KACLS call the token was verified for (clipped when
	// it is not one of the Operations).
	Operation Operation `json:"operation,omitempty"`
}

// Claim is a value an audit record repeats from a token: Present is false
// when the token lacks it (or carries it as another JSON type), and the
// record's JSON then lacks it too.
type Claim[T string | int64] struct {
	// Value is the token's value; the zero value when not Present.
	Value T
	// Present is true when the token carries the value.
	Present bool
}

// some returns a present Claim.
func some[T string | int64](v T) Claim[T] { return Claim[T]{Value: v, Present: true} }

// IsZero reports an absent value (for the omitzero option of encoding/json).
func (c Claim[T]) IsZero() bool { return !c.Present }

// MarshalJSON writes the value, or null when absent.
func (c Claim[T]) MarshalJSON() ([]byte, error) {
	if !c.Present {
		return []byte("null"), nil
	}
	return json.Marshal(c.Value)
}

// AuditJWK is the audit record's jwk object.
type AuditJWK struct {
	// Kid is the token's kid.
	Kid Claim[string] `json:"kid,omitzero"`
	// Alg is the token's alg (RS256 for a valid token).
	Alg Claim[string] `json:"alg,omitzero"`
}

// AuditJWT is the audit record's jwt object. A claim the token does not carry
// (or carries as another JSON type) is absent. The values of a valid token are
// whole; those of a refused token are bounded where a valid token's could not
// reach (an email over 320 bytes, a resource_name over 512), cut on a UTF-8
// boundary and marked with "…".
type AuditJWT struct {
	// Email is the user's email.
	Email Claim[string] `json:"email,omitzero"`
	// GoogleEmail is the user's Google account email.
	GoogleEmail Claim[string] `json:"google_email,omitzero"`
	// Iss is the issuer.
	Iss Claim[string] `json:"iss,omitzero"`
	// Aud is the audience, an array even when the token wrote a string; nil
	// when the token has none.
	Aud []string `json:"aud,omitzero"`
	// Exp is the expiry, in Unix seconds.
	Exp Claim[int64] `json:"exp,omitzero"`
	// Iat is the issue time, in Unix seconds.
	Iat Claim[int64] `json:"iat,omitzero"`
	// NumberOfCustomClaims counts the claims that are neither registered
	// (RFC 7519 §4.1: iss, sub, aud, exp, nbf, iat, jti) nor defined by
	// Google's CSE reference for the token's kind: for an IdP's token email
	// and google_email (and delegated_to, resource_name for a delegate
	// token); for a kacls-to-kacls token kacls_url and resource_name; for
	// Google's authorization tokens email, email_type, role, kacls_url,
	// resource_name, perimeter_id, delegated_to, kacls_owner_domain, and
	// Gmail's message_id, spki_hash and spki_hash_algorithm.
	NumberOfCustomClaims int `json:"number_of_custom_claims"`
	// KACLSURL is kacls_url (kacls-to-kacls and authorization tokens).
	KACLSURL Claim[string] `json:"kacls_url,omitzero"`
	// ResourceName is resource_name (kacls-to-kacls, authorization and
	// delegate tokens).
	ResourceName Claim[string] `json:"resource_name,omitzero"`
}

// LogValue is the jwk object with only its present members.
func (j AuditJWK) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 2)
	attrs = appendString(attrs, "kid", j.Kid)
	attrs = appendString(attrs, "alg", j.Alg)
	return slog.GroupValue(attrs...)
}

// LogValue is the jwt object with only its present members, in the seed's
// order.
func (j AuditJWT) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 9)
	attrs = appendString(attrs, "email", j.Email)
	attrs = appendString(attrs, "google_email", j.GoogleEmail)
	attrs = appendString(attrs, "iss", j.Iss)
	if j.Aud != nil {
		attrs = append(attrs, slog.Any("aud", j.Aud))
	}
	if j.Exp.Present {
		attrs = append(attrs, slog.Int64("exp", j.Exp.Value))
	}
	if j.Iat.Present {
		attrs = append(attrs, slog.Int64("iat", j.Iat.Value))
	}
	attrs = append(attrs, slog.Int("number_of_custom_claims", j.NumberOfCustomClaims))
	attrs = appendString(attrs, "kacls_url", j.KACLSURL)
	attrs = appendString(attrs, "resource_name", j.ResourceName)
	return slog.GroupValue(attrs...)
}

func appendString(attrs []slog.Attr, key string, c Claim[string]) []slog.Attr {
	if !c.Present {
		return attrs
	}
	return append(attrs, slog.String(key, c.Value))
}

// Auditor receives the record of every verification, valid or not, exactly
// once. rec is reused after Audit returns: an Auditor that keeps records keeps
// a copy (*rec; its Aud slice is not reused).
type Auditor interface {
	// Audit records one verification.
	Audit(ctx context.Context, rec *AuditRecord)
}

// LevelNotice is between Info and Warn: the level of a refused token's record.
// Handlers print it as "INFO+2" unless their ReplaceAttr renames it (see
// ReplaceLevel); NewJSONAuditor does.
const LevelNotice = slog.Level(2)

// SlogAuditor writes each record as one slog line, "verify", at Info when valid
// and LevelNotice when not, with the record's fields as attributes.
type SlogAuditor struct {
	// Logger receives the lines. Required.
	Logger *slog.Logger
}

// Audit writes rec.
func (a *SlogAuditor) Audit(ctx context.Context, rec *AuditRecord) {
	level := slog.LevelInfo
	if !rec.Valid {
		level = LevelNotice
	}
	if !a.Logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("tenant_id", rec.TenantID),
		slog.Any("jwk", rec.JWK),
		slog.Any("jwt", rec.JWT),
		slog.Bool("valid", rec.Valid),
		slog.String("source", string(rec.Source)),
		slog.String("type", string(rec.Type)),
	}
	if rec.Details != "" {
		attrs = append(attrs, slog.String("details", rec.Details))
	}
	if rec.Operation != "" {
		attrs = append(attrs, slog.String("operation", string(rec.Operation)))
	}
	a.Logger.LogAttrs(ctx, level, "verify", attrs...)
}

// ReplaceLevel is a slog.HandlerOptions.ReplaceAttr that names LevelNotice
// "NOTICE".
func ReplaceLevel(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.LevelKey {
		if l, ok := a.Value.Any().(slog.Level); ok && l == LevelNotice {
			return slog.String(slog.LevelKey, "NOTICE")
		}
	}
	return a
}

// NewJSONAuditor returns a SlogAuditor writing JSON lines to w, with
// LevelNotice named NOTICE.
//
//	auditor := googlecse.NewJSONAuditor(os.Stdout)
func NewJSONAuditor(w interface{ Write([]byte) (int, error) }) *SlogAuditor {
	return &SlogAuditor{Logger: slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: ReplaceLevel}))}
}

// Bounds of the values a refused token's record repeats: each at least what
// a valid token can carry, so only what could not come from a valid token is
// cut.
const (
	maxAuditEmail = 320  // an address: 64 + "@" + 255 (RFC 3696, errata 1690)
	maxAuditURL   = 1024 // iss, kacls_url
	maxAuditAud   = 256  // one audience (a client id, cse-authorization)
	maxAuditAuds  = 16   // audiences
	maxAuditKid   = 256
	maxAuditAlg   = 32
	maxAuditID    = 64 // a tenant id or an operation that is not one
)

// bounded returns a present Claim of s, bounded at n bytes when bound.
func bounded(s string, n int, bound bool) Claim[string] {
	if bound {
		s = clipTo(s, n)
	}
	return some(s)
}

// fillFromToken fills the jwt and jwk objects from a verified token of kind k:
// whole when the verification passed, bounded when a later check refused it.
// One pass over the claims.
func (rec *AuditRecord) fillFromToken(tok *jwtverify.Token, k claimKind, bound bool) {
	h := tok.Header()
	if h.Kid != "" {
		rec.JWK.Kid = bounded(h.Kid, maxAuditKid, bound)
	} else if raw, ok := tok.HeaderField("kid"); ok && string(raw) == `""` {
		rec.JWK.Kid = some("")
	}
	rec.JWK.Alg = bounded(h.Alg, maxAuditAlg, bound) // a verified token has one
	j := &rec.JWT
	for name := range tok.ClaimNames() {
		var dst *Claim[string]
		n := maxAuditURL
		switch name {
		case "email":
			dst, n = &j.Email, maxAuditEmail
		case "google_email":
			dst, n = &j.GoogleEmail, maxAuditEmail
		case "iss":
			dst = &j.Iss
		case "kacls_url":
			dst = &j.KACLSURL
		case "resource_name":
			dst, n = &j.ResourceName, maxGmailResourceName
		}
		if dst != nil {
			if s, ok := tok.StringClaim(name); ok {
				*dst = bounded(s, n, bound)
			}
		}
		if !k.defined(name) {
			j.NumberOfCustomClaims++
		}
	}
	if aud := tok.Audience(); len(aud) > 0 {
		if bound {
			aud = boundAud(aud)
		}
		j.Aud = aud
	}
	if tok.Expires() {
		j.Exp = some(tok.Expiry().Unix())
	}
	if tok.HasIssuedAt() {
		j.Iat = some(tok.IssuedAt().Unix())
	}
}

// boundAud bounds a refused token's audiences, in place.
func boundAud(aud []string) []string {
	if len(aud) > maxAuditAuds {
		aud = aud[:maxAuditAuds]
	}
	for i := range aud {
		aud[i] = clipTo(aud[i], maxAuditAud)
	}
	return aud
}

// fillFromRaw fills the jwt and jwk objects of a refused token of type typ
// read without any check: every value bounded, a member of another JSON type
// left out, nothing from a part that does not decode.
func (rec *AuditRecord) fillFromRaw(raw string, typ TokenType) {
	if len(raw) > maxTokenSize {
		return
	}
	u, _ := parseUnverified(raw)
	iss, _ := str(u.claims, "iss")
	k := kindOf(typ, iss)
	for _, c := range []struct {
		m    map[string]json.RawMessage
		name string
		dst  *Claim[string]
		n    int
	}{
		{u.header, "kid", &rec.JWK.Kid, maxAuditKid},
		{u.header, "alg", &rec.JWK.Alg, maxAuditAlg},
		{u.claims, "email", &rec.JWT.Email, maxAuditEmail},
		{u.claims, "google_email", &rec.JWT.GoogleEmail, maxAuditEmail},
		{u.claims, "iss", &rec.JWT.Iss, maxAuditURL},
		{u.claims, "kacls_url", &rec.JWT.KACLSURL, maxAuditURL},
		{u.claims, "resource_name", &rec.JWT.ResourceName, maxGmailResourceName},
	} {
		if s, ok := str(c.m, c.name); ok {
			*c.dst = bounded(s, c.n, true)
		}
	}
	if u.claims == nil {
		return
	}
	j := &rec.JWT
	if s, ok := str(u.claims, "aud"); ok {
		j.Aud = boundAud([]string{s})
	} else if raw, ok := u.claims["aud"]; ok {
		var aud []string
		if json.Unmarshal(raw, &aud) == nil && len(aud) > 0 && raw[0] == '[' {
			j.Aud = boundAud(aud)
		}
	}
	if n, ok := number(u.claims, "exp"); ok {
		j.Exp = some(n)
	}
	if n, ok := number(u.claims, "iat"); ok {
		j.Iat = some(n)
	}
	for name := range u.claims {
		if !k.defined(name) {
			j.NumberOfCustomClaims++
		}
	}
}

// number reads a member that is a JSON number within ±2^53, truncated to an
// integer (NumericDate may have a fraction).
func number(m map[string]json.RawMessage, name string) (int64, bool) {
	var f float64
	raw, ok := m[name]
	if !ok || json.Unmarshal(raw, &f) != nil || raw[0] == 'n' || f > 1<<53 || f < -(1<<53) {
		return 0, false
	}
	return int64(f), true
}

// details is the short human cause of a refusal, naming the claim involved,
// never a token value.
func details(err error) string {
	if ce, ok := errors.AsType[*ClaimError](err); ok {
		return ce.Claim + " " + ce.Problem
	}
	for _, d := range []struct {
		err  error
		text string
	}{
		{errOtherTenant, "tokens of another tenant"},
		{ErrTenant, "unknown tenant"},
		{ErrTokenType, "wrong token type"},
		{ErrIssuer, "untrusted issuer (iss)"},
		{ErrIdPConfiguration, "IdP configuration wrong"},
		{ErrUnavailable, "keys unavailable"},
		{jwtverify.ErrUnavailable, "keys unavailable"},
		{jwtverify.ErrExpired, "JWT expired"},
		{jwtverify.ErrNotYetValid, "JWT not yet valid (nbf)"},
		{jwtverify.ErrIssuedInFuture, "JWT issued in the future (iat)"},
		{jwtverify.ErrAudience, "audience mismatch (aud)"},
		{jwtverify.ErrIssuer, "issuer mismatch (iss)"},
		{jwtverify.ErrSignature, "invalid signature"},
		{jwtverify.ErrUnknownKey, "unknown key (kid)"},
		{jwtverify.ErrWeakKey, "key refused"},
		{jwtverify.ErrAlgorithm, "algorithm not allowed (alg)"},
		{jwtverify.ErrMissingClaim, "missing claim"},
		{jwtverify.ErrTooLarge, "JWT too large"},
		{jwtverify.ErrMalformed, "malformed JWT"},
		{jwtverify.ErrCritical, "unsupported critical header (crit)"},
	} {
		if errors.Is(err, d.err) {
			return d.text
		}
	}
	return "invalid JWT"
}
