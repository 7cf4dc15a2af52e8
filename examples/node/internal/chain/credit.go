package chain

import (
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
)

// CreditTag is the first byte of an encoded Credit. A user transaction is an
// RLP list and starts with a byte ≥ 0xc0, so the two never collide.
const CreditTag = 0x01

// ErrBadCredit means bytes tagged as a credit that do not decode.
var ErrBadCredit = errors.New("chain: malformed credit")

// Credit is the receiving side of a cross-shard transfer: Amount to To,
// exported by transaction TxHash in the finalized block FromHeight of shard
// FromShard. It travels as a system transaction in the receiving shard's
// blocks.
type Credit struct {
	FromShard  uint32
	FromHeight uint64
	TxHash     common.Hash
	To         common.Address
	Amount     uint64
}

// Export is the sending side of a cross-shard transfer, produced when a
// finalized block debits the sender.
type Export struct {
	Credit
	ToShard uint32
	Sender  common.Address
}

// Encode returns the credit as a system transaction: CreditTag ‖ RLP.
func (c Credit) Encode() []byte {
	b, err := rlp.EncodeToBytes(c)
	if err != nil {
		panic(err) // fixed-size fields always encode
	}
	return append([]byte{CreditTag}, b...)
}

// Hash identifies the credit transaction.
func (c Credit) Hash() common.Hash { return crypto.Keccak256Hash(c.Encode()) }

// IsCredit reports whether a block transaction is a credit.
func IsCredit(tx []byte) bool { return len(tx) > 0 && tx[0] == CreditTag }

// DecodeCredit parses an encoded credit.
func DecodeCredit(b []byte) (Credit, error) {
	if !IsCredit(b) || len(b) > 256 {
		return Credit{}, ErrBadCredit
	}
	var c Credit
	if err := rlp.DecodeBytes(b[1:], &c); err != nil {
		return Credit{}, fmt.Errorf("%w: %v", ErrBadCredit, err)
	}
	if c.Amount == 0 {
		return Credit{}, fmt.Errorf("%w: zero amount", ErrBadCredit)
	}
	return c, nil
}
