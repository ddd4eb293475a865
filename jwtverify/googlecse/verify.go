package googlecse

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sesame-go/sesame/internal/jsonobj"
	"github.com/sesame-go/sesame/jwtverify"
)

// maxTokenSize bounds every token handed to the Verifier.
const maxTokenSize = 16 << 10

// Authentication is a verified authentication token of the tenant's IdP.
type Authentication struct {
	// Type is the kind of authentication token.
	Type TokenType
	// Operation is the KACLS call it was verified for.
	Operation Operation
	// Email is the user's email.
	Email string
	// GoogleEmail is the user's Google account email, when given.
	GoogleEmail string
	// DelegatedTo and ResourceName are set for a delegate token.
	DelegatedTo, ResourceName string
	// Token is the verified token, for further claims.
	Token *jwtverify.Token

	tenant *Tenant // the tenant it was verified for
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
// IdPs (types user, admin, wrapprivatekey and delegate authentication) for
// the KACLS call op: RS256, iss of a tenant IdP, aud one of its client ids, exp
// and iat, an email (a string; google_email, when present, too); a delegate
// token also needs delegated_to (else ErrDelegation) and resource_name (else
// ErrResourceName). A string that is not a JWT is jwtverify.ErrMalformed,
// whatever it names. The Auditor gets exactly one record, valid or not,
// naming op.
func (v *Verifier) VerifyAuthentication(ctx context.Context, tenantID, raw string, typ TokenType, op Operation) (*Authentication, error) {
	return audited(ctx, v, tenantID, raw, typ, op, func(rec *AuditRecord) (*Authentication, error) {
		return v.verifyAuthentication(ctx, rec, tenantID, raw, typ, op)
	})
}

func (v *Verifier) verifyAuthentication(ctx context.Context, rec *AuditRecord, tenantID, raw string, typ TokenType, op Operation) (*Authentication, error) {
	switch typ {
	case UserAuthentication, AdminAuthentication, WrapPrivateKeyAuthentication, DelegateAuthentication:
	default:
		return nil, fmt.Errorf("%w: %s is not an authentication type VerifyAuthentication checks", ErrTokenType, quote(string(typ)))
	}
	if !op.authenticated() {
		return nil, fmt.Errorf("%w: %s takes no authentication token (or is not an Operation)", ErrTokenType, quote(string(op)))
	}
	t, err := v.tenantFor(ctx, tenantID, raw)
	if err != nil {
		return nil, err
	}
	r, err := v.read(raw)
	if err != nil {
		return nil, err
	}
	src, aud, audKey, source, err := v.idpFor(ctx, t, r.iss)
	rec.Source = source
	if err != nil {
		return nil, unlessMalformed(raw, err)
	}
	jv, err := v.verifier(src, r.iss, aud, audKey)
	if err != nil {
		return nil, err
	}
	tok, err := v.verify(ctx, jv, r)
	if err != nil {
		return nil, err
	}
	a := &Authentication{Type: typ, Operation: op, Token: tok, tenant: t}
	if a.Email, err = requiredString(tok, "email", jwtverify.ErrMissingClaim); err != nil {
		return a, err
	}
	if a.GoogleEmail, _, err = optionalString(tok, "google_email"); err != nil {
		return a, err
	}
	if typ != DelegateAuthentication {
		return a, nil
	}
	if a.DelegatedTo, err = requiredString(tok, "delegated_to", ErrDelegation); err != nil {
		return a, err
	}
	if a.ResourceName, err = requiredString(tok, "resource_name", ErrResourceName); err != nil {
		return a, err
	}
	// A delegation is for the resource of an authorization token: at most
	// Gmail's 512 bytes.
	return a, checkResourceName(a.ResourceName, maxGmailResourceName)
}

// Operation is a KACLS call: it decides which tokens the call takes and which
// roles an authorization token may carry, and the audit record names it.
type Operation string

// Operations of Google's KACLS API, with the roles their authorization token
// may carry.
const (
	OpWrap              Operation = "wrap"              // writer, upgrader
	OpUnwrap            Operation = "unwrap"            // reader, writer
	OpPrivateKeyDecrypt Operation = "privatekeydecrypt" // decrypter (Gmail decrypt)
	OpPrivateKeySign    Operation = "privatekeysign"    // signer (Gmail sign)
	OpRewrap            Operation = "rewrap"            // migrator; authorization only
	OpDigest            Operation = "digest"            // verifier; authorization only
	// OpDelegate is /delegate: its authorization token names delegated_to
	// and resource_name (else ErrDelegation, ErrResourceName), any role, and
	// its kacls_owner_domain, when present, must be the tenant's OwnerDomain.
	OpDelegate Operation = "delegate"
	// OpPrivilegedUnwrap is /privilegedunwrap: an authentication token only
	// (an IdP's, or a peer KACLS's: VerifyKACLSToKACLS).
	OpPrivilegedUnwrap Operation = "privilegedunwrap"
	// OpPrivilegedWrap, OpPrivilegedPrivateKeyDecrypt and OpWrapPrivateKey
	// take an authentication token only.
	OpPrivilegedWrap              Operation = "privilegedwrap"
	OpPrivilegedPrivateKeyDecrypt Operation = "privilegedprivatekeydecrypt"
	OpWrapPrivateKey              Operation = "wrapprivatekey"
)

// Roles returns the roles an authorization token may carry for op: none for
// OpDelegate (any role), an operation without an authorization token or an
// unknown one.
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

// authorized reports whether op takes an authorization token.
func (op Operation) authorized() bool {
	return op == OpDelegate || op.Roles() != nil
}

// authenticated reports whether op takes an authentication token.
func (op Operation) authenticated() bool {
	switch op {
	case OpWrap, OpUnwrap, OpPrivateKeyDecrypt, OpPrivateKeySign, OpDelegate,
		OpPrivilegedUnwrap, OpPrivilegedWrap, OpPrivilegedPrivateKeyDecrypt, OpWrapPrivateKey:
		return true
	}
	return false
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
	// Operation is the KACLS call it was verified for.
	Operation Operation
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
	// OwnerDomain is kacls_owner_domain, when the token has it (checked
	// against Tenant.OwnerDomain).
	OwnerDomain string
	// MessageID, SPKIHash and SPKIHashAlgorithm are Gmail's message_id,
	// spki_hash and spki_hash_algorithm, when the token has them.
	MessageID, SPKIHash, SPKIHashAlgorithm string
	// Token is the verified token.
	Token *jwtverify.Token

	audit  auditedToken // its valid record's jwk and jwt, for VerifyPair's
	tenant *Tenant      // the tenant it was verified for
}

// VerifyAuthorization verifies an authorization token issued by Google for op:
// its iss is one of Config.AuthorizationIssuers (checked before its key URL is
// built), aud cse-authorization, RS256, exp and iat; kacls_url equal to the
// tenant's KACLSURL (else ErrKACLSURL); kacls_owner_domain, when present,
// equal to the tenant's OwnerDomain when it has one (OpDelegate: it must);
// a role allowed for op (else ErrRole); a resource_name of at most 128 bytes,
// 512 for Gmail (else ErrResourceName); for OpDelegate a delegated_to (else
// ErrDelegation). The Auditor gets exactly one record, naming op.
func (v *Verifier) VerifyAuthorization(ctx context.Context, tenantID, raw string, op Operation) (*AuthorizationToken, error) {
	return audited(ctx, v, tenantID, raw, Authorization, op, func(*AuditRecord) (*AuthorizationToken, error) {
		return v.verifyAuthorization(ctx, tenantID, raw, op)
	})
}

func (v *Verifier) verifyAuthorization(ctx context.Context, tenantID, raw string, op Operation) (*AuthorizationToken, error) {
	if !op.authorized() {
		return nil, fmt.Errorf("%w: %s takes no authorization token (or is not an Operation)", ErrTokenType, quote(string(op)))
	}
	t, err := v.tenantFor(ctx, tenantID, raw)
	if err != nil {
		return nil, err
	}
	r, err := v.read(raw)
	if err != nil {
		return nil, err
	}
	iss := r.iss
	keysURL, ok := v.authzKeys[iss]
	if !ok {
		return nil, unlessMalformed(raw, fmt.Errorf("%w: %s is not one of Google's authorization token issuers", ErrIssuer, quote(iss)))
	}
	jv, err := v.authzVerifiers.get(iss, func() (*jwtverify.Verifier, error) {
		src, err := v.keySource(keysURL)
		if err != nil {
			return nil, err
		}
		return v.verifier(src, iss, nil, AudienceAuthorization)
	})
	if err != nil {
		return nil, err
	}
	tok, err := v.verify(ctx, jv, r)
	if err != nil {
		return nil, err
	}
	a := &AuthorizationToken{Operation: op, Token: tok, tenant: t}
	optional := [...]struct {
		name string
		dst  *string
	}{
		{"email_type", &a.EmailType}, {"perimeter_id", &a.PerimeterID}, {"delegated_to", &a.DelegatedTo},
		{"kacls_owner_domain", &a.OwnerDomain}, {"message_id", &a.MessageID}, {"spki_hash", &a.SPKIHash},
		{"spki_hash_algorithm", &a.SPKIHashAlgorithm},
	}
	for name := range tok.ClaimNames() { // one pass: only the optional claims the token has are read
		for _, o := range optional {
			if o.name == name {
				if *o.dst, _, err = optionalString(tok, name); err != nil {
					return a, err
				}
			}
		}
	}
	if a.Email, err = requiredString(tok, "email", jwtverify.ErrMissingClaim); err != nil {
		return a, err
	}
	if a.EmailType == "" {
		a.EmailType = EmailTypeGoogle
	}
	switch a.EmailType {
	case EmailTypeGoogle, EmailTypeGoogleVisitor, EmailTypeCustomerIdP:
	default:
		return a, claimErr(jwtverify.ErrMalformed, "email_type", "unknown", "email_type %s", quote(a.EmailType))
	}
	if a.KACLSURL, err = requiredString(tok, "kacls_url", ErrKACLSURL); err != nil {
		return a, err
	}
	if a.KACLSURL != t.KACLSURL {
		return a, claimErr(ErrKACLSURL, "kacls_url", problemMismatch, "kacls_url %s", quote(a.KACLSURL))
	}
	if err := checkOwnerDomain(t, a.OwnerDomain, op); err != nil {
		return a, err
	}
	if roles := op.Roles(); roles != nil {
		if a.Role, err = requiredString(tok, "role", ErrRole); err != nil {
			return a, err
		}
		if !slices.Contains(roles, a.Role) {
			return a, claimErr(ErrRole, "role", "not allowed for the operation", "role %s for %s", quote(a.Role), quote(string(op)))
		}
	} else if a.Role, _, err = optionalString(tok, "role"); err != nil {
		return a, err
	}
	if a.ResourceName, err = requiredString(tok, "resource_name", ErrResourceName); err != nil {
		return a, err
	}
	bound := maxResourceName
	if iss == IssuerGmail {
		bound = maxGmailResourceName
	}
	if err := checkResourceName(a.ResourceName, bound); err != nil {
		return a, err
	}
	if op == OpDelegate && a.DelegatedTo == "" {
		return a, claimErr(ErrDelegation, "delegated_to", problemMissing)
	}
	return a, nil
}

// checkOwnerDomain compares an authorization token's kacls_owner_domain
// (domain, "" when absent) with the tenant's OwnerDomain: when both are there
// they must match, case-insensitively; for OpDelegate a tenant without an
// OwnerDomain cannot check it, and refuses (Google's delegate reference
// requires the check).
func checkOwnerDomain(t *Tenant, domain string, op Operation) error {
	switch {
	case domain == "":
		return nil
	case t.OwnerDomain != "":
		if !strings.EqualFold(domain, t.OwnerDomain) {
			return claimErr(ErrOwnerDomain, "kacls_owner_domain", problemMismatch, "kacls_owner_domain %s", quote(domain))
		}
	case op == OpDelegate:
		return claimErr(ErrOwnerDomain, "kacls_owner_domain", "unchecked", "kacls_owner_domain %s of a delegation, and the tenant has no OwnerDomain to check it against", quote(domain))
	}
	return nil
}

// KACLSToken is a verified kacls-to-kacls (migration) token.
type KACLSToken struct {
	// Issuer is the calling KACLS's URL, one of the tenant's TrustedKACLS.
	Issuer string
	// KACLSURL is this service's URL.
	KACLSURL string
	// ResourceName identifies the resource: the request's.
	ResourceName string
	// Token is the verified token.
	Token *jwtverify.Token
}

// VerifyKACLSToKACLS verifies the kacls-to-kacls token of a privileged unwrap
// during a migration, against the request's resource_name: its iss must be
// one of the tenant's TrustedKACLS (checked before anything is fetched: a
// token never chooses the URL of its keys), keys at <iss>/certs, aud
// kacls-migration, RS256, exp and iat, kacls_url equal to the tenant's
// KACLSURL (else ErrKACLSURL), and a resource_name of at most 128 bytes equal
// to resourceName, the request's (else ErrResourceName). The Auditor gets
// exactly one record, of type kacsl-to-kacls_authentication and operation
// privilegedunwrap, invalid on a mismatch.
func (v *Verifier) VerifyKACLSToKACLS(ctx context.Context, tenantID, raw, resourceName string) (*KACLSToken, error) {
	return audited(ctx, v, tenantID, raw, KACLSToKACLSAuthentication, OpPrivilegedUnwrap, func(*AuditRecord) (*KACLSToken, error) {
		return v.verifyKACLS(ctx, tenantID, raw, resourceName)
	})
}

func (v *Verifier) verifyKACLS(ctx context.Context, tenantID, raw, resourceName string) (*KACLSToken, error) {
	t, err := v.tenantFor(ctx, tenantID, raw)
	if err != nil {
		return nil, err
	}
	r, err := v.read(raw)
	if err != nil {
		return nil, err
	}
	iss := r.iss
	if iss == "" || !slices.Contains(t.TrustedKACLS, iss) {
		return nil, unlessMalformed(raw, fmt.Errorf("%w: %s is not a trusted KACLS of the tenant", ErrIssuer, quote(iss)))
	}
	tok, err := v.verifyAt(ctx, r, strings.TrimSuffix(iss, "/")+"/certs", AudienceMigration)
	if err != nil {
		return nil, err
	}
	k := &KACLSToken{Issuer: iss, Token: tok}
	if k.KACLSURL, err = requiredString(tok, "kacls_url", ErrKACLSURL); err != nil {
		return k, err
	}
	if k.KACLSURL != t.KACLSURL {
		return k, claimErr(ErrKACLSURL, "kacls_url", problemMismatch, "kacls_url %s", quote(k.KACLSURL))
	}
	if k.ResourceName, err = requiredString(tok, "resource_name", ErrResourceName); err != nil {
		return k, err
	}
	if err := checkResourceName(k.ResourceName, maxResourceName); err != nil {
		return k, err
	}
	if k.ResourceName != resourceName {
		return k, claimErr(ErrResourceName, "resource_name", problemMismatch, "resource_name %s of the token, %s of the request", quote(k.ResourceName), quote(resourceName))
	}
	return k, nil
}

// VerifyPair applies the rules between an authentication and an
// authorization token of one call, both returned by this package's
// verification calls for the same operation (else ErrTokenType) and for
// tenantID (else ErrTenant): the authorization email equals the authentication's
// google_email when present, else its email, compared case-insensitively
// (ErrEmail); a delegate authentication's delegated_to and resource_name equal
// the authorization's (ErrDelegation, ErrResourceName); a guest (email_type
// google-visitor or customer-idp) is refused unless the tenant allows guests
// (ErrGuest). The Auditor gets one record of type
// authentication_authorization_pair, naming the operation.
func (v *Verifier) VerifyPair(ctx context.Context, tenantID string, authn *Authentication, authz *AuthorizationToken) error {
	var op Operation
	if authz != nil {
		op = authz.Operation
	}
	rec := v.newRecord(tenantID, AuthorizationPair, op)
	defer v.records.Put(rec)
	err := v.verifyPair(ctx, tenantID, authn, authz)
	switch {
	case authz == nil || authz.Token == nil:
	case err == nil && authz.audit.ok: // the authorization's own record, valid, as this one is
		rec.JWK, rec.JWT = authz.audit.jwk, authz.audit.jwt
		rec.JWT.Aud = authz.Token.Audience()
	default:
		rec.fillFromToken(authz.Token, kindOf(AuthorizationPair, authz.Token.Issuer()), err != nil)
	}
	rec.Valid = err == nil
	if err != nil {
		rec.Details = details(err)
	}
	v.cfg.Auditor.Audit(ctx, rec)
	return err
}

func (v *Verifier) verifyPair(ctx context.Context, tenantID string, authn *Authentication, authz *AuthorizationToken) error {
	if authn == nil || authz == nil || authn.Token == nil || authz.Token == nil || authn.tenant == nil || authz.tenant == nil {
		if _, err := v.tenant(ctx, tenantID); err != nil {
			return err
		}
		return fmt.Errorf("%w: VerifyPair needs two tokens verified by this package", ErrTokenType)
	}
	// The tenant both tokens were verified for, moments ago in this call.
	t := authz.tenant
	if t.ID != tenantID || authn.tenant.ID != tenantID {
		return fmt.Errorf("%w: %s and %s, not %s", errOtherTenant,
			quote(authn.tenant.ID), quote(t.ID), quote(clipTo(tenantID, maxAuditID)))
	}
	if authn.Operation != authz.Operation {
		return fmt.Errorf("%w: authentication verified for %s, authorization for %s", ErrTokenType, quote(string(authn.Operation)), quote(string(authz.Operation)))
	}
	if !strings.EqualFold(authz.Email, authn.AuthorizedEmail()) {
		return claimErr(ErrEmail, "email", problemMismatch, "email %s of the authorization, %s of the authentication", quote(authz.Email), quote(authn.AuthorizedEmail()))
	}
	if authn.Type == DelegateAuthentication {
		if authz.DelegatedTo == "" || !strings.EqualFold(authz.DelegatedTo, authn.DelegatedTo) {
			return claimErr(ErrDelegation, "delegated_to", problemMismatch, "delegated_to %s of the authentication, %s of the authorization", quote(authn.DelegatedTo), quote(authz.DelegatedTo))
		}
		if authz.ResourceName != authn.ResourceName {
			return claimErr(ErrResourceName, "resource_name", problemMismatch, "resource_name of the delegate token is not the authorization's")
		}
	}
	if authz.EmailType != EmailTypeGoogle && !t.AllowGuests {
		return claimErr(ErrGuest, "email_type", "not allowed (guest)", "email_type %s", quote(authz.EmailType))
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
func (v *Verifier) newRecord(tenantID string, typ TokenType, op Operation) *AuditRecord {
	rec, _ := v.records.Get().(*AuditRecord)
	if rec == nil {
		rec = new(AuditRecord)
	}
	if !op.authenticated() && !op.authorized() {
		op = Operation(clipTo(string(op), maxAuditID))
	}
	*rec = AuditRecord{TenantID: clipTo(tenantID, maxAuditID), Type: typ, Source: SourceLocal, Operation: op}
	return rec
}

// verifyAt verifies r with the keys at keysURL for its issuer and audience
// aud.
func (v *Verifier) verifyAt(ctx context.Context, r routed, keysURL, aud string) (*jwtverify.Token, error) {
	src, err := v.keySource(keysURL)
	if err != nil {
		return nil, err
	}
	jv, err := v.verifier(src, r.iss, nil, aud)
	if err != nil {
		return nil, err
	}
	return v.verify(ctx, jv, r)
}

// verify runs jv on r, remembering the issuer of a token that verified; a
// failure says which required claim is missing, and an outage is also
// ErrUnavailable.
func (v *Verifier) verify(ctx context.Context, jv *jwtverify.Verifier, r routed) (*jwtverify.Token, error) {
	var tok *jwtverify.Token
	var err error
	if r.u != nil {
		tok, err = jv.VerifyParsed(ctx, r.u)
	} else {
		tok, err = jv.Verify(ctx, r.raw)
	}
	if err != nil {
		return nil, nameMissing(r.raw, unavailable(err), standardClaims())
	}
	if r.u != nil {
		v.issuers.put(r.raw, r.hash, r.iss)
	}
	return tok, nil
}

// verified is a result holding the token it was verified from.
type verified interface {
	*Authentication | *AuthorizationToken | *KACLSToken
	verifiedToken() *jwtverify.Token
	recorded(*AuditRecord) // called with the record of a valid token
}

func (a *Authentication) verifiedToken() *jwtverify.Token     { return a.Token }
func (a *AuthorizationToken) verifiedToken() *jwtverify.Token { return a.Token }
func (k *KACLSToken) verifiedToken() *jwtverify.Token         { return k.Token }

func (a *Authentication) recorded(*AuditRecord) {}
func (k *KACLSToken) recorded(*AuditRecord)     {}

// recorded keeps what the valid token's record says of it, for the pair's
// record (VerifyPair) to repeat without reading the token again. Aud is
// left out: the Auditor had that slice.
func (a *AuthorizationToken) recorded(rec *AuditRecord) {
	a.audit = auditedToken{jwk: rec.JWK, jwt: rec.JWT, ok: true}
	a.audit.jwt.Aud = nil
}

// auditedToken is the jwk and jwt objects of a valid token's record.
type auditedToken struct {
	jwk AuditJWK
	jwt AuditJWT
	ok  bool // set
}

// audited runs one verification and hands its record to the Auditor, exactly
// once, whatever the outcome. A result is returned only without an error.
func audited[T verified](ctx context.Context, v *Verifier, tenantID, raw string, typ TokenType, op Operation, verify func(*AuditRecord) (T, error)) (T, error) {
	rec := v.newRecord(tenantID, typ, op)
	defer v.records.Put(rec)
	res, err := verify(rec)
	var tok *jwtverify.Token
	if res != nil {
		tok = res.verifiedToken()
	}
	v.fill(rec, raw, typ, tok, err)
	if err == nil {
		res.recorded(rec)
	}
	v.cfg.Auditor.Audit(ctx, rec)
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

// fill completes rec from the verified token (a check after the signature
// may still have refused it) or, without one, from the raw token read
// without trust.
func (v *Verifier) fill(rec *AuditRecord, raw string, typ TokenType, tok *jwtverify.Token, err error) {
	if tok != nil {
		rec.fillFromToken(tok, kindOf(typ, tok.Issuer()), err != nil)
	} else {
		rec.fillFromRaw(raw, typ)
	}
	rec.Valid = err == nil
	if err != nil {
		rec.Details = details(err)
	}
}

// checkResourceName requires a resource_name of 1 to bound bytes.
func checkResourceName(name string, bound int) error {
	if name == "" {
		return claimErr(ErrResourceName, "resource_name", problemMissing)
	}
	if len(name) > bound {
		return claimErr(ErrResourceName, "resource_name", problemTooLong, "resource_name of %d bytes, limit %d", len(name), bound)
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

// routed is a token read for routing: the issuer it claims, unverified,
// only to choose among configured key sources, and its parse (nil for a
// token whose issuer was remembered: it verified before, and jwtverify's
// cache answers it without a parse).
type routed struct {
	raw  string
	hash uint64 // in v.issuers
	iss  string
	u    *jwtverify.Unverified
}

// read routes raw: from the issuer memory for a token that verified
// before, else by parsing it, once for routing and verification.
func (v *Verifier) read(raw string) (routed, error) {
	r := routed{raw: raw, hash: v.issuers.hash(raw)}
	if iss, ok := v.issuers.get(raw, r.hash); ok {
		r.iss = iss
		return r, nil
	}
	var err error
	r.u, r.iss, err = parse(raw)
	return r, err
}

// parse reads raw once, for routing and then verification: the token
// and the iss it claims, unverified. A string that is not a JWT is
// jwtverify.ErrMalformed, a token without a string iss a *ClaimError:
// parsed before anything classifies it.
func parse(raw string) (*jwtverify.Unverified, string, error) {
	u, err := jwtverify.ParseUnverified(raw)
	if err != nil {
		if _, perr := parseUnverified(raw); perr != nil {
			return nil, "", perr // says what is wrong in this package's words
		}
		return nil, "", err
	}
	if iss, ok := u.StringClaim("iss"); ok {
		return u, iss, nil
	}
	if m, ok := u.Claim("iss"); !ok || jsonobj.IsNull(m) {
		return nil, "", claimErr(jwtverify.ErrMissingClaim, "iss", problemMissing)
	}
	return nil, "", claimErr(jwtverify.ErrMalformed, "iss", problemNotString)
}
