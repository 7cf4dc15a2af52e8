package calib

import (
	"crypto/sha256"
	"io"
)

// counterReader is an endless deterministic byte stream, SHA-256 in counter
// mode over a seed, used to derive the calibration's BLS keys.
type counterReader struct {
	seed []byte
	ctr  uint64
	buf  []byte
}

func bytesReader(seed []byte) io.Reader { return &counterReader{seed: seed} }

func (r *counterReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.buf) == 0 {
			h := sha256.New()
			h.Write(r.seed)
			var c [8]byte
			for i := range 8 {
				c[i] = byte(r.ctr >> (8 * i))
			}
			h.Write(c[:])
			r.ctr++
			r.buf = h.Sum(nil)
		}
		k := copy(p[n:], r.buf)
		r.buf = r.buf[k:]
		n += k
	}
	return n, nil
}
