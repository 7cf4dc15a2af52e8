package chain

import (
	"github.com/ethereum/go-ethereum/common"
)

// Credit describes the receiving side of a committed cross-shard transfer:
// Amount to To, sent by transaction TxHash, which shard FromShard executed
// (debiting the sender and locking the amount in atomix) in its finalized
// block FromHeight. A receipt carries it for the block whose atomix message
// committed the transfer on the recipient's shard.
type Credit struct {
	FromShard  uint32
	FromHeight uint64
	TxHash     common.Hash
	To         common.Address
	Amount     uint64
}

// Export describes the sending side of a cross-shard transfer: the sender's
// shard debited Sender and locked the amount for shard ToShard.
type Export struct {
	Credit
	ToShard uint32
	Sender  common.Address
}
