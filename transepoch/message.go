package transepoch

import (
	"bytes"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
)

// syncReportTag versions the SyncReport encoding and separates it from
// every other signed message kind.
const syncReportTag = "iostkit/transepoch/sync-report/v1"

// SyncReport is what a newcomer announces once it has bootstrapped from
// the shard's last Micro State Block (MSBHeight, MSBRoot) and replayed the
// blocks up to Height. The node signs Encode() with the validator's key and
// carries reports in the shard's blocks; each member's machine then takes
// the same Synced event at the same height.
type SyncReport struct {
	Epoch     uint64
	Shard     uint32
	Validator string
	MSBHeight uint64
	MSBRoot   common.Hash
	Height    uint64
}

type syncReportRLP struct {
	Tag       string
	Epoch     uint64
	Shard     uint32
	Validator string
	MSBHeight uint64
	MSBRoot   common.Hash
	Height    uint64
}

// Encode returns the canonical RLP encoding, domain tag included.
func (r SyncReport) Encode() []byte {
	b, err := rlp.EncodeToBytes(syncReportRLP{syncReportTag, r.Epoch, r.Shard, r.Validator, r.MSBHeight, r.MSBRoot, r.Height})
	if err != nil {
		panic(err) // cannot happen: every field type is RLP-encodable
	}
	return b
}

// Event is the Synced event the report stands for.
func (r SyncReport) Event() Event {
	return Event{Kind: Synced, Epoch: r.Epoch, Shard: r.Shard, Validator: r.Validator}
}

// DecodeSyncReport parses an encoding made by Encode. It rejects another
// domain tag, an empty validator, a head below the MSB, trailing bytes and
// any non-canonical encoding (ErrDecode).
func DecodeSyncReport(b []byte) (SyncReport, error) {
	var x syncReportRLP
	if err := rlp.DecodeBytes(b, &x); err != nil {
		return SyncReport{}, fmt.Errorf("%w: %w", ErrDecode, err)
	}
	if x.Tag != syncReportTag {
		return SyncReport{}, fmt.Errorf("%w: tag %q", ErrDecode, x.Tag)
	}
	if x.Validator == "" {
		return SyncReport{}, fmt.Errorf("%w: empty validator", ErrDecode)
	}
	if x.Height < x.MSBHeight {
		return SyncReport{}, fmt.Errorf("%w: head %d below MSB %d", ErrDecode, x.Height, x.MSBHeight)
	}
	r := SyncReport{x.Epoch, x.Shard, x.Validator, x.MSBHeight, x.MSBRoot, x.Height}
	if !bytes.Equal(r.Encode(), b) {
		return SyncReport{}, fmt.Errorf("%w: non-canonical encoding", ErrDecode)
	}
	return r, nil
}
