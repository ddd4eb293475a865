package jwtverify

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"
)

// maxCachedHeaders bounds the header cache. Issuers sign with a handful of
// headers (one per key and alg), so a few dozen is plenty.
const maxCachedHeaders = 32

// headerCache remembers the parsed form of the header segments of tokens that
// verified, so the next token with the same header skips decoding and parsing
// it. Only verified tokens' headers enter, so a forger cannot fill it. Reads are
// lock-free (copy-on-write map).
type headerCache struct {
	m  atomic.Pointer[map[string]*parsedHeader]
	mu sync.Mutex // serialises writers
}

// parsedHeader is an immutable parsed header.
type parsedHeader struct {
	hdr    []member
	header Header
	alg    algorithm
}

func (c *headerCache) get(seg []byte) *parsedHeader {
	m := c.m.Load()
	if m == nil {
		return nil
	}
	return (*m)[string(seg)]
}

// put stores the header of a verified token; decoded is its decoded JSON and is
// copied, so the entry owns its bytes.
func (c *headerCache) put(seg []byte, decoded []byte, header Header, alg algorithm) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil && (*old)[string(seg)] != nil {
		return
	}
	hdr, err := members(bytes.Clone(decoded), "header", nil)
	if err != nil {
		return // cannot happen: the same bytes parsed before
	}
	next := make(map[string]*parsedHeader, 1+lenOf(old))
	if old != nil {
		// When full, one old entry makes room: after a key rotation the new
		// headers must get in, or every token would take the slow path for good.
		evict := len(*old) >= maxCachedHeaders
		for k, v := range *old {
			if evict {
				evict = false
				continue
			}
			next[k] = v
		}
	}
	// header's strings alias the verified token's decoded segments; copy them so
	// the entry does not keep that token's payload and signature alive.
	header = Header{Alg: strings.Clone(header.Alg), Kid: strings.Clone(header.Kid), Typ: strings.Clone(header.Typ)}
	next[string(seg)] = &parsedHeader{hdr: hdr, header: header, alg: alg}
	c.m.Store(&next)
}

func lenOf(m *map[string]*parsedHeader) int {
	if m == nil {
		return 0
	}
	return len(*m)
}
