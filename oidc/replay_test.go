package oidc

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestCookieFlowStoreReplayBound: through the store, a replayed flow cookie is
// refused and a full replay memory refuses new callbacks with ErrBusy.
func TestCookieFlowStoreReplayBound(t *testing.T) {
	now := time.Unix(1e9, 0)
	s, err := NewCookieFlowStore(CookieFlowStoreConfig{Key: make([]byte, 32), MaxUsedStates: 3, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	take := func(state string) error {
		w := httptest.NewRecorder()
		if err := s.Save(w, httptest.NewRequest(http.MethodGet, "/", nil), Flow{State: state, Created: now.Unix()}); err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest(http.MethodGet, "/cb", nil)
		for _, c := range w.Result().Cookies() {
			r.AddCookie(c)
		}
		if _, err := s.Take(httptest.NewRecorder(), r, state); err != nil {
			return err
		}
		_, err := s.Take(httptest.NewRecorder(), r, state) // the same cookie replayed
		if !errors.Is(err, ErrState) {
			t.Fatalf("replay of %s: err = %v, want ErrState", state, err)
		}
		return nil
	}
	for i := range 3 {
		if err := take(fmt.Sprint("state-", i)); err != nil {
			t.Fatal(err)
		}
	}
	// Full: a new login is refused at once, before anyone goes to ProConnect.
	if err := s.Save(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil), Flow{State: "state-3", Created: now.Unix()}); !errors.Is(err, ErrBusy) {
		t.Fatalf("Save past MaxUsedStates: err = %v, want ErrBusy", err)
	}
	now = now.Add(11 * time.Minute)
	if err := take("state-4"); err != nil {
		t.Fatalf("after the flows expired: %v", err)
	}
}
