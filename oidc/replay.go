package oidc

import (
	"errors"
	"fmt"

	"github.com/sesame-go/sesame/internal/replay"
)

// markState records a taken state's key in used until exp: ErrState when it
// already was, ErrBusy when the memory is full (fail closed: a used state is
// never forgotten before its flow expires).
func markState(used *replay.Set, key replay.Key, exp, now int64) error {
	err := used.Mark(key, exp, now)
	switch {
	case errors.Is(err, replay.ErrUsed):
		return fmt.Errorf("%w: state already used", ErrState)
	case errors.Is(err, replay.ErrFull):
		return fmt.Errorf("%w: %w; logins completed within the flow lifetime are refused rather than used states forgotten", ErrBusy, err)
	}
	return err
}
