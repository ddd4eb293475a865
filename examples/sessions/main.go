// Command sessions is a page with a counter kept in the visitor's session, with
// login and logout, on Sesame's session Manager. Every handler that changes the
// session is a form POST behind Manager.Protect (same origin only, form bodies
// only); the page's GET only reads.
//
//	go run ./examples/sessions                          # in-memory store
//	go run ./examples/sessions -redis 127.0.0.1:6379     # Redis DB 2, as MilleGrilles
//
// Then open http://localhost:8080/. The cookie is not Secure here because the
// demo serves plain HTTP (Config.InsecureCookie); never set that in production.
package main

import (
	"flag"
	"fmt"
	"html"
	"log"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/session"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "listen address")
	redisAddr := flag.String("redis", "", "Redis address (empty: in-memory store)")
	flag.Parse()

	var store session.AtomicStore = session.NewMemoryStore(nil)
	if *redisAddr != "" {
		store = session.NewRedisStore(redis.NewClient(&redis.Options{Addr: *redisAddr, DB: 2}))
	}
	h, err := newHandler(store, true)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	log.Printf("listening on http://%s/", *addr)
	log.Fatal(srv.ListenAndServe())
}

// newHandler wires the page and its three forms on a Manager.
func newHandler(store session.AtomicStore, insecureHTTP bool) (http.Handler, error) {
	sessions, err := session.NewManager(store, session.Config{
		CookieName:     "demo.aiohttp",
		InsecureCookie: insecureHTTP,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", home)
	// State changes: POST forms from this origin only (403 from another, 415
	// for a body that is not a form, 405 for a GET).
	mux.Handle("POST /count", sessions.Protect(http.HandlerFunc(count)))
	mux.Handle("POST /login", sessions.Protect(http.HandlerFunc(login)))
	mux.Handle("POST /logout", sessions.Protect(http.HandlerFunc(logout)))
	return sessions.Middleware(mux), nil
}

// home shows the counter and the forms; it changes nothing.
func home(w http.ResponseWriter, r *http.Request) {
	s := session.FromContext(r.Context())
	n, err := s.GetInt64("count")
	if err != nil {
		http.Error(w, "session unavailable", http.StatusServiceUnavailable)
		return
	}
	user, _ := s.GetString("userName")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, "<p>Counter: %d.</p>\n", n)
	fmt.Fprint(w, `<form method="post" action="/count"><button>Count</button></form>`+"\n")
	if user == "" {
		fmt.Fprint(w, `<form method="post" action="/login"><input name="user"> <button>Log in</button></form>`+"\n")
		return
	}
	fmt.Fprintf(w, "<p>Hello, %s.</p>\n", html.EscapeString(user))
	fmt.Fprint(w, `<form method="post" action="/logout"><button>Log out</button></form>`+"\n")
}

// count adds one to the session's counter.
func count(w http.ResponseWriter, r *http.Request) {
	s := session.FromContext(r.Context())
	n, err := s.GetInt64("count")
	if err == nil {
		err = s.Put("count", n+1)
	}
	if err != nil {
		http.Error(w, "session unavailable", http.StatusServiceUnavailable)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// login trusts any name: the demo is about sessions, not passwords. Renew gives
// the session a new id at the privilege change.
func login(w http.ResponseWriter, r *http.Request) {
	user := r.PostFormValue("user")
	if user == "" || len(user) > 64 {
		http.Error(w, "a name of 1 to 64 bytes, please", http.StatusBadRequest)
		return
	}
	s := session.FromContext(r.Context())
	if err := s.Renew(); err != nil {
		http.Error(w, "session unavailable", http.StatusServiceUnavailable)
		return
	}
	if err := s.Put("userName", user); err != nil {
		http.Error(w, "session unavailable", http.StatusServiceUnavailable)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func logout(w http.ResponseWriter, r *http.Request) {
	if err := session.FromContext(r.Context()).Destroy(); err != nil {
		http.Error(w, "session unavailable", http.StatusServiceUnavailable)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
