package session

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/nacl/secretbox"
)

// opensWith reports whether cookie opens with key.
func opensWith(cookie string, key []byte) bool {
	box, err := base64.StdEncoding.DecodeString(cookie)
	if err != nil || len(box) < 24 {
		return false
	}
	var nonce [24]byte
	var k [32]byte
	copy(nonce[:], box)
	copy(k[:], key)
	_, ok := secretbox.Open(nil, box[24:], &nonce, &k)
	return ok
}

// getCounter counts GETs of one key.
type getCounter struct {
	key string
	mu  sync.Mutex
	n   int
}

func (c *getCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *getCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if a := cmd.Args(); cmd.Name() == "get" && len(a) == 2 && a[1] == c.key {
			c.mu.Lock()
			c.n++
			c.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}
func (c *getCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// After the Python side rotates the secret, Go seals with the new one within
// SecretRefresh, and opens cookies sealed with the old one only for
// SecretGrace. A deleted, truncated or non-base64 secret fails closed.
func TestSecretRotation(t *testing.T) {
	f := newMGFixture(t)
	oldKey, newKey := bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{8}, 32)
	rec, oldCookie := f.login(t, "u1")
	if !opensWith(oldCookie, oldKey) {
		t.Fatal("first cookie not sealed with the stored secret")
	}
	set := func(v string) {
		t.Helper()
		if err := f.srv.Client.Set(f.ctx, "webauth.cookies.secret", v, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	set(base64.StdEncoding.EncodeToString(newKey)) // Python rotates
	f.clk.Add(DefaultSecretRefresh)
	sealed, err := f.g.Seal(f.ctx, rec)
	if err != nil || !opensWith(sealed, newKey) {
		t.Fatalf("after a rotation Go seals with the old secret (%v)", err)
	}
	if _, err := f.g.Open(f.ctx, oldCookie); err != nil {
		t.Errorf("within the grace period the old cookie does not open: %v", err)
	}
	f.clk.Add(DefaultSecretGrace)
	if _, err := f.g.Open(f.ctx, oldCookie); !errors.Is(err, ErrCookie) {
		t.Errorf("after the grace period the old cookie: %v, want ErrCookie", err)
	}
	if _, err := f.g.Open(f.ctx, sealed); err != nil {
		t.Errorf("the new cookie: %v", err)
	}

	for _, bad := range []struct{ name, value string }{
		{"truncated", base64.StdEncoding.EncodeToString(newKey[:16])},
		{"not base64", "!!!not base64!!!"},
		{"deleted", ""},
	} {
		if bad.value == "" {
			f.srv.Client.Del(f.ctx, "webauth.cookies.secret")
		} else {
			set(bad.value)
		}
		f.clk.Add(DefaultSecretRefresh)
		if _, err := f.g.Seal(f.ctx, rec); !errors.Is(err, ErrSecret) {
			t.Errorf("%s secret: Seal = %v, want ErrSecret", bad.name, err)
		}
		if _, err := f.g.Open(f.ctx, sealed); !errors.Is(err, ErrSecret) {
			t.Errorf("%s secret: Open = %v, want ErrSecret", bad.name, err)
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: "mgsession", Value: sealed})
		w := httptest.NewRecorder()
		f.g.VerifyHandler(false).ServeHTTP(w, r)
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("%s secret: verify answered %d, want 503", bad.name, w.Code)
		}
	}
}

// Many requests finding the secret stale read it with one GET.
func TestSecretSingleFlight(t *testing.T) {
	f := newMGFixture(t)
	client := redis.NewClient(&redis.Options{Addr: f.srv.Addr})
	t.Cleanup(func() { _ = client.Close() })
	gets := &getCounter{key: "webauth.cookies.secret"}
	client.AddHook(gets)
	g := newMG(t, client, MGConfig{Now: f.clk.Now})
	rec, _ := f.login(t, "u1")
	for round := range 3 {
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := g.Seal(f.ctx, rec); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if gets.n != round+1 {
			t.Fatalf("round %d: %d GETs of the secret", round, gets.n)
		}
		f.clk.Add(DefaultSecretRefresh)
	}
	_ = time.Second
}
