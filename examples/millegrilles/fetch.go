package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/sesame-go/sesame/hosting"
)

// httpFetcher asks a hosting service for fresh tokens: GET url answers a hosting
// record ({"jwt_readonly", "jwt_readwrite", "url"}).
type httpFetcher struct {
	url    string
	client *http.Client
}

func (f *httpFetcher) Fetch(ctx context.Context, _ string) (*hosting.Tokens, error) {
	if f.url == "" {
		return nil, errors.New("no hosting service configured (-fetch)")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url, nil)
	if err != nil {
		return nil, err
	}
	res, err := f.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("hosting service: %s", res.Status)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, hosting.MaxRecordSize+1))
	if err != nil {
		return nil, err
	}
	return hosting.DecodeRecord(body)
}
