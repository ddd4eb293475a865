package beswarmtest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Login plays the user at the login page: it opens authorizeURL (as a
// beswarm.Client's Start returns it) and returns the query of the callback the
// fake redirects to (state, code, swarm, serviceurl), ready for
// beswarm.Client.Callback.
func (s *Server) Login(ctx context.Context, authorizeURL string) (url.Values, error) {
	u, err := url.Parse(authorizeURL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	if q.Get("callbackuri") == "" && s.cfg.CallbackURL == "" {
		q.Set("callbackuri", "https://app.example/callback")
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	hc := *s.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return nil, fmt.Errorf("beswarmtest: login answered %s", resp.Status)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return nil, err
	}
	return loc.Query(), nil
}
