package chain

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
)

// MaxBlockTxs bounds the transactions of one block.
const MaxBlockTxs = 2000

// Header is a block's header. StateRoot is the state after the parent block.
type Header struct {
	ChainID   uint64
	Shard     uint32
	Height    uint64
	Epoch     uint64
	Parent    common.Hash
	StateRoot []byte
	BodyHash  common.Hash
	Proposer  string
	TimeMs    uint64 // proposer's wall clock, informative only
}

// Credit is the receiving side of a cross-shard transfer: Amount to To,
// exported by transaction TxHash on shard From.
type Credit struct {
	FromShard uint32
	TxHash    common.Hash
	To        common.Address
	Amount    uint64
}

// Export is the sending side of a cross-shard transfer, produced when a
// block debits the sender.
type Export struct {
	Credit
	ToShard uint32
	Sender  common.Address
	Height  uint64 // height of the exporting block
}

// Body is what a block carries: encoded transactions and credits.
type Body struct {
	Txs     [][]byte
	Credits []Credit
}

// Block is a header and its body.
type Block struct {
	Header Header
	Body   Body
}

// Hash is keccak256 of the header's RLP.
func (h Header) Hash() common.Hash {
	b, err := rlp.EncodeToBytes(h)
	if err != nil {
		panic(err)
	}
	return crypto.Keccak256Hash(b)
}

// Hash is the hash of the block's header.
func (b *Block) Hash() common.Hash { return b.Header.Hash() }

// BodyHash is keccak256 of the body's RLP.
func (b Body) Hash() common.Hash {
	enc, err := rlp.EncodeToBytes(b)
	if err != nil {
		panic(err)
	}
	return crypto.Keccak256Hash(enc)
}

// Encode is the block's canonical RLP.
func (b *Block) Encode() []byte {
	enc, err := rlp.EncodeToBytes(b)
	if err != nil {
		panic(err)
	}
	return enc
}

// MaxBlockSize bounds an encoded block.
const MaxBlockSize = 4 << 20

// DecodeBlock parses a block and checks that its body matches the header.
func DecodeBlock(b []byte) (*Block, error) {
	if len(b) > MaxBlockSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrBadBlock, len(b))
	}
	var blk Block
	if err := rlp.DecodeBytes(b, &blk); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadBlock, err)
	}
	if len(blk.Body.Txs) > MaxBlockTxs {
		return nil, fmt.Errorf("%w: %d transactions", ErrBadBlock, len(blk.Body.Txs))
	}
	if blk.Body.Hash() != blk.Header.BodyHash {
		return nil, fmt.Errorf("%w: body hash mismatch", ErrBadBlock)
	}
	return &blk, nil
}
