package transepoch

import (
	"bytes"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// FuzzDecodeSyncReport: decoding never panics, and whatever decodes
// re-encodes to the same bytes (the encoding is canonical).
func FuzzDecodeSyncReport(f *testing.F) {
	f.Add(SyncReport{Epoch: 2, Shard: 1, Validator: "v1", MSBHeight: 100, MSBRoot: common.Hash{1}, Height: 120}.Encode())
	f.Add(SyncReport{Validator: "x"}.Encode())
	f.Add([]byte{})
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeSyncReport(b)
		if err != nil {
			return
		}
		if !bytes.Equal(r.Encode(), b) {
			t.Fatalf("decoded %+v re-encodes differently", r)
		}
		if r.Validator == "" || r.Height < r.MSBHeight {
			t.Fatalf("accepted an invalid report %+v", r)
		}
	})
}
