package jwttest_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

func TestClaims(t *testing.T) {
	now := time.Unix(1700000000, 0)
	tests := []struct {
		name string
		aud  []string
		want any // nil: no aud
	}{
		{"no audience", nil, nil},
		{"one audience", []string{"a"}, "a"},
		{"audiences", []string{"a", "b"}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := jwttest.ClaimsAt(now, "https://issuer.test", "alice", tt.aud...)
			aud, ok := c["aud"]
			if !reflect.DeepEqual(aud, tt.want) || ok != (tt.want != nil) {
				t.Errorf("aud = %#v (present %v), want %#v", aud, ok, tt.want)
			}
			if c["iss"] != "https://issuer.test" || c["sub"] != "alice" {
				t.Errorf("iss, sub = %v, %v", c["iss"], c["sub"])
			}
			if c["iat"] != now.Unix() || c["exp"] != now.Unix()+3600 {
				t.Errorf("iat, exp = %v, %v; want %d, %d", c["iat"], c["exp"], now.Unix(), now.Unix()+3600)
			}
		})
	}
	a, b := jwttest.Claims("i", "s"), jwttest.Claims("i", "s")
	if a["jti"] == "" || a["jti"] == b["jti"] {
		t.Errorf("jti values %v and %v: want distinct, non-empty", a["jti"], b["jti"])
	}
}
