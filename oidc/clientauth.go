package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// AuthMethod is a token endpoint authentication method (OpenID Connect Core
// §9, token_endpoint_auth_method of the client's registration).
type AuthMethod string

// The client authentication methods.
const (
	// ClientSecretBasic sends the client ID and secret in an HTTP Basic
	// Authorization header, each form-urlencoded first (RFC 6749 §2.3.1). The
	// OpenID Connect default for a confidential client.
	ClientSecretBasic AuthMethod = "client_secret_basic"
	// ClientSecretPost sends client_id and client_secret in the request body
	// (ProConnect's method).
	ClientSecretPost AuthMethod = "client_secret_post"
	// ClientSecretJWT sends a client assertion signed HS256 with the client
	// secret (RFC 7523).
	ClientSecretJWT AuthMethod = "client_secret_jwt"
	// PrivateKeyJWT sends a client assertion signed by Config.PrivateKey
	// (RFC 7523).
	PrivateKeyJWT AuthMethod = "private_key_jwt"
	// AuthNone is a public client: client_id only, PKCE always.
	AuthNone AuthMethod = "none"
)

// assertionTTL is the lifetime of a client assertion: long enough for one
// request, short enough that a leaked one is soon useless.
const assertionTTL = time.Minute

// assertionType is RFC 7523's client_assertion_type.
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// normalizeAuth checks the client authentication settings and fills in the
// method's default.
func (cfg *Config) normalizeAuth() error {
	if cfg.AuthMethod == "" {
		cfg.AuthMethod = ClientSecretBasic
		if cfg.ProConnect {
			cfg.AuthMethod = ClientSecretPost
		}
	}
	secret := false
	switch cfg.AuthMethod {
	case ClientSecretBasic, ClientSecretPost:
		secret = true
	case ClientSecretJWT:
		secret = true
		if len(cfg.ClientSecret) < 32 {
			return fmt.Errorf("%w: client_secret_jwt needs a client secret of 32 bytes or more", ErrConfig)
		}
	case PrivateKeyJWT:
		if cfg.PrivateKey == nil || cfg.PrivateKeyID == "" {
			return fmt.Errorf("%w: private_key_jwt needs PrivateKey and PrivateKeyID", ErrConfig)
		}
		alg, err := assertionAlg(cfg.PrivateKey, cfg.PrivateKeyAlgorithm)
		if err != nil {
			return err
		}
		cfg.PrivateKeyAlgorithm = alg
	case AuthNone:
		if cfg.InsecureDisablePKCE {
			return fmt.Errorf("%w: a public client (AuthMethod none) needs PKCE", ErrConfig)
		}
	default:
		return fmt.Errorf("%w: unknown AuthMethod %q", ErrConfig, cfg.AuthMethod)
	}
	if secret != (cfg.ClientSecret != "") {
		return fmt.Errorf("%w: AuthMethod %s needs a ClientSecret if and only if it uses one", ErrConfig, cfg.AuthMethod)
	}
	if cfg.ClientAssertionAudienceIssuer && cfg.AuthMethod != ClientSecretJWT && cfg.AuthMethod != PrivateKeyJWT {
		return fmt.Errorf("%w: ClientAssertionAudienceIssuer is for client_secret_jwt and private_key_jwt", ErrConfig)
	}
	if cfg.AuthMethod != PrivateKeyJWT && (cfg.PrivateKey != nil || cfg.PrivateKeyID != "" || cfg.PrivateKeyAlgorithm != "") {
		return fmt.Errorf("%w: PrivateKey is for private_key_jwt only", ErrConfig)
	}
	return nil
}

// assertionAlg returns the algorithm for key: alg when given and fit for the
// key, else the key's default. RSA keys under 2048 bits and other curves are
// refused.
func assertionAlg(key crypto.Signer, alg string) (string, error) {
	var fits []string
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < 2048 {
			return "", fmt.Errorf("%w: RSA PrivateKey of %d bits, 2048 or more needed", ErrConfig, pub.N.BitLen())
		}
		fits = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256():
			fits = []string{"ES256"}
		case elliptic.P384():
			fits = []string{"ES384"}
		case elliptic.P521():
			fits = []string{"ES512"}
		default:
			return "", fmt.Errorf("%w: ECDSA PrivateKey on an unsupported curve", ErrConfig)
		}
	case ed25519.PublicKey:
		fits = []string{"EdDSA"}
	default:
		return "", fmt.Errorf("%w: PrivateKey of type %T is not supported", ErrConfig, pub)
	}
	if alg == "" {
		return fits[0], nil
	}
	for _, f := range fits {
		if f == alg {
			return alg, nil
		}
	}
	return "", fmt.Errorf("%w: PrivateKeyAlgorithm %q does not fit the key (one of %q)", ErrConfig, alg, fits)
}

// authenticate adds the client's credentials to a request to the token or PAR
// endpoint: to form, or as a Basic Authorization header set on header.
// endpoint is the URL the request goes to: a client assertion names it as its
// sole audience (the token endpoint, OpenID Connect Core §9; the PAR endpoint,
// which RFC 9126 §2 requires a provider to accept), or the issuer when
// Config.ClientAssertionAudienceIssuer is set. Never another endpoint's URL: an
// assertion posted to one endpoint cannot then be replayed at another by
// whoever runs the first (the 2025 private_key_jwt audience advisory).
func (c *Client) authenticate(form url.Values, header http.Header, endpoint string) error {
	aud := endpoint
	if c.cfg.ClientAssertionAudienceIssuer {
		aud = c.cfg.Issuer
	}
	switch c.cfg.AuthMethod {
	case ClientSecretBasic: // the header names the client
		header.Set("Authorization", basicAuth(c.cfg.ClientID, c.cfg.ClientSecret))
	case ClientSecretPost:
		form.Set("client_id", c.cfg.ClientID)
		form.Set("client_secret", c.cfg.ClientSecret)
	case AuthNone:
		form.Set("client_id", c.cfg.ClientID)
	case ClientSecretJWT, PrivateKeyJWT:
		a, err := c.clientAssertion(aud)
		if err != nil {
			return err
		}
		form.Set("client_id", c.cfg.ClientID)
		form.Set("client_assertion_type", assertionType)
		form.Set("client_assertion", a)
	}
	return nil
}

// basicAuth is the client_secret_basic header: id and secret each
// form-urlencoded, then joined by ":" and base64-encoded (RFC 6749 §2.3.1).
func basicAuth(id, secret string) string {
	pair := url.QueryEscape(id) + ":" + url.QueryEscape(secret)
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(pair))
}

// clientAssertion returns a fresh RFC 7523 client assertion for aud (a
// single string, not an array): iss and sub the client ID, a 256-bit jti from
// crypto/rand, iat now and exp a minute later; HS256 with the client secret
// (client_secret_jwt) or Config.PrivateKey with its kid (private_key_jwt).
func (c *Client) clientAssertion(aud string) (string, error) {
	now := c.cfg.Now()
	tok, err := jwt.NewBuilder().
		Issuer(c.cfg.ClientID).Subject(c.cfg.ClientID).Audience([]string{aud}).
		JwtID(randomString()).IssuedAt(now).Expiration(now.Add(assertionTTL)).
		Build()
	if err != nil {
		return "", fmt.Errorf("%w: client assertion: %w", ErrConfig, err)
	}
	tok.Options().Enable(jwt.FlattenAudience) // aud a single string (draft-ietf-oauth-rfc7523bis)
	var opt jwt.SignOption
	if c.cfg.AuthMethod == ClientSecretJWT {
		opt = jwt.WithKey(jwa.HS256, []byte(c.cfg.ClientSecret))
	} else {
		h := jws.NewHeaders()
		if err := h.Set(jws.KeyIDKey, c.cfg.PrivateKeyID); err != nil {
			return "", fmt.Errorf("%w: client assertion: %w", ErrConfig, err)
		}
		opt = jwt.WithKey(jwa.SignatureAlgorithm(c.cfg.PrivateKeyAlgorithm), c.cfg.PrivateKey, jws.WithProtectedHeaders(h))
	}
	b, err := jwt.Sign(tok, opt)
	if err != nil {
		return "", fmt.Errorf("%w: signing the client assertion: %w", ErrTokenEndpoint, err)
	}
	return string(b), nil
}
