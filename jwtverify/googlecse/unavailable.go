package googlecse

import (
	"errors"

	"github.com/sesame-go/sesame/jwtverify"
)

// isUnavailable reports whether err is an outage of a key source rather than a
// verdict on the token.
func isUnavailable(err error) bool {
	return errors.Is(err, jwtverify.ErrUnavailable) && !errors.Is(err, ErrUnavailable)
}
