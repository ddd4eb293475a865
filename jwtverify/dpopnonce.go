package jwtverify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// nonceSource makes and checks stateless DPoP nonces (RFC 9449 §9): the
// base64url of a period number and the first 16 bytes (128 bits) of its
// HMAC-SHA256 under the configured key. A nonce is fresh during its period
// and the next one, so nonces rotate without any state, and every instance
// holding the key accepts every instance's nonces.
type nonceSource struct {
	key    []byte
	period time.Duration
}

// nonceLen is the length of a nonce: base64url of 8 + 16 bytes.
const nonceLen = 32

// nonceLabel separates these MACs from any other use of the key.
const nonceLabel = "sesame DPoP nonce v1"

// index is the period now falls in.
func (n *nonceSource) index(now time.Time) int64 { return now.UnixNano() / int64(n.period) }

// current returns the nonce of now's period.
func (n *nonceSource) current(now time.Time) string { return n.at(n.index(now)) }

// at returns the nonce of period idx.
func (n *nonceSource) at(idx int64) string {
	var buf [24]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(idx))
	n.mac(buf[8:8], buf[:8])
	return b64.EncodeToString(buf[:])
}

// mac appends the 16-byte MAC of the period bytes to dst.
func (n *nonceSource) mac(dst, period []byte) []byte {
	m := hmac.New(sha256.New, n.key)
	m.Write([]byte(nonceLabel))
	m.Write(period)
	var sum [sha256.Size]byte
	return append(dst, m.Sum(sum[:0])[:16]...)
}

// check reports whether nonce is one of ours and fresh at now, and whether
// it is of the previous period (the client should get the current one).
func (n *nonceSource) check(nonce string, now time.Time) (ok, stale bool) {
	var buf [24]byte
	if len(nonce) != nonceLen {
		return false, false
	}
	if k, err := b64.Decode(buf[:], []byte(nonce)); err != nil || k != len(buf) {
		return false, false
	}
	idx := int64(binary.BigEndian.Uint64(buf[:8]))
	cur := n.index(now)
	if idx != cur && idx != cur-1 {
		return false, false
	}
	var want [16]byte
	n.mac(want[:0], buf[:8])
	if !hmac.Equal(want[:], buf[8:]) {
		return false, false
	}
	return true, idx != cur
}
