package jwtverify_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// TestRemoteKeysRotationAfterFirstFetch: a key rotated 1 s after the first
// fetch is picked up by the next token naming it. Before the fix the first
// fetch counted against the cooldown and the new token got ErrUnknownKey.
func TestRemoteKeysRotationAfterFirstFetch(t *testing.T) {
	r := newRemote(t, false, jwtverify.RemoteKeysConfig{})
	if err := r.verify(t, r.iss.Mint(claims())); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(time.Second)
	kid := r.iss.Rotate(jwttest.KidRSA)
	if err := r.verify(t, r.iss.Mint(claims(), jwttest.WithKid(kid))); err != nil {
		t.Fatalf("token of a key rotated 1 s after the first fetch: %v", err)
	}
	if n := r.srv.Fetches(); n != 2 {
		t.Fatalf("fetches = %d, want 2", n)
	}
}

// TestRemoteKeysRotationAfterScheduledRefresh: the same 1 s after a scheduled
// (max-age) refresh.
func TestRemoteKeysRotationAfterScheduledRefresh(t *testing.T) {
	r := newRemote(t, false, jwtverify.RemoteKeysConfig{})
	r.srv.SetCacheControl("max-age=120")
	tok := r.iss.Mint(with("exp", epoch.Add(time.Hour).Unix()))
	if err := r.verify(t, tok); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(121 * time.Second)
	if err := r.verify(t, tok); err != nil { // starts the scheduled refresh
		t.Fatal(err)
	}
	waitFetches(t, r.srv, 2)
	r.settle()
	r.clock.Add(time.Second)
	kid := r.iss.Rotate(jwttest.KidRSA)
	if err := r.verify(t, r.iss.Mint(with("exp", epoch.Add(time.Hour).Unix()), jwttest.WithKid(kid))); err != nil {
		t.Fatalf("token of a key rotated 1 s after a scheduled refresh: %v", err)
	}
	if n := r.srv.Fetches(); n != 3 {
		t.Fatalf("fetches = %d, want 3", n)
	}
}

// TestRemoteKeysCooldownAfterUnknownKid: unknown-kid refetches are limited to
// one per RefreshCooldown; within it the kid is unknown (401), not an outage.
func TestRemoteKeysCooldownAfterUnknownKid(t *testing.T) {
	r := newRemote(t, false, jwtverify.RemoteKeysConfig{RefreshCooldown: 30 * time.Second})
	if err := r.verify(t, r.iss.Mint(claims())); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		err := r.verify(t, r.iss.Mint(claims(), jwttest.WithHeader("kid", "nobody")))
		if !errors.Is(err, jwtverify.ErrUnknownKey) || errors.Is(err, jwtverify.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnknownKey only", err)
		}
	}
	if n := r.srv.Fetches(); n != 2 {
		t.Fatalf("fetches = %d, want 2 (first load + one forced)", n)
	}
	r.clock.Add(31 * time.Second)
	_ = r.verify(t, r.iss.Mint(claims(), jwttest.WithHeader("kid", "nobody")))
	if n := r.srv.Fetches(); n != 3 {
		t.Fatalf("fetches = %d after the cooldown, want 3", n)
	}
}

// TestRemoteKeysOutageIsNotABadToken: while the endpoint fails, a known kid
// still verifies from the last good set, and every token with a new kid is a
// key-source failure (503), never ErrUnknownKey (401). Before the fix, Refresh
// inside the cooldown returned the stale set with no error.
func TestRemoteKeysOutageIsNotABadToken(t *testing.T) {
	r := newRemote(t, false, jwtverify.RemoteKeysConfig{RefreshCooldown: 30 * time.Second})
	r.srv.SetCacheControl("max-age=60")
	known := r.iss.Mint(with("exp", epoch.Add(time.Hour).Unix()))
	if err := r.verify(t, known); err != nil {
		t.Fatal(err)
	}
	r.srv.SetStatus(http.StatusServiceUnavailable)
	kid := r.iss.Rotate(jwttest.KidRSA)
	fresh := r.iss.Mint(with("exp", epoch.Add(time.Hour).Unix()), jwttest.WithKid(kid))
	for i := 0; i < 200; i++ {
		r.clock.Add(time.Second)
		if err := r.verify(t, known); err != nil {
			t.Fatalf("round %d: known kid during the outage: %v", i, err)
		}
		r.settle()
		err := r.verify(t, fresh)
		if !errors.Is(err, jwtverify.ErrUnavailable) {
			t.Fatalf("round %d: new kid during the outage: err = %v, want ErrUnavailable", i, err)
		}
		if errors.Is(err, jwtverify.ErrUnknownKey) {
			t.Fatalf("round %d: outage reported as an unknown key: %v", i, err)
		}
	}
	// 200 s of outage: the endpoint was retried about once per cooldown, not
	// once per request.
	if n := r.srv.Fetches(); n > 1+200/30+2 {
		t.Fatalf("fetches = %d during a 200 s outage, want one per 30 s cooldown", n)
	}
	r.srv.SetStatus(0)
	r.clock.Add(31 * time.Second)
	if err := r.verify(t, fresh); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}
