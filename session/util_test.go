package session

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// testLogger logs through t.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, nil))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(b))
	return len(b), nil
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// jsonRaw is a raw JSON value for Put.
type jsonRaw string

func (r jsonRaw) MarshalJSON() ([]byte, error) { return []byte(r), nil }

func newRequest() *http.Request { return httptest.NewRequest("GET", "/", nil) }
