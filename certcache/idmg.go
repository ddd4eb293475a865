package certcache

import (
	"crypto/x509"
	"encoding/binary"
	"fmt"

	"github.com/mr-tron/base58"
	"golang.org/x/crypto/blake2s"
)

const (
	idmgVersion   = 0x02   // the IDMG format version byte
	blake2s256    = 0xb260 // multicodec code of blake2s-256
	multibase58z  = "z"    // multibase prefix of base58btc
	idmgRawLength = 1 + 4 + 3 + 1 + blake2s.Size
)

// IDMG returns the MilleGrille id of a root certificate: "z" (multibase
// base58btc) followed by the base58 of 0x02 ‖ uint32 little-endian
// ceil(notAfter unix / 1000) ‖ the multihash of blake2s-256 over the root's DER
// (varint 0xb260, length 0x20, digest). A root expiring before 1970 or past what
// the uint32 holds is refused (ErrMalformed).
func IDMG(root *x509.Certificate) (string, error) {
	if root == nil {
		return "", fmt.Errorf("%w: nil root", ErrMalformed)
	}
	secs := root.NotAfter.Unix()
	if secs <= 0 || (secs+999)/1000 > 1<<32-1 {
		return "", fmt.Errorf("%w: root notAfter %v out of range", ErrMalformed, root.NotAfter)
	}
	b := make([]byte, 0, idmgRawLength)
	b = append(b, idmgVersion)
	b = binary.LittleEndian.AppendUint32(b, uint32((secs+999)/1000))
	b = binary.AppendUvarint(b, blake2s256)
	b = append(b, blake2s.Size)
	sum := blake2s.Sum256(root.Raw)
	b = append(b, sum[:]...)
	return multibase58z + base58.Encode(b), nil
}
