package chain

import (
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/iostkit/iostkit/token"
)

// Errors of the executor and the shard chain.
var (
	// ErrWrongChain means a transaction signed for another chain id.
	ErrWrongChain = errors.New("chain: wrong chain id")
	// ErrWrongShard means a transaction signed for another shard than its
	// sender's, or sent to a shard that does not own its sender.
	ErrWrongShard = errors.New("chain: wrong shard id")
)

// Executor applies the transactions of one shard to a token ledger.
type Executor struct {
	ChainID uint64
	Shard   uint32
	Shards  uint32
	// Cache, when set, saves repeated signature recoveries.
	Cache *TxCache
}

// Check performs the stateless checks of t for this shard: chain id, shard
// id, and that the sender lives on this shard.
func (e Executor) Check(t *txn.Tx) error {
	if t.ChainID != e.ChainID {
		return fmt.Errorf("%w: %d, this chain is %d", ErrWrongChain, t.ChainID, e.ChainID)
	}
	if t.Shard != e.Shard {
		return fmt.Errorf("%w: signed for shard %d, this is shard %d", ErrWrongShard, t.Shard, e.Shard)
	}
	if s := eds.ShardOf(t.From(), e.Shards); s != e.Shard {
		return fmt.Errorf("%w: sender %s lives on shard %d", ErrWrongShard, t.From(), s)
	}
	return nil
}

// Validate is the stateless validity rule of a block transaction — the rule
// consensus judges fraud proofs by: a user transaction must decode and pass
// Check; an atomix message must decode and involve this shard.
func (e Executor) Validate(tx []byte) error {
	if IsAtomix(tx) {
		return validateAtomix(tx, e.Shard, e.Shards)
	}
	t, err := e.Cache.Decode(tx)
	if err != nil {
		return err
	}
	return e.Check(t)
}

// ApplyTx executes t at height h on store. A transfer to another shard
// exports the amount and returns the Export; on error nothing changed.
func (e Executor) ApplyTx(store token.Store, t *txn.Tx, h uint64) (*Export, error) {
	if err := e.Check(t); err != nil {
		return nil, err
	}
	l, err := token.NewLedger(store, token.Config{})
	if err != nil {
		return nil, err
	}
	to := eds.ShardOf(t.To, e.Shards)
	if to == e.Shard {
		return nil, l.Transfer(token.Transfer{From: t.From(), To: t.To, Amount: token.Amount(t.Amount), Fee: token.Amount(t.Fee), Nonce: t.Nonce}, h)
	}
	if err := l.Export(t.From(), token.Amount(t.Amount), token.Amount(t.Fee), t.Nonce, h); err != nil {
		return nil, err
	}
	return &Export{
		Credit:  Credit{FromShard: e.Shard, FromHeight: h, TxHash: t.Hash(), To: t.To, Amount: t.Amount},
		ToShard: to, Sender: t.From(),
	}, nil
}

// Receipt is the outcome of one block transaction. A finalized block may
// hold transactions that fail (consensus only samples validity, and two
// producers' optimistic blocks may conflict): they are recorded as failed
// and change nothing, the same on every node.
type Receipt struct {
	Hash   common.Hash
	OK     bool
	Err    string  `rlp:"-"`
	Export *Export `rlp:"-"`
	Credit *Credit `rlp:"-"`
	Sender common.Address
}

// reverter is the store capability of undoing a failed transaction's
// writes (state.Overlay has it).
type reverter interface {
	Mark() int
	Revert(mark int)
}

// execute runs a finalized block's transactions at height h, in epoch, on
// store, in order: transfers on the token ledger, cross-shard transfers and
// atomix messages through x. It fails only on a store error; a transaction
// that fails is recorded as failed and changes nothing.
func (e Executor) execute(store token.Store, txs [][]byte, h, epoch uint64, x *cross, out *CrossReady) ([]Receipt, error) {
	rv, _ := store.(reverter)
	receipts := make([]Receipt, 0, len(txs))
	for _, raw := range txs {
		r := Receipt{Hash: crypto.Keccak256Hash(raw)}
		mark := 0
		if rv != nil {
			mark = rv.Mark()
		}
		var err error
		if IsAtomix(raw) {
			var m atomix.Message
			if err = e.Validate(raw); err == nil {
				m, err = DecodeAtomix(raw)
			}
			if err == nil && x == nil {
				err = ErrNoCross
			}
			if err == nil {
				r.Credit, err = x.deliver(store, m, h, out)
			}
		} else {
			var t *txn.Tx
			if t, err = e.Cache.Decode(raw); err == nil {
				r.Sender = t.From()
				if r.Export, err = e.ApplyTx(store, t, h); err == nil && r.Export != nil {
					if x == nil {
						err = ErrNoCross
					} else {
						err = x.lock(store, *r.Export, epoch, h, out)
					}
				}
			}
		}
		r.OK = err == nil
		if err != nil {
			r.Err, r.Export, r.Credit = err.Error(), nil, nil
			if rv != nil {
				rv.Revert(mark)
			}
		}
		receipts = append(receipts, r)
	}
	return receipts, nil
}
