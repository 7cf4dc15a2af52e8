package atomix

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
)

// ShardID names a shard.
type ShardID uint32

// Kind says how an object holds value.
type Kind uint8

const (
	// KindAccount is an account-model balance: a transaction locks an amount
	// of it, and the account stays live after the commit with the amount
	// debited.
	KindAccount Kind = 1
	// KindCoin is a UTXO-style coin: a transaction locks all of it, and the
	// commit spends it for good.
	KindCoin Kind = 2
)

// Limits on a transaction's shape, so that decoding and verification cost
// stays bounded.
const (
	// MaxInputs bounds a transaction's inputs (and a vote's locks).
	MaxInputs = 64
	// MaxOutputs bounds a transaction's outputs.
	MaxOutputs = 64
)

// Input is a value a transaction consumes: Amount from the object Object on
// shard Shard. For a coin, Amount must equal the coin's whole value.
type Input struct {
	Shard  ShardID
	Kind   Kind
	Object common.Hash
	Amount uint64
}

// Output is a value a transaction creates on shard Shard. For an account,
// Amount is credited to Object (created if absent). For a coin, Object must
// be zero: the coin created is CoinID(tx id, output index).
type Output struct {
	Shard  ShardID
	Kind   Kind
	Object common.Hash
	Amount uint64
}

// Tx is a cross-shard transaction: it consumes every input and creates every
// output, or does nothing. Nonce makes otherwise identical transactions
// distinct. Authorization of the inputs (owners' signatures) is the node's
// business and happens before the transaction reaches atomix.
//
// Expiry is the last epoch in which an input shard may accept a session of
// the transaction; zero means no limit. Anyone can start a new session of
// an aborted transaction (the attempt number is not signed), so without an
// expiry a recorded transaction can be replayed into a commit long after
// its client saw it abort. Once the epoch is past Expiry and no session
// committed, the transaction is dead for good.
type Tx struct {
	Inputs  []Input
	Outputs []Output
	Nonce   uint64
	Expiry  uint64
}

const txDomain = "iostkit/atomix/tx/v1"

// ID is the transaction's identity: Keccak-256 over a domain tag and the
// canonical RLP encoding. Every proof is bound to it.
func (t Tx) ID() common.Hash {
	b, err := rlp.EncodeToBytes(&t)
	if err != nil {
		panic(fmt.Sprintf("atomix: encoding a transaction: %v", err)) // fixed-shape struct: cannot fail
	}
	return crypto.Keccak256Hash([]byte(txDomain), b)
}

// CoinID is the identity of the coin created by output index of transaction tx.
func CoinID(tx common.Hash, index int) common.Hash {
	var i [8]byte
	binary.BigEndian.PutUint64(i[:], uint64(index))
	return crypto.Keccak256Hash([]byte("iostkit/atomix/coin/v1"), tx[:], i[:])
}

// Validate checks the transaction's shape: at least one input, bounded sizes,
// known kinds, positive amounts, no object consumed twice, coin outputs with
// a zero object, and inputs and outputs of equal total value.
func (t Tx) Validate() error {
	if len(t.Inputs) == 0 || len(t.Inputs) > MaxInputs || len(t.Outputs) > MaxOutputs {
		return fmt.Errorf("%w: %d inputs, %d outputs", ErrBadTx, len(t.Inputs), len(t.Outputs))
	}
	var in, out uint64
	seen := make(map[common.Hash]bool, len(t.Inputs))
	for i, x := range t.Inputs {
		if x.Kind != KindAccount && x.Kind != KindCoin {
			return fmt.Errorf("%w: input %d of kind %d", ErrBadTx, i, x.Kind)
		}
		if x.Amount == 0 {
			return fmt.Errorf("%w: input %d of zero amount", ErrBadTx, i)
		}
		if seen[x.Object] {
			return fmt.Errorf("%w: object %s consumed twice", ErrBadTx, x.Object)
		}
		seen[x.Object] = true
		if in+x.Amount < in {
			return fmt.Errorf("%w: input total overflows", ErrBadTx)
		}
		in += x.Amount
	}
	for i, o := range t.Outputs {
		switch {
		case o.Kind != KindAccount && o.Kind != KindCoin:
			return fmt.Errorf("%w: output %d of kind %d", ErrBadTx, i, o.Kind)
		case o.Amount == 0:
			return fmt.Errorf("%w: output %d of zero amount", ErrBadTx, i)
		case o.Kind == KindCoin && o.Object != (common.Hash{}):
			return fmt.Errorf("%w: coin output %d names an object", ErrBadTx, i)
		}
		if out+o.Amount < out {
			return fmt.Errorf("%w: output total overflows", ErrBadTx)
		}
		out += o.Amount
	}
	if in != out {
		return fmt.Errorf("%w: inputs %d, outputs %d", ErrBadTx, in, out)
	}
	return nil
}

// InputShards lists the shards holding inputs, ascending and without repeats.
func (t Tx) InputShards() []ShardID {
	out := make([]ShardID, 0, len(t.Inputs))
	for _, x := range t.Inputs {
		out = append(out, x.Shard)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Shards lists every shard the transaction touches, ascending and without
// repeats.
func (t Tx) Shards() []ShardID {
	out := t.InputShards()
	for _, o := range t.Outputs {
		out = append(out, o.Shard)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Coordinator is the lowest input shard. It is the first to retransmit
// proofs and decisions when a session stalls; any party may do the same.
func (t Tx) Coordinator() ShardID { return t.InputShards()[0] }

func (t Tx) isInputShard(s ShardID) bool {
	for _, x := range t.Inputs {
		if x.Shard == s {
			return true
		}
	}
	return false
}

func (t Tx) isOutputShard(s ShardID) bool {
	for _, o := range t.Outputs {
		if o.Shard == s {
			return true
		}
	}
	return false
}
