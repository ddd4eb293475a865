package bench

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
)

// sessionRedis runs a throwaway redis-server for the session benchmarks (see
// internal/redistest) and returns its address.
func sessionRedis(b *testing.B) string {
	b.Helper()
	return redistest.Start(b).Addr
}

// commandsServed returns how many commands the server has executed, from INFO
// commandstats, not counting INFO itself.
func commandsServed(b *testing.B, c *redis.Client) int64 {
	b.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, line := range strings.Split(info, "\n") {
		if !strings.HasPrefix(line, "cmdstat_") || strings.HasPrefix(line, "cmdstat_info:") {
			continue
		}
		i := strings.Index(line, "calls=")
		j := strings.IndexByte(line[i:], ',')
		v, _ := strconv.ParseInt(line[i+6:i+j], 10, 64)
		n += v
	}
	return n
}
