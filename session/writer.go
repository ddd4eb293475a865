package session

import (
	"log/slog"
	"net/http"
)

const slogWarn = slog.LevelWarn

func errAttr(err error) slog.Attr { return slog.String("err", err.Error()) }

// writer commits the session when the handler first writes its header, so the
// cookie can still be set and a failure can still become a 503.
type writer struct {
	http.ResponseWriter
	s       *Session
	r       *http.Request
	written bool
	failed  bool // the error response went out instead; swallow next's output
}

func (w *writer) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // informational: not the response yet
		return
	}
	if w.written {
		return
	}
	w.written = true
	if err := w.s.commit(w.ResponseWriter.Header()); err != nil {
		w.fail(err)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *writer) fail(err error) {
	w.failed = true
	m := w.s.m
	m.cfg.Logger.LogAttrs(w.r.Context(), slog.LevelError, "session unavailable", errAttr(err))
	h := w.ResponseWriter.Header()
	for k := range h {
		delete(h, k) // never let next's headers (cookies, Location) through
	}
	m.cfg.ErrorHandler(w.ResponseWriter, w.r, err)
}

func (w *writer) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Flush implements http.Flusher.
func (w *writer) Flush() {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok && !w.failed {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish commits when next returned without writing anything.
func (w *writer) finish() {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
}
