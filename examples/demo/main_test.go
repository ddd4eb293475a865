package main

import (
	"context"
	"testing"
)

// TestDemo runs the demo as `go run ./examples/demo` would.
func TestDemo(t *testing.T) {
	if err := run(context.Background()); err != nil {
		t.Fatal(err)
	}
}
