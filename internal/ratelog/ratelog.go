// Package ratelog bounds how often a refusal is logged, so that an attack
// sending a flood of bad tokens or callbacks does not flood the log: a token
// bucket allows Burst lines at once and PerSecond lines a second after that,
// and the next line that gets through says how many were left out.
package ratelog

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Defaults of a Limiter's zero fields.
const (
	DefaultPerSecond = 10
	DefaultBurst     = 20
)

// Limiter is a token bucket for log lines. Its zero value is not usable; call
// New. It is safe for concurrent use.
type Limiter struct {
	perSecond  float64
	burst      float64
	mu         sync.Mutex
	tokens     float64
	last       time.Time
	suppressed int
}

// New returns a Limiter allowing burst lines at once and perSecond lines a
// second after that (zero or negative: the defaults).
func New(perSecond, burst int) *Limiter {
	if perSecond <= 0 {
		perSecond = DefaultPerSecond
	}
	if burst <= 0 {
		burst = DefaultBurst
	}
	return &Limiter{perSecond: float64(perSecond), burst: float64(burst), tokens: float64(burst)}
}

// Allow reports whether a line may be written now, and how many lines were
// left out since the last one allowed.
func (l *Limiter) Allow(now time.Time) (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.perSecond)
	}
	l.last = now
	if l.tokens < 1 {
		l.suppressed++
		return false, 0
	}
	l.tokens--
	n := l.suppressed
	l.suppressed = 0
	return true, n
}

// Log writes msg at level through log when the limiter allows it, adding a
// "suppressed" attribute when lines were left out before it.
func (l *Limiter) Log(ctx context.Context, log *slog.Logger, level slog.Level, msg string, args ...any) {
	if !log.Enabled(ctx, level) {
		return
	}
	ok, n := l.Allow(time.Now())
	if !ok {
		return
	}
	if n > 0 {
		args = append(args, "suppressed", n)
	}
	log.Log(ctx, level, msg, args...)
}
