package p2p

import (
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/iostkit/iostkit/pob"
)

// MaxEnvelope bounds an encoded envelope: a pob message plus routing.
const MaxEnvelope = pob.MaxMessageSize + 64

// ErrDecode means a malformed or oversized network message.
var ErrDecode = errors.New("p2p: malformed message")

// Envelope is a pob message on the wire, with the shard it belongs to and
// its addressee (zero: every node following the shard).
type Envelope struct {
	Shard uint32
	To    common.Address
	Msg   []byte // pob.Message.Encode
}

// Encode returns the envelope's RLP.
func (e Envelope) Encode() []byte {
	b, err := rlp.EncodeToBytes(e)
	if err != nil {
		panic(err)
	}
	return b
}

// DecodeEnvelope parses an envelope and the pob message inside it.
func DecodeEnvelope(b []byte) (Envelope, pob.Message, error) {
	if len(b) > MaxEnvelope {
		return Envelope{}, pob.Message{}, fmt.Errorf("%w: %d bytes", ErrDecode, len(b))
	}
	var e Envelope
	if err := rlp.DecodeBytes(b, &e); err != nil {
		return Envelope{}, pob.Message{}, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	m, err := pob.DecodeMessage(e.Msg)
	if err != nil {
		return Envelope{}, pob.Message{}, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	return e, m, nil
}

// syncRequest asks a peer for finalized blocks of a shard from height From.
type syncRequest struct {
	Shard uint32
	From  uint64
	Max   uint64
}

// syncResponse carries encoded commits (the node's stored form).
type syncResponse struct {
	Commits [][]byte
}

// MaxSyncResponse bounds a sync answer.
const MaxSyncResponse = 32 << 20

// MaxSyncCommits bounds the commits in one sync answer.
const MaxSyncCommits = 256

// DecodeSyncResponse parses a peer's answer to a sync request: at most
// MaxSyncCommits encoded commits, which the node then verifies one by one
// against the committee's keys.
func DecodeSyncResponse(b []byte) ([][]byte, error) {
	if len(b) > MaxSyncResponse {
		return nil, fmt.Errorf("%w: sync response of %d bytes", ErrDecode, len(b))
	}
	var r syncResponse
	if err := rlp.DecodeBytes(b, &r); err != nil {
		return nil, fmt.Errorf("%w: sync response: %v", ErrDecode, err)
	}
	if len(r.Commits) > MaxSyncCommits {
		return nil, fmt.Errorf("%w: %d commits in a sync response", ErrDecode, len(r.Commits))
	}
	return r.Commits, nil
}
