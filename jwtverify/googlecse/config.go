package googlecse

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/sesame-go/sesame/internal/remote"
	"github.com/sesame-go/sesame/jwtverify"
)

// Google's authorization token issuers and where their keys are.
const (
	// DefaultGoogleKeysURL prefixes an issuer to give its JWKS URL.
	DefaultGoogleKeysURL = "https://www.googleapis.com/service_accounts/v1/jwk/"
	// IssuerDrive, IssuerMeet, IssuerCalendar and IssuerGmail issue the
	// authorization tokens of each application.
	IssuerDrive    = "gsuitecse-tokenissuer-drive@system.gserviceaccount.com"
	IssuerMeet     = "gsuitecse-tokenissuer-meet@system.gserviceaccount.com"
	IssuerCalendar = "gsuitecse-tokenissuer-calendar@system.gserviceaccount.com"
	IssuerGmail    = "gsuitecse-tokenissuer-gmail@system.gserviceaccount.com"
	// IssuerMigration issues the authorization tokens of a KACLS migration.
	IssuerMigration = "apps-security-cse-kaclscommunication@system.gserviceaccount.com"
	// AudienceAuthorization is the aud of Google's authorization tokens.
	AudienceAuthorization = "cse-authorization"
	// AudienceMigration is the aud of kacls-to-kacls tokens.
	AudienceMigration = "kacls-migration"
)

// DefaultAuthorizationIssuers returns Google's authorization token issuers.
func DefaultAuthorizationIssuers() []string {
	return []string{IssuerDrive, IssuerMeet, IssuerCalendar, IssuerGmail, IssuerMigration}
}

// Config configures a Verifier. Its zero value, with Tenants and an Auditor (or
// a Logger), is the strict default.
type Config struct {
	// Tenants finds the tenant of each verification. Required.
	Tenants TenantResolver
	// Auditor receives the audit record of every verification, valid or not,
	// exactly once. Default: a SlogAuditor over Logger; New fails when neither
	// is set (a KACLS must keep its audit trail).
	Auditor Auditor
	// Logger receives the audit records when Auditor is nil, and key source
	// failures.
	Logger *slog.Logger
	// HTTPClient fetches IdP configurations and keys (default: a client with
	// Timeout). Redirects are followed only within their origin.
	HTTPClient *http.Client
	// InsecureAllowHTTP accepts http URLs (tests against plain-http fakes).
	// Default false.
	InsecureAllowHTTP bool
	// GoogleKeysURL prefixes an authorization token's issuer to give its JWKS
	// URL; default DefaultGoogleKeysURL (tests point it at googlecsetest).
	GoogleKeysURL string
	// AuthorizationIssuers are the accepted issuers of authorization tokens,
	// checked before any key URL is built; default
	// DefaultAuthorizationIssuers().
	AuthorizationIssuers []string
	// Timeout bounds each fetch (default 10 s).
	Timeout time.Duration
	// RefreshCooldown is the least time between two key fetches forced by
	// unknown kids, and the back-off after a failed fetch (default 30 s).
	RefreshCooldown time.Duration
	// Leeway is the clock skew allowed on exp and iat (0: 30 s; negative: none).
	Leeway time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Verifier checks the tokens of Google Workspace CSE key service calls, per
// tenant, and audits every verification. It is safe for concurrent use; build
// one per service. Key sources and verifiers are made on first use and shared
// by every tenant using them (Google's per-issuer JWKS by all), so many tenants
// cost memory only for the sources they actually use.
type Verifier struct {
	cfg Config

	keys      registry[string, *jwtverify.RemoteKeys]             // by URL
	cseConfs  registry[string, *remote.Cache[*cseConfiguration]]  // by URL
	discovery registry[string, *remote.Cache[*discoveryDocument]] // by URL
	verifiers registry[verifierKey, *jwtverify.Verifier]
	// authzVerifiers are the verifiers of Google's authorization token
	// issuers, by issuer: one lookup per token.
	authzVerifiers registry[string, *jwtverify.Verifier]

	authzKeys map[string]string // authorization token issuer -> its JWKS URL
	issuers   *issuerMemo       // issuers of tokens that verified

	records sync.Pool // *AuditRecord
}

// verifierKey names a verifier: its key source, issuer and audiences.
type verifierKey struct {
	src jwtverify.KeySource
	iss string
	aud string // audiences joined by a NUL
}

// New checks cfg and returns a Verifier. Nothing is fetched yet.
func New(cfg Config) (*Verifier, error) {
	if cfg.Tenants == nil {
		return nil, fmt.Errorf("%w: Config.Tenants is required", ErrConfig)
	}
	if cfg.Auditor == nil {
		if cfg.Logger == nil {
			return nil, fmt.Errorf("%w: set Config.Auditor or Config.Logger: every verification must be audited", ErrConfig)
		}
		cfg.Auditor = &SlogAuditor{Logger: cfg.Logger}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.GoogleKeysURL == "" {
		cfg.GoogleKeysURL = DefaultGoogleKeysURL
	}
	if err := checkURL("GoogleKeysURL", cfg.GoogleKeysURL, cfg.InsecureAllowHTTP); err != nil {
		return nil, err
	}
	if cfg.AuthorizationIssuers == nil {
		cfg.AuthorizationIssuers = DefaultAuthorizationIssuers()
	}
	cfg.AuthorizationIssuers = slices.Clone(cfg.AuthorizationIssuers)
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{
		cfg:       cfg,
		authzKeys: authorizationKeys(cfg.GoogleKeysURL, cfg.AuthorizationIssuers),
		issuers:   newIssuerMemo(),
	}, nil
}

// authorizationKeys maps each authorization token issuer to the URL of its
// keys: Google's prefix and the issuer, path-escaped.
func authorizationKeys(prefix string, issuers []string) map[string]string {
	m := make(map[string]string, len(issuers))
	for _, iss := range issuers {
		m[iss] = prefix + url.PathEscape(iss)
	}
	return m
}

// Sources returns how many remote documents (key sets, IdP configurations and
// discovery documents) the Verifier holds, for tests and metrics.
func (v *Verifier) Sources() int {
	return v.keys.len() + v.cseConfs.len() + v.discovery.len()
}
