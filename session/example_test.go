package session_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/sesame-go/sesame/session"
)

// A page counting a visitor's visits, on a MemoryStore; use a RedisStore in
// production.
func Example() {
	sessions, err := session.NewManager(session.NewMemoryStore(nil), session.Config{CookieName: "demo.aiohttp"})
	if err != nil {
		panic(err)
	}
	page := sessions.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		visits, err := s.GetInt64("visits")
		if err == nil {
			err = s.Put("visits", visits+1)
		}
		if err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "visit %d", visits+1)
	}))

	var cookie *http.Cookie
	for range 3 {
		r := httptest.NewRequest("GET", "https://app.example/", nil)
		if cookie != nil {
			r.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		page.ServeHTTP(w, r)
		cookie = w.Result().Cookies()[0]
		fmt.Println(w.Body.String(), len(cookie.Value), cookie.Secure, cookie.HttpOnly)
	}
	// Output:
	// visit 1 32 true true
	// visit 2 32 true true
	// visit 3 32 true true
}

// Reading a record written by aiohttp_session.
func ExampleAiohttpCodec() {
	rec, err := session.AiohttpCodec{}.Decode([]byte(`{"created": 1717497930, "session": {"userName": "proprietaire", "n": 12345678901234567890}}`))
	if err != nil {
		panic(err)
	}
	for _, f := range rec.Values {
		fmt.Printf("%s = %s\n", f.Key, f.Value)
	}
	out, _ := session.AiohttpCodec{}.Encode(rec)
	fmt.Println(string(out))
	// Output:
	// userName = "proprietaire"
	// n = 12345678901234567890
	// {"created": 1717497930, "session": {"userName": "proprietaire", "n": 12345678901234567890}}
}
