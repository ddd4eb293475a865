package googlecse_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// newCountingServer returns the URL of a server counting its requests.
func newCountingServer(t *testing.T, hits *int) string {
	t.Helper()
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*hits++
		http.NotFound(w, r)
	}))
	t.Cleanup(s.Close)
	return s.URL
}
