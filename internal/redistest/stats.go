package redistest

import (
	"context"
	"strconv"
	"strings"
	"testing"
)

// NetOutputBytes returns the server's total_net_output_bytes (INFO stats): the
// bytes it has sent to all clients so far. Tests compare two readings to show
// that a large value was not transferred.
func (s *Server) NetOutputBytes(t testing.TB) int64 {
	t.Helper()
	info, err := s.Client.Info(context.Background(), "stats").Result()
	if err != nil {
		t.Fatalf("redistest: INFO stats: %v", err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "total_net_output_bytes:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("redistest: total_net_output_bytes %q: %v", v, err)
			}
			return n
		}
	}
	t.Fatal("redistest: no total_net_output_bytes in INFO stats")
	return 0
}
