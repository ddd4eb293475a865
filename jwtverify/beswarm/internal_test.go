package beswarm

import (
	"errors"
	"strings"
	"testing"
)

func TestAllowlist(t *testing.T) {
	def, err := newAllowlist(nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	withPort, _ := newAllowlist([]string{"example.org"}, []string{"8443"}, false)
	withHTTP, _ := newAllowlist([]string{"127.0.0.1"}, []string{"8080"}, true)
	for _, c := range []struct {
		a    allowlist
		in   string
		want string // "" means refused
	}{
		{def, "https://dev2.beswarm.net", "https://dev2.beswarm.net"},
		{def, "https://DEV.BeSwarm.NET/", "https://dev.beswarm.net"},
		{def, "https://beswarm.com", "https://beswarm.com"},
		{def, "https://beswarm-1.beswarm.com/base/", "https://beswarm-1.beswarm.com/base"},
		{def, "https://evil.example", ""},
		{def, "http://dev.beswarm.net", ""},
		{def, "https://beswarm.com.evil.example", ""},
		{def, "https://evilbeswarm.com", ""},
		{def, "https://user:pw@dev.beswarm.net", ""},
		{def, "https://dev.beswarm.net@evil.example", ""},
		{def, "https://dev.beswarm.net:8443", ""},
		{def, "https://dev.beswarm.net:443", ""},
		{def, "https://dev.beswarm.net?x=1", ""},
		{def, "https://dev.beswarm.net#x", ""},
		{def, "https://dev.beswarm.net.", ""},
		{def, "https://dev.beswarm.net\\@evil.example", ""},
		{def, "//dev.beswarm.net", ""},
		{def, "dev.beswarm.net", ""},
		{def, "https://[::1]", ""},
		{def, "https://xn--bswarm-fva.net", ""},
		{def, "javascript:alert(1)", ""},
		{def, "https://" + strings.Repeat("a.", 1100) + "beswarm.net", ""},
		{withPort, "https://api.example.org:8443", "https://api.example.org:8443"},
		{withPort, "https://api.example.org:8444", ""},
		{withHTTP, "http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{withHTTP, "http://127.0.0.2:8080", ""},
	} {
		got, err := c.a.check(c.in)
		if c.want == "" {
			if !errors.Is(err, ErrServiceURL) {
				t.Errorf("check(%q) = %q, %v; want ErrServiceURL", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("check(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := newAllowlist([]string{"bad domain"}, nil, false); err == nil {
		t.Error("a domain with a space accepted")
	}
}

const answerSeed = `{"usertoken":{"token_type":"Bearer","id_token":"a.b.c","expires_in":"3600","expires_on":"1668587264","hosts":["https://beswarm-1.beswarm.com"]},"applicationtoken":{"token_type":"Bearer","id_token":"d.e.f","expires_in":"3600","expires_on":"1668587264","hosts":[]}}`

func TestDecodeAuthResult(t *testing.T) {
	set, err := decodeAuthResult([]byte(answerSeed))
	if err != nil {
		t.Fatal(err)
	}
	if set.User.Raw != "a.b.c" || set.User.ExpiresIn.Seconds() != 3600 || len(set.User.Hosts) != 1 || set.Application.Raw != "d.e.f" {
		t.Fatalf("%+v", set)
	}
	if !set.User.Expiry.IsZero() {
		t.Fatal("expiry taken from expires_on")
	}
	for _, bad := range []string{
		`{}`, `{"usertoken":{}}`, `[]`, `null`,
		strings.Replace(answerSeed, `"3600"`, `"an hour"`, 1),
		strings.Replace(answerSeed, `"3600"`, `"-1"`, 1),
		strings.Replace(answerSeed, `"Bearer"`, `"MAC"`, 1),
		strings.Replace(answerSeed, `"a.b.c"`, `"abc"`, 1),
		strings.Replace(answerSeed, `"a.b.c"`, `""`, 1),
		strings.Replace(answerSeed, `"hosts":[]`, `"hosts":"x"`, 1),
		answerSeed + `{}`,
		strings.Replace(answerSeed, `"token_type"`, `"id_token":"x.y.z","token_type"`, 1),
		strings.Replace(answerSeed, `{"usertoken"`, `{"usertoken":null,"usertoken"`, 1),
		strings.Replace(answerSeed, `"hosts":[]`, `"hosts":[""]`, 1),
		strings.Replace(answerSeed, `"expires_on":"1668587264"`, `"expires_on":1668587264`, 1),
	} {
		if _, err := decodeAuthResult([]byte(bad)); !errors.Is(err, ErrResponse) {
			t.Errorf("decodeAuthResult(%.60s…) = %v", bad, err)
		}
	}
}

// The token answer as BeSwarm's generated client reads it: members Sesame does
// not know ignored (BeSwarm's own expires_at), optional ones absent or null,
// expires_in a string or a number.
func TestDecodeAuthResultTolerant(t *testing.T) {
	for _, in := range []string{
		strings.Replace(answerSeed, `"expires_on"`, `"expires_at":"2022-11-16T10:07:44Z","expires_on"`, 1),
		strings.Replace(answerSeed, `"token_type"`, `"refresh_token":"x","token_type"`, 1),
		strings.Replace(answerSeed, `{"usertoken"`, `{"extra":{"a":[1]},"usertoken"`, 1),
		strings.Replace(answerSeed, `"3600"`, `3600`, 1),
		strings.Replace(answerSeed, `"expires_on":"1668587264",`, ``, 1),
		strings.Replace(answerSeed, `"expires_on":"1668587264"`, `"expires_on":null`, 1),
		strings.Replace(answerSeed, `"hosts":[]`, `"hosts":null`, 1),
	} {
		set, err := decodeAuthResult([]byte(in))
		if err != nil || set.User.Raw != "a.b.c" || set.User.ExpiresIn.Seconds() != 3600 || set.Application.Raw != "d.e.f" {
			t.Errorf("decodeAuthResult(%s) = %+v, %v", in, set, err)
		}
	}
}

// FuzzDecodeTokenAnswer: the token answer decoder never panics, and either
// fails with ErrResponse or returns two tokens with a compact id_token.
func FuzzDecodeTokenAnswer(f *testing.F) {
	f.Add([]byte(answerSeed))
	f.Add([]byte(`{"usertoken":null,"applicationtoken":{}}`))
	f.Add([]byte(`{"token_type":"Bearer","id_token":"a.b.c"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		set, err := decodeAuthResult(b)
		if err != nil {
			if !errors.Is(err, ErrResponse) || set != nil {
				t.Fatalf("%v, %v", set, err)
			}
		} else if strings.Count(set.User.Raw, ".") != 2 || strings.Count(set.Application.Raw, ".") != 2 {
			t.Fatalf("bad tokens accepted: %+v", set)
		}
		if tok, err := decodeTokenResult(b); err == nil && (tok.Raw == "" || tok.ExpiresIn < 0) {
			t.Fatalf("bad token accepted: %+v", tok)
		} else if err != nil && !errors.Is(err, ErrResponse) {
			t.Fatal(err)
		}
	})
}
