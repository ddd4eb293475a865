package beswarm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// answer is the envelope of every BeSwarm answer:
// {"datas":…,"status":200,"error":{"errorCode":…,"description":"…"}}.
type answer struct {
	Datas  json.RawMessage `json:"datas"`
	Status *int            `json:"status"`
	Error  *struct {
		ErrorCode   int    `json:"errorCode"`
		Description string `json:"description"`
	} `json:"error"`
}

// noRedirects returns a copy of hc that never follows a redirect: a request
// carrying the client secret or a token goes to the checked URL only.
func noRedirects(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// call sends one request (a JSON body when in is not nil, a Bearer token when
// bearer is not "") and returns the datas of the answer. 5xx and transport
// failures are ErrUnavailable, other non-200 answers ErrDenied, bodies that
// are not the envelope ErrResponse.
func (c *Client) call(ctx context.Context, method, url, bearer string, in any) (json.RawMessage, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrServiceURL, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if int64(len(raw)) > c.maxBody {
		return nil, fmt.Errorf("%w: answer over %d bytes", ErrResponse, c.maxBody)
	}
	var a answer
	jsonErr := json.Unmarshal(raw, &a)
	switch {
	case resp.StatusCode >= 500:
		return nil, fmt.Errorf("%w: HTTP status %d", ErrUnavailable, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%w: HTTP status %d%s", ErrDenied, resp.StatusCode, describe(a, jsonErr))
	case jsonErr != nil:
		return nil, fmt.Errorf("%w: %w", ErrResponse, jsonErr)
	case a.Status != nil && *a.Status != http.StatusOK:
		return nil, fmt.Errorf("%w: status %d%s", ErrDenied, *a.Status, describe(a, nil))
	case len(a.Datas) == 0 || string(a.Datas) == "null":
		return nil, fmt.Errorf("%w: answer without datas", ErrResponse)
	}
	return a.Datas, nil
}

// describe quotes BeSwarm's error description, clipped.
func describe(a answer, err error) string {
	if err != nil || a.Error == nil || a.Error.Description == "" {
		return ""
	}
	return ": " + quote(a.Error.Description) + " (code " + strconv.Itoa(a.Error.ErrorCode) + ")"
}

// strict unmarshals data into v, refusing unknown members.
func strict(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data")
	}
	return nil
}
