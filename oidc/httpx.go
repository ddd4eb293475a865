package oidc

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// response is a bounded, fully read HTTP response.
type response struct {
	status      int
	contentType string // media type, lower case, parameters dropped
	header      http.Header
	body        []byte
}

// do sends req and reads at most limit bytes of the body; a longer body is
// ErrTooLarge, a transport failure ErrUnavailable.
func do(hc *http.Client, req *http.Request, limit int64) (*response, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s: %w", ErrUnavailable, req.Method, req.URL.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrUnavailable, req.URL.Redacted(), err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: %s answered more than %d bytes", ErrTooLarge, req.URL.Redacted(), limit)
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return &response{status: resp.StatusCode, contentType: strings.ToLower(ct), header: resp.Header, body: body}, nil
}

// postForm posts form to u as application/x-www-form-urlencoded, with the
// header fields of header (the client's Authorization).
func postForm(ctx context.Context, hc *http.Client, u string, form url.Values, header http.Header, limit int64) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%w: POST %q: %w", ErrUnavailable, u, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return do(hc, req, limit)
}
