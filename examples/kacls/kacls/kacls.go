// Package kacls is an example Google Workspace CSE key service (KACLS): wrap
// and unwrap handlers that verify both tokens of every call with
// jwtverify/googlecse (audit record included) and wrap data encryption keys
// with an in-memory AES-256-GCM key, bound to the resource. Importable, so the
// demo and the tests run it in-process.
package kacls

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/googlecse"
)

// maxBody bounds a request body (two tokens and a key).
const maxBody = 64 << 10

// Service is the KACLS: mount Handler at its base URL; tenant t's KACLS URL
// is <base>/<t>.
type Service struct {
	v    *googlecse.Verifier
	aead cipher.AEAD
}

// New returns a Service verifying with v and wrapping with key (32 bytes).
func New(v *googlecse.Verifier, key []byte) (*Service, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Service{v: v, aead: aead}, nil
}

// Handler serves POST /{tenant}/wrap and POST /{tenant}/unwrap.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{tenant}/wrap", s.wrap)
	mux.HandleFunc("POST /{tenant}/unwrap", s.unwrap)
	return mux
}

// request is the body of wrap and unwrap (Google's KACLS API).
type request struct {
	Authentication string `json:"authentication"`
	Authorization  string `json:"authorization"`
	Key            string `json:"key,omitempty"`         // wrap: the DEK, base64
	WrappedKey     string `json:"wrapped_key,omitempty"` // unwrap
	Reason         string `json:"reason,omitempty"`
}

func (s *Service) wrap(w http.ResponseWriter, r *http.Request) {
	req, authz, err := s.check(r, googlecse.OpWrap)
	if err != nil {
		writeError(w, err)
		return
	}
	dek, err := base64.StdEncoding.DecodeString(req.Key)
	if err != nil || len(dek) == 0 || len(dek) > 64 {
		writeError(w, fmt.Errorf("%w: key is not a base64 key of 1 to 64 bytes", errBadRequest))
		return
	}
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := s.aead.Seal(nonce, nonce, dek, []byte(authz.ResourceName))
	writeJSON(w, http.StatusOK, map[string]string{"wrapped_key": base64.StdEncoding.EncodeToString(sealed)})
}

func (s *Service) unwrap(w http.ResponseWriter, r *http.Request) {
	req, authz, err := s.check(r, googlecse.OpUnwrap)
	if err != nil {
		writeError(w, err)
		return
	}
	raw, err := base64.StdEncoding.DecodeString(req.WrappedKey)
	ns := s.aead.NonceSize()
	if err != nil || len(raw) < ns+s.aead.Overhead() {
		writeError(w, fmt.Errorf("%w: wrapped_key is not a wrapped key", errBadRequest))
		return
	}
	dek, err := s.aead.Open(nil, raw[:ns], raw[ns:], []byte(authz.ResourceName))
	if err != nil {
		// Another resource's key, or a tampered one: the authorization does not cover it.
		writeError(w, fmt.Errorf("%w: %w: the wrapped key is not this resource's", errForbidden, googlecse.ErrResourceName))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"key": base64.StdEncoding.EncodeToString(dek)})
}

// check reads the body and verifies both tokens and their pair.
func (s *Service) check(r *http.Request, op googlecse.Operation) (*request, *googlecse.AuthorizationToken, error) {
	var req request
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, nil, fmt.Errorf("%w: body: %w", errBadRequest, err)
	}
	tenant := r.PathValue("tenant")
	ctx := r.Context()
	authn, err := s.v.VerifyAuthentication(ctx, tenant, req.Authentication, googlecse.UserAuthentication, op)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: authentication: %w", errUnauthenticated, err)
	}
	authz, err := s.v.VerifyAuthorization(ctx, tenant, req.Authorization, op)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: authorization: %w", errForbidden, err)
	}
	if err := s.v.VerifyPair(ctx, tenant, authn, authz); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errForbidden, err)
	}
	return &req, authz, nil
}

var (
	errBadRequest      = errors.New("bad request")
	errUnauthenticated = errors.New("unauthenticated")
	errForbidden       = errors.New("permission denied")
)

// writeError answers Google's error JSON: {"error": {"code", "message",
// "status"}}, the message a short cause, never a token.
func writeError(w http.ResponseWriter, err error) {
	code, status := http.StatusForbidden, "PERMISSION_DENIED"
	switch {
	case errors.Is(err, googlecse.ErrUnavailable), errors.Is(err, jwtverify.ErrUnavailable):
		code, status = http.StatusServiceUnavailable, "UNAVAILABLE"
	case errors.Is(err, errBadRequest):
		code, status = http.StatusBadRequest, "INVALID_ARGUMENT"
	case errors.Is(err, errUnauthenticated):
		code, status = http.StatusUnauthorized, "UNAUTHENTICATED"
	}
	msg := status
	for _, e := range []error{errBadRequest, errUnauthenticated, errForbidden} {
		if errors.Is(err, e) {
			msg = e.Error()
		}
	}
	if d := detail(err); d != "" {
		msg += ": " + d
	}
	writeJSON(w, code, map[string]any{"error": map[string]any{"code": code, "message": msg, "status": status}})
}

// detail names the failed check without repeating token values.
func detail(err error) string {
	for _, s := range []error{googlecse.ErrTenant, googlecse.ErrIssuer, googlecse.ErrRole, googlecse.ErrKACLSURL, googlecse.ErrResourceName,
		googlecse.ErrEmail, googlecse.ErrDelegation, googlecse.ErrGuest, googlecse.ErrOwnerDomain, jwtverify.ErrExpired, jwtverify.ErrSignature, jwtverify.ErrAudience} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return ""
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
