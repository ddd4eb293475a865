package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sesame-go/sesame/session"
)

func TestVisitsLoginLogout(t *testing.T) {
	h, err := newHandler(session.NewMemoryStore(nil), true)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}

	steps := []struct {
		method, path, form, want string
	}{
		{"GET", "/", "", "Visit 1."},
		{"GET", "/", "", "Visit 2."},
		{"POST", "/login", "user=ada", "Visit 3."},
		{"GET", "/", "", "Hello, ada."},
		{"POST", "/logout", "", "Visit 1."},
	}
	for _, st := range steps {
		var res *http.Response
		if st.method == "POST" {
			res, err = c.PostForm(srv.URL+st.path, mustQuery(st.form))
		} else {
			res, err = c.Get(srv.URL + st.path)
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), st.want) {
			t.Errorf("%s %s: %q lacks %q", st.method, st.path, body, st.want)
		}
	}
}

func mustQuery(s string) url.Values {
	v, _ := url.ParseQuery(s)
	return v
}
