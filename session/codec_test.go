package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAiohttpCodecSeedRecord(t *testing.T) {
	seed := readFile(t, "testdata/seed_aiohttp.json")
	rec, err := AiohttpCodec{}.Decode(seed)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Created != 1717497930 {
		t.Errorf("created = %d", rec.Created)
	}
	wantKeys := []string{"userIdChallenge", "userNameChallenge", "authentifiee", "userId", "userName", "passkey_authentication"}
	var keys []string
	for _, f := range rec.Values {
		keys = append(keys, f.Key)
	}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("keys = %v", keys)
	}
	var src struct {
		Session map[string]any `json:"session"`
	}
	if err := json.Unmarshal(seed, &src); err != nil {
		t.Fatal(err)
	}
	for _, f := range rec.Values {
		var got any
		if err := json.Unmarshal(f.Value, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, src.Session[f.Key]) {
			t.Errorf("%s = %v, want %v", f.Key, got, src.Session[f.Key])
		}
	}
	out, err := AiohttpCodec{}.Encode(rec)
	if err != nil {
		t.Fatal(err)
	}
	if want := readFile(t, "testdata/seed_aiohttp.py.json"); !bytes.Equal(out, want) {
		t.Errorf("re-encoded record differs from Python's json.dumps:\n got %s\nwant %s", out, want)
	}
	pythonSameValue(t, seed, out)
}

// pythonSameValue checks with Python's own json.loads that a and b are equal.
func pythonSameValue(t *testing.T, a, b []byte) {
	t.Helper()
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		if os.Getenv("SESAME_REQUIRE_REDIS") == "1" {
			t.Fatal("no /usr/bin/python3 (SESAME_REQUIRE_REDIS=1 makes this a failure)")
		}
		t.Skip("no /usr/bin/python3")
	}
	cmd := exec.Command(py, "-c", "import json,sys; a,b=sys.stdin.read().split('\\0'); sys.exit(0 if json.loads(a)==json.loads(b) else 1)")
	cmd.Stdin = strings.NewReader(string(a) + "\x00" + string(b))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("python json.loads disagrees: %v %s", err, out)
	}
}

func TestAiohttpCodecPythonFormat(t *testing.T) {
	tests := []struct {
		name  string
		value string // raw JSON as another writer may have stored it
		want  string // Python's json.dumps of the same value
	}{
		{"ascii", `"abc"`, `"abc"`},
		{"non-ascii", `"héllo€"`, `"h\u00e9llo\u20ac"`},
		{"astral", `"😀"`, `"\ud83d\ude00"`},
		{"escaped astral", `"\uD83D\uDE00"`, `"\ud83d\ude00"`},
		{"lone surrogate", `"\ud800"`, `"\ud800"`},
		{"controls", "\"a\\n\\t\\u0001\\u007f\\/\"", `"a\n\t\u0001\u007f/"`},
		{"html", `"<a&b>"`, `"<a&b>"`},
		{"go html escapes", `"\u003ca\u0026b\u003e"`, `"<a&b>"`},
		{"quotes", `"\"\\"`, `"\"\\"`},
		{"nested", `{"a":[1,2,{"b":null}],"c":{}}`, `{"a": [1, 2, {"b": null}], "c": {}}`},
		{"big int", `123456789012345678901234567890`, `123456789012345678901234567890`},
		{"float", `1.5e+300`, `1.5e+300`},
		{"spaces", "{ \"a\" :\n [ true , false ] }", `{"a": [true, false]}`},
		{"empty list", `[ ]`, `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := appendPyJSON(nil, []byte(tt.value))
			if got := string(b); err != nil || got != tt.want {
				t.Errorf("got %s (%v), want %s", b, err, tt.want)
			}
		})
	}
}

func TestAiohttpCodecRoundTrip(t *testing.T) {
	in := `{"created": 5, "session": {"k\u00e9y": {"n": 18446744073709551617}}, "other": [1]}`
	rec, err := AiohttpCodec{}.Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := AiohttpCodec{}.Encode(rec)
	// Unknown top-level members are dropped, as aiohttp_session drops them.
	if in := `{"created": 5, "session": {"k\u00e9y": {"n": 18446744073709551617}}}`; string(out) != in {
		t.Errorf("got  %s\nwant %s", out, in)
	}
	cleared, err := AiohttpCodec{}.Decode([]byte(" {} "))
	if err != nil || !cleared.Cleared() {
		t.Fatalf("{}: %v %+v", err, cleared)
	}
	if out, _ := (AiohttpCodec{}).Encode(cleared); string(out) != "{}" {
		t.Errorf("cleared encodes as %s", out)
	}
}

func TestAiohttpCodecRejects(t *testing.T) {
	tests := []struct{ name, in string }{
		{"empty", ``},
		{"not json", `hello`},
		{"array", `[]`},
		{"string", `"x"`},
		{"created missing", `{"session": {}}`},
		{"session missing", `{"created": 1}`},
		{"created string", `{"created": "1717497930", "session": {}}`},
		{"created string number", `{"created": "1.5", "session": {}}`},
		{"created huge", `{"created": 1e300, "session": {}}`},
		{"created bool", `{"created": true, "session": {}}`},
		{"created zero", `{"created": 0, "session": {}}`},
		{"created negative", `{"created": -5, "session": {}}`},
		{"session array", `{"created": 1, "session": []}`},
		{"session string", `{"created": 1, "session": "x"}`},
		{"duplicate key", `{"created": 1, "session": {"a": 1, "a": 2}}`},
		{"duplicate created", `{"created": 1, "created": 2, "session": {}}`},
		{"trailing", `{"created": 1, "session": {}} {}`},
		{"truncated", `{"created": 1, "session": {"a": `},
		{"nan", `{"created": 1, "session": {"a": NaN}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := AiohttpCodec{}.Decode([]byte(tt.in))
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("err = %v, want ErrCorrupt", err)
			}
		})
	}
}
