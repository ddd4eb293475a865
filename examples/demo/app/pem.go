package app

import "encoding/pem"

// pemBlock returns the DER of the first PEM block of b (nil when none).
func pemBlock(b []byte) []byte {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil
	}
	return blk.Bytes
}
