package jsonobj

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"testing"
)

func TestMembers(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		names []string // nil: refused
	}{
		{"empty", `{}`, []string{}},
		{"python spacing", `{"a": 1, "b": [1, 2], "c": {"d": null}}`, []string{"a", "b", "c"}},
		{"whitespace around", " \n{\"a\":\"x\"}\n ", []string{"a"}},
		{"names differ by case", `{"a": 1, "A": 2}`, []string{"A", "a"}},
		{"escaped name", `{"\u0061": 1}`, []string{"a"}},
		{"repeated", `{"a": 1, "a": 1}`, nil},
		{"repeated through an escape", `{"a": 1, "\u0061": 2}`, nil},
		{"array", `[1]`, nil},
		{"null", `null`, nil},
		{"string", `"{}"`, nil},
		{"trailing data", `{} {}`, nil},
		{"trailing garbage", `{}x`, nil},
		{"unterminated", `{"a": 1`, nil},
		{"bad value", `{"a": tru}`, nil},
		{"empty input", ``, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Members([]byte(tt.in))
			if tt.names == nil {
				if err == nil || !errors.Is(err, ErrSyntax) || m != nil {
					t.Fatalf("Members = %v, %v; want ErrSyntax", m, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, tt.names) {
				t.Fatalf("names %v, want %v", got, tt.names)
			}
		})
	}
}

// FuzzMembers: whatever Members accepts is a JSON object that encoding/json
// reads to the same member names and values, and nothing it refuses panics.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{`{}`, `{"a": 1, "b": {"c": [true, null]}}`, `{"a": 1, "a": 2}`, `{"\u0061": 1, "a": 2}`, `[]`, `{} x`, `{"a": "\ud800"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Members(data)
		if err != nil {
			if !errors.Is(err, ErrSyntax) || m != nil {
				t.Fatalf("Members = %v, %v", m, err)
			}
			return
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal(data, &want); err != nil || want == nil {
			t.Fatalf("Members accepted what encoding/json refuses: %v", err)
		}
		if len(want) != len(m) {
			t.Fatalf("%d members, encoding/json reads %d", len(m), len(want))
		}
		for k, v := range m {
			if string(want[k]) != string(v) {
				t.Fatalf("member %q = %s, encoding/json reads %s", k, v, want[k])
			}
		}
	})
}
