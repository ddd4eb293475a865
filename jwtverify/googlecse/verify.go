package googlecse

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/sesame-go/sesame/jwtverify"
)

// maxTokenSize bounds every token handed to the Verifier.
const maxTokenSize = 16 << 10

// Authentication is a verified authentication token of the tenant's IdP.
type Authentication struct {
	// Type is the kind of authentication token.
	Type TokenType
	// Email is the user's email.
	Email string
	// GoogleEmail is the user's Google account email, when given.
	GoogleEmail string
	// DelegatedTo and ResourceName are set for a delegate token.
	DelegatedTo, ResourceName string
	// Token is the verified token, for further claims.
	Token *jwtverify.Token
}

// AuthorizedEmail is the email an authorization token must name: GoogleEmail
// when present, else Email.
func (a *Authentication) AuthorizedEmail() string {
	if a.GoogleEmail != "" {
		return a.GoogleEmail
	}
	return a.Email
}

// VerifyAuthentication verifies an authentication token of one of the tenant's
// IdPs (types user, admin, wrapprivatekey and delegate authentication): RS256,
// iss of a tenant IdP, aud one of its client ids, exp and iat, an email; a
// delegate token also needs delegated_to and resource_name. The Auditor gets
// exactly one record, valid or not.
func (v *Verifier) VerifyAuthentication(ctx context.Context, tenantID, raw string, typ TokenType) (*Authentication, error) {
	return audited(ctx, v, tenantID, raw, typ, func(rec *AuditRecord) (*Authentication, error) {
		return v.verifyAuthentication(ctx, rec, tenantID, raw, typ)
	})
}

func (v *Verifier) verifyAuthentication(ctx context.Context, rec *AuditRecord, tenantID, raw string, typ TokenType) (*Authentication, error) {
	switch typ {
	case UserAuthentication, AdminAuthentication, WrapPrivateKeyAuthentication, DelegateAuthentication:
	default:
		return nil, fmt.Errorf("%w: %s is not an authentication type VerifyAuthentication checks", ErrTokenType, quote(string(typ)))
	}
	t, err := v.tenantFor(ctx, tenantID, raw)
	if err != nil {
		return nil, err
	}
	iss := v.issuer(raw)
	src, aud, audKey, source, err := v.idpFor(ctx, t, iss)
	rec.Source = source
	if err != nil {
		return nil, err
	}
	req := requiredAuthn()
	if typ == DelegateAuthentication {
		req = requiredDelegate()
	}
	jv, err := v.verifier(src, iss, aud, audKey, req)
	if err != nil {
		return nil, err
	}
	tok, err := jv.Verify(ctx, raw)
	if err != nil {
		return nil, unavailable(err)
	}
	v.rememberIssuer(raw, iss)
	a := &Authentication{Type: typ, Token: tok}
	a.Email, _ = tok.StringClaim("email")
	a.GoogleEmail, _ = tok.StringClaim("google_email")
	if typ == DelegateAuthentication {
		a.DelegatedTo, _ = tok.StringClaim("delegated_to")
		a.ResourceName, _ = tok.StringClaim("resource_name")
		if a.DelegatedTo == "" {
			return a, fmt.Errorf("%w: delegate token without delegated_to", ErrDelegation)
		}
		if err := checkResourceName(a.ResourceName, maxResourceName); err != nil {
			return a, err
		}
	}
	if a.Email == "" {
		return a, fmt.Errorf("%w: %q", jwtverify.ErrMissingClaim, "email")
	}
	return a, nil
}

// Operation is a KACLS call; it decides which roles an authorization token may
// carry.
type Operation string

// Operations and the roles they accept.
const (
	OpWrap              Operation = "wrap"              // writer, upgrader
	OpUnwrap            Operation = "unwrap"            // reader, writer
	OpPrivateKeyDecrypt Operation = "privatekeydecrypt" // decrypter (Gmail decrypt)
	OpPrivateKeySign    Operation = "privatekeysign"    // signer (Gmail sign)
	OpRewrap            Operation = "rewrap"            // migrator
	OpDigest            Operation = "digest"            // verifier
)

// Roles returns the roles allowed for op (none for an unknown operation).
func (op Operation) Roles() []string {
	switch op {
	case OpWrap:
		return []string{"writer", "upgrader"}
	case OpUnwrap:
		return []string{"reader", "writer"}
	case OpPrivateKeyDecrypt:
		return []string{"decrypter"}
	case OpPrivateKeySign:
		return []string{"signer"}
	case OpRewrap:
		return []string{"migrator"}
	case OpDigest:
		return []string{"verifier"}
	}
	return nil
}

// Email types of authorization tokens.
const (
	EmailTypeGoogle        = "google"
	EmailTypeGoogleVisitor = "google-visitor"
	EmailTypeCustomerIdP   = "customer-idp"
)

// Bounds of resource_name.
const (
	maxResourceName      = 128
	maxGmailResourceName = 512
)

// AuthorizationToken is a verified authorization token issued by Google.
type AuthorizationToken struct {
	// Email is the user the token authorizes.
	Email string
	// EmailType is google (the default when absent), google-visitor or
	// customer-idp.
	EmailType string
	// Role is the granted role.
	Role string
	// KACLSURL is this service's URL.
	KACLSURL string
	// ResourceName identifies the encrypted resource.
	ResourceName string
	// PerimeterID and DelegatedTo are set when the token has them.
	PerimeterID, DelegatedTo string
	// Token is the verified token.
	Token *jwtverify.Token
}

// VerifyAuthorization verifies an authorization token issued by Google for op:
// its iss is one of Config.AuthorizationIssuers (checked before its key URL is
// built), aud cse-authorization, RS256, exp and iat; kacls_url equal to the
// tenant's KACLSURL; a role allowed for op; resource_name of at most 128 bytes
// (512 for Gmail). The Auditor gets exactly one record.
func (v *Verifier) VerifyAuthorization(ctx context.Context, tenantID, raw string, op Operation) (*AuthorizationToken, error) {
	return audited(ctx, v, tenantID, raw, Authorization, func(*AuditRecord) (*AuthorizationToken, error) {
		return v.verifyAuthorization(ctx, tenantID, raw, op)
	})
}

func (v *Verifier) verifyAuthorization(ctx context.Context, tenantID, raw string, op Operation) (*AuthorizationToken, error) {
	t, err := v.tenantFor(ctx, tenantID, raw)
	if err != nil {
		return nil, err
	}
	iss := v.issuer(raw)
	if !slices.Contains(v.cfg.AuthorizationIssuers, iss) {
		return nil, fmt.Errorf("%w: %s is not one of Google's authorization token issuers", ErrIssuer, quote(iss))
	}
	tok, err := v.verifyAt(ctx, raw, v.cfg.GoogleKeysURL+url.PathEscape(iss), iss, AudienceAuthorization, requiredAuthz())
	if err != nil {
		return nil, err
	}
	a := &AuthorizationToken{Token: tok}
	a.Email, _ = tok.StringClaim("email")
	a.EmailType, _ = tok.StringClaim("email_type")
	a.Role, _ = tok.StringClaim("role")
	a.KACLSURL, _ = tok.StringClaim("kacls_url")
	a.ResourceName, _ = tok.StringClaim("resource_name")
	a.PerimeterID, _ = tok.StringClaim("perimeter_id")
	a.DelegatedTo, _ = tok.StringClaim("delegated_to")
	if a.EmailType == "" {
		a.EmailType = EmailTypeGoogle
	}
	switch a.EmailType {
	case EmailTypeGoogle, EmailTypeGoogleVisitor, EmailTypeCustomerIdP:
	default:
		return a, fmt.Errorf("%w: email_type %s", jwtverify.ErrMalformed, quote(a.EmailType))
	}
	if a.Email == "" {
		return a, fmt.Errorf("%w: %q", jwtverify.ErrMissingClaim, "email")
	}
	if a.KACLSURL != t.KACLSURL {
		return a, fmt.Errorf("%w: kacls_url %s", ErrKACLSURL, quote(a.KACLSURL))
	}
	if !slices.Contains(op.Roles(), a.Role) {
		return a, fmt.Errorf("%w: role %s for %s", ErrRole, quote(a.Role), quote(string(op)))
	}
	bound := maxResourceName
	if iss == IssuerGmail {
		bound = maxGmailResourceName
	}
	return a, checkResourceName(a.ResourceName, bound)
}

// KACLSToken is a verified kacls-to-kacls (migration) token.
type KACLSToken struct {
	// Issuer is the calling KACLS's URL, one of the tenant's TrustedKACLS.
	Issuer string
	// KACLSURL is this service's URL.
	KACLSURL string
	// ResourceName identifies the resource.
	ResourceName string
	// Token is the verified token.
	Token *jwtverify.Token
}

// VerifyKACLSToKACLS verifies a kacls-to-kacls token of a privileged unwrap
// during a migration: its iss must be one of the tenant's TrustedKACLS (checked
// before anything is fetched: a token never chooses the URL of its keys), keys
// at <iss>/certs, aud kacls-migration, RS256, exp and iat, kacls_url equal to
// the tenant's KACLSURL and a resource_name. The Auditor gets exactly one
// record, of type kacsl-to-kacls_authentication.
func (v *Verifier) VerifyKACLSToKACLS(ctx context.Context, tenantID, raw string) (*KACLSToken, error) {
	return audited(ctx, v, tenantID, raw, KACLSToKACLSAuthentication, func(*AuditRecord) (*KACLSToken, error) {
		return v.verifyKACLS(ctx, tenantID, raw)
	})
}

func (v *Verifier) verifyKACLS(ctx context.Context, tenantID, raw string) (*KACLSToken, error) {
	t, err := v.tenantFor(ctx, tenantID, raw)
	if err != nil {
		return nil, err
	}
	iss := v.issuer(raw)
	if iss == "" || !slices.Contains(t.TrustedKACLS, iss) {
		return nil, fmt.Errorf("%w: %s is not a trusted KACLS of the tenant", ErrIssuer, quote(iss))
	}
	tok, err := v.verifyAt(ctx, raw, strings.TrimSuffix(iss, "/")+"/certs", iss, AudienceMigration, requiredKACLS())
	if err != nil {
		return nil, err
	}
	k := &KACLSToken{Issuer: iss, Token: tok}
	k.KACLSURL, _ = tok.StringClaim("kacls_url")
	k.ResourceName, _ = tok.StringClaim("resource_name")
	if k.KACLSURL != t.KACLSURL {
		return k, fmt.Errorf("%w: kacls_url %s", ErrKACLSURL, quote(k.KACLSURL))
	}
	return k, checkResourceName(k.ResourceName, maxResourceName)
}

// VerifyPair applies the rules between an authentication and an
// authorization token of one call: the authorization email equals the
// authentication's google_email when present, else its email, compared
// case-insensitively; a delegate authentication's delegated_to and
// resource_name equal the authorization's; a guest (email_type google-visitor
// or customer-idp) is refused unless the tenant allows guests. The Auditor gets
// one record of type authentication_authorization_pair.
func (v *Verifier) VerifyPair(ctx context.Context, tenantID string, authn *Authentication, authz *AuthorizationToken) error {
	rec := v.newRecord(tenantID, AuthorizationPair)
	defer v.records.Put(rec)
	err := v.verifyPair(ctx, tenantID, authn, authz)
	if authz != nil && authz.Token != nil {
		rec.fillFromToken(authz.Token)
	}
	rec.Valid = err == nil
	if err != nil {
		rec.Details = details(err)
	}
	v.cfg.Auditor.Audit(ctx, rec)
	return err
}

func (v *Verifier) verifyPair(ctx context.Context, tenantID string, authn *Authentication, authz *AuthorizationToken) error {
	t, err := v.tenant(ctx, tenantID)
	if err != nil {
		return err
	}
	if authn == nil || authz == nil || authn.Token == nil || authz.Token == nil {
		return fmt.Errorf("%w: VerifyPair needs two verified tokens", ErrTokenType)
	}
	if !strings.EqualFold(authz.Email, authn.AuthorizedEmail()) {
		return fmt.Errorf("%w: authorization for %s, authentication of %s", ErrEmail, quote(authz.Email), quote(authn.AuthorizedEmail()))
	}
	if authn.Type == DelegateAuthentication {
		if authz.DelegatedTo == "" || !strings.EqualFold(authz.DelegatedTo, authn.DelegatedTo) {
			return fmt.Errorf("%w: delegated_to %s, authorization %s", ErrDelegation, quote(authn.DelegatedTo), quote(authz.DelegatedTo))
		}
		if authz.ResourceName != authn.ResourceName {
			return fmt.Errorf("%w: delegate token for another resource", ErrResourceName)
		}
	}
	if authz.EmailType != EmailTypeGoogle && !t.AllowGuests {
		return fmt.Errorf("%w: email_type %s", ErrGuest, quote(authz.EmailType))
	}
	return nil
}

// tenant resolves and checks the tenant of a call.
func (v *Verifier) tenant(ctx context.Context, id string) (*Tenant, error) {
	if !isUUIDv4(id) {
		return nil, fmt.Errorf("%w: tenant id %s is not a uuid v4", ErrTenant, quote(id))
	}
	t, err := v.cfg.Tenants.Tenant(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTenant, err)
	}
	if t == nil || t.ID != id {
		return nil, fmt.Errorf("%w: %s", ErrTenant, quote(id))
	}
	return t, nil
}

// newRecord takes a record from the pool (an Auditor must not keep it past
// Audit) and sets it up.
func (v *Verifier) newRecord(tenantID string, typ TokenType) *AuditRecord {
	rec, _ := v.records.Get().(*AuditRecord)
	if rec == nil {
		rec = new(AuditRecord)
	}
	*rec = AuditRecord{TenantID: clip(tenantID), Type: typ, Source: SourceLocal}
	return rec
}

// verifyAt verifies raw with the keys at keysURL for issuer iss and audience
// aud, remembering the issuer of a verified payload.
func (v *Verifier) verifyAt(ctx context.Context, raw, keysURL, iss, aud string, req required) (*jwtverify.Token, error) {
	src, err := v.keySource(keysURL)
	if err != nil {
		return nil, err
	}
	jv, err := v.verifier(src, iss, []string{aud}, aud, req)
	if err != nil {
		return nil, err
	}
	tok, err := jv.Verify(ctx, raw)
	if err != nil {
		return nil, unavailable(err)
	}
	v.rememberIssuer(raw, iss)
	return tok, nil
}

// verified is a result holding the token it was verified from.
type verified interface {
	*Authentication | *AuthorizationToken | *KACLSToken
	verifiedToken() *jwtverify.Token
}

func (a *Authentication) verifiedToken() *jwtverify.Token     { return a.Token }
func (a *AuthorizationToken) verifiedToken() *jwtverify.Token { return a.Token }
func (k *KACLSToken) verifiedToken() *jwtverify.Token         { return k.Token }

// audited runs one verification and hands its record to the Auditor, exactly
// once, whatever the outcome. A result is returned only without an error.
func audited[T verified](ctx context.Context, v *Verifier, tenantID, raw string, typ TokenType, verify func(*AuditRecord) (T, error)) (T, error) {
	rec := v.newRecord(tenantID, typ)
	defer v.records.Put(rec)
	res, err := verify(rec)
	var tok *jwtverify.Token
	if res != nil {
		tok = res.verifiedToken()
	}
	v.audit(ctx, rec, raw, tok, err)
	if err != nil {
		var zero T
		return zero, err
	}
	return res, nil
}

// tenantFor resolves the tenant of a call and bounds its token.
func (v *Verifier) tenantFor(ctx context.Context, tenantID, raw string) (*Tenant, error) {
	t, err := v.tenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if len(raw) > maxTokenSize {
		return nil, fmt.Errorf("%w: token of %d bytes", jwtverify.ErrTooLarge, len(raw))
	}
	return t, nil
}

// audit completes rec from the verified token (a check after the signature
// may still have refused it) or, without one, from the raw token read without
// trust, and hands it to the Auditor, once.
func (v *Verifier) audit(ctx context.Context, rec *AuditRecord, raw string, tok *jwtverify.Token, err error) {
	if tok != nil {
		rec.fillFromToken(tok)
	} else {
		rec.fillFromRaw(raw)
	}
	rec.Valid = err == nil
	if err != nil {
		rec.Details = details(err)
	}
	v.cfg.Auditor.Audit(ctx, rec)
}

// checkResourceName requires a resource_name of at most bound bytes.
func checkResourceName(name string, bound int) error {
	if name == "" {
		return fmt.Errorf("%w: missing", ErrResourceName)
	}
	if len(name) > bound {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrResourceName, len(name), bound)
	}
	return nil
}

// unavailable adds ErrUnavailable to a key-source failure.
func unavailable(err error) error {
	if isUnavailable(err) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

// peekIssuer reads iss without any check, only to choose among configured key
// sources; "" when unreadable.
func peekIssuer(raw string) string {
	iss, _ := jwtverify.UnverifiedStringClaim(raw, "iss")
	return iss
}

// issuer is peekIssuer, remembered for the payloads of tokens that verified
// (so a forger cannot fill the memory; a repeat token skips the decoding).
func (v *Verifier) issuer(raw string) string {
	seg := payloadSegment(raw)
	v.issMu.Lock()
	iss, ok := v.issuers[seg]
	v.issMu.Unlock()
	if ok {
		return iss
	}
	return peekIssuer(raw)
}

// rememberIssuer records the issuer of a verified token's payload.
func (v *Verifier) rememberIssuer(raw, iss string) {
	seg := payloadSegment(raw)
	if seg == "" {
		return
	}
	v.issMu.Lock()
	defer v.issMu.Unlock()
	if _, ok := v.issuers[seg]; ok {
		return
	}
	if len(v.issuers) >= maxRememberedIssuers {
		clear(v.issuers) // a crude bound: the next tokens fill it again
	}
	v.issuers[seg] = iss
}

// maxRememberedIssuers bounds the issuer memory.
const maxRememberedIssuers = 4096

// payloadSegment returns the middle segment of a compact token, "" if none.
func payloadSegment(raw string) string {
	i := strings.IndexByte(raw, '.')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(raw[i+1:], '.')
	if j < 0 {
		return ""
	}
	return raw[i+1 : i+1+j]
}
