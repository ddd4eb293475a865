package googlecse

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"

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
// marshals to exactly tenant_id, jwk{kid, alg}, jwt{…}, valid, source, type and
// details (omitted when valid). It never holds the token itself.
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
	// Details is a short human cause of a refusal ("JWT expired"); empty when
	// valid.
	Details string `json:"details,omitempty"`
}

// AuditJWK is the audit record's jwk object.
type AuditJWK struct {
	// Kid is the token's kid.
	Kid string `json:"kid"`
	// Alg is the token's alg (RS256 for a valid token).
	Alg string `json:"alg"`
}

// AuditJWT is the audit record's jwt object.
type AuditJWT struct {
	// Email is the user's email.
	Email string `json:"email"`
	// GoogleEmail is the user's Google account email, when the token has one.
	GoogleEmail string `json:"google_email,omitempty"`
	// Iss is the issuer.
	Iss string `json:"iss"`
	// Aud is the audience, always an array.
	Aud []string `json:"aud"`
	// Exp and Iat are the expiry and issue times, in Unix seconds.
	Exp int64 `json:"exp"`
	Iat int64 `json:"iat"` // Unix seconds
	// NumberOfCustomClaims counts the claims outside the registered (RFC 7519)
	// and CSE-defined ones.
	NumberOfCustomClaims int `json:"number_of_custom_claims"`
	// KACLSURL is kacls_url (kacls-to-kacls and authorization tokens).
	KACLSURL string `json:"kacls_url,omitempty"`
	// ResourceName is resource_name (kacls-to-kacls, authorization and
	// delegate tokens).
	ResourceName string `json:"resource_name,omitempty"`
}

// MarshalJSON writes aud as an array even when empty.
func (j AuditJWT) MarshalJSON() ([]byte, error) {
	type plain AuditJWT
	if j.Aud == nil {
		j.Aud = []string{}
	}
	return json.Marshal(plain(j))
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

// maxAuditValue bounds every string an audit record repeats from a token.
const maxAuditValue = 256

// clip bounds an untrusted value for the audit record.
func clip(s string) string {
	if len(s) > maxAuditValue {
		return s[:maxAuditValue] + "…"
	}
	return s
}

// knownClaims are the registered (RFC 7519) and CSE-defined claims; every
// other claim counts as custom.
func knownClaim(name string) bool {
	switch name {
	case "iss", "sub", "aud", "exp", "nbf", "iat", "jti",
		"email", "google_email", "email_type", "kacls_url", "resource_name", "role", "perimeter_id", "delegated_to":
		return true
	}
	return false
}

// fillFromToken fills the jwt and jwk objects from a verified token.
func (rec *AuditRecord) fillFromToken(tok *jwtverify.Token) {
	h := tok.Header()
	rec.JWK = AuditJWK{Kid: clip(h.Kid), Alg: clip(h.Alg)}
	email, _ := tok.StringClaim("email")
	gmail, _ := tok.StringClaim("google_email")
	kurl, _ := tok.StringClaim("kacls_url")
	res, _ := tok.StringClaim("resource_name")
	n := 0
	for name := range tok.ClaimNames() {
		if !knownClaim(name) {
			n++
		}
	}
	rec.JWT = AuditJWT{
		Email: clip(email), GoogleEmail: clip(gmail), Iss: clip(tok.Issuer()), Aud: tok.Audience(),
		Exp: tok.Expiry().Unix(), Iat: tok.IssuedAt().Unix(), NumberOfCustomClaims: n,
		KACLSURL: clip(kurl), ResourceName: clip(res),
	}
	if !tok.HasIssuedAt() {
		rec.JWT.Iat = 0
	}
	if !tok.Expires() {
		rec.JWT.Exp = 0
	}
}

// maxPeek bounds the tokens read without trust for a refusal's record.
const maxPeek = 64 << 10

// fillFromRaw fills the jwt and jwk objects from a token that was refused:
// decoded without any check, every value clipped, nothing kept when it does
// not decode.
func (rec *AuditRecord) fillFromRaw(raw string) {
	if len(raw) > maxPeek {
		return
	}
	parts := strings.SplitN(raw, ".", 3)
	if len(parts) != 3 {
		return
	}
	var h struct {
		Kid string `json:"kid"`
		Alg string `json:"alg"`
	}
	if b, err := base64.RawURLEncoding.DecodeString(parts[0]); err == nil && json.Unmarshal(b, &h) == nil {
		rec.JWK = AuditJWK{Kid: clip(h.Kid), Alg: clip(h.Alg)}
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return
	}
	var claims map[string]json.RawMessage
	if json.Unmarshal(b, &claims) != nil {
		return
	}
	str := func(name string) string {
		var s string
		_ = json.Unmarshal(claims[name], &s)
		return clip(s)
	}
	num := func(name string) int64 {
		var f float64
		if json.Unmarshal(claims[name], &f) != nil || f != f || f > 1<<53 || f < -(1<<53) {
			return 0
		}
		return int64(f)
	}
	var aud []string
	if json.Unmarshal(claims["aud"], &aud) != nil {
		if s := str("aud"); s != "" {
			aud = []string{s}
		}
	}
	for i := range aud {
		aud[i] = clip(aud[i])
	}
	if len(aud) > 16 {
		aud = aud[:16]
	}
	n := 0
	for name := range claims {
		if !knownClaim(name) {
			n++
		}
	}
	rec.JWT = AuditJWT{
		Email: str("email"), GoogleEmail: str("google_email"), Iss: str("iss"), Aud: aud,
		Exp: num("exp"), Iat: num("iat"), NumberOfCustomClaims: n,
		KACLSURL: str("kacls_url"), ResourceName: str("resource_name"),
	}
}

// details is the short human cause of a refusal, never a token value.
func details(err error) string {
	for _, d := range []struct {
		err  error
		text string
	}{
		{ErrTenant, "unknown tenant"},
		{ErrTokenType, "wrong token type"},
		{ErrIssuer, "untrusted issuer"},
		{ErrIdPConfiguration, "IdP configuration unusable"},
		{ErrUnavailable, "keys unavailable"},
		{jwtverify.ErrUnavailable, "keys unavailable"},
		{ErrRole, "role not allowed for the operation"},
		{ErrKACLSURL, "kacls_url mismatch"},
		{ErrResourceName, "resource_name mismatch"},
		{ErrEmail, "email mismatch"},
		{ErrDelegation, "delegation mismatch"},
		{ErrGuest, "guest access not allowed"},
		{jwtverify.ErrExpired, "JWT expired"},
		{jwtverify.ErrNotYetValid, "JWT not yet valid"},
		{jwtverify.ErrIssuedInFuture, "JWT issued in the future"},
		{jwtverify.ErrAudience, "audience mismatch"},
		{jwtverify.ErrIssuer, "issuer mismatch"},
		{jwtverify.ErrSignature, "invalid signature"},
		{jwtverify.ErrUnknownKey, "unknown key"},
		{jwtverify.ErrWeakKey, "key refused"},
		{jwtverify.ErrAlgorithm, "algorithm not allowed"},
		{jwtverify.ErrMissingClaim, "missing claim"},
		{jwtverify.ErrTooLarge, "JWT too large"},
		{jwtverify.ErrMalformed, "malformed JWT"},
		{jwtverify.ErrCritical, "unsupported critical header"},
	} {
		if errors.Is(err, d.err) {
			return d.text
		}
	}
	return "invalid JWT"
}
