package chain

import (
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
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
	// ErrDuplicateCredit means a cross-shard credit already applied.
	ErrDuplicateCredit = errors.New("chain: cross-shard credit already applied")
	// ErrUnprovenCredit means a credit without a matching finalized export.
	ErrUnprovenCredit = errors.New("chain: credit has no finalized export")
	// ErrWait means a block cannot execute yet: one of its credits names a
	// source block this node has not finalized. Retry after it has.
	ErrWait = errors.New("chain: waiting for a source shard")
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
// Check; a credit must decode and pay an account of this shard.
func (e Executor) Validate(tx []byte) error {
	if IsCredit(tx) {
		c, err := DecodeCredit(tx)
		if err != nil {
			return err
		}
		if s := eds.ShardOf(c.To, e.Shards); s != e.Shard || c.FromShard == e.Shard || c.FromShard >= e.Shards {
			return fmt.Errorf("%w: credit from shard %d to an account of shard %d", ErrWrongShard, c.FromShard, s)
		}
		return nil
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

// CreditKey is the state key that marks a credit as applied: one marker per
// exporting transaction, so a replayed credit is refused forever.
func CreditKey(c Credit) []byte {
	k := append([]byte("xshard/in/"), byte(c.FromShard>>24), byte(c.FromShard>>16), byte(c.FromShard>>8), byte(c.FromShard))
	return append(k, c.TxHash.Bytes()...)
}

// ApplyCredit imports c into store unless it was applied before.
func (e Executor) ApplyCredit(store token.Store, c Credit) error {
	if s := eds.ShardOf(c.To, e.Shards); s != e.Shard {
		return fmt.Errorf("%w: credit for %s belongs to shard %d", ErrWrongShard, c.To, s)
	}
	key := CreditKey(c)
	if v, err := store.Get(key); err != nil {
		return err
	} else if v != nil {
		return fmt.Errorf("%w: %s from shard %d", ErrDuplicateCredit, c.TxHash, c.FromShard)
	}
	l, err := token.NewLedger(store, token.Config{})
	if err != nil {
		return err
	}
	if err := l.Import(c.To, token.Amount(c.Amount)); err != nil {
		return err
	}
	return store.Set(key, []byte{1})
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

// CreditCheck tells the executor whether a credit's export is finalized on
// its source shard: nil if so, ErrWait if the source shard has not reached
// FromHeight on this node yet, ErrUnprovenCredit if it has and holds no
// such export.
type CreditCheck func(Credit) error

// Execute runs a finalized block's transactions at height h on store, in
// order. It fails only with ErrWait (nothing applied; retry later) or a
// store error.
func (e Executor) Execute(store token.Store, txs [][]byte, h uint64, check CreditCheck) ([]Receipt, error) {
	for _, raw := range txs {
		if IsCredit(raw) {
			if c, err := DecodeCredit(raw); err == nil && errors.Is(check(c), ErrWait) {
				return nil, fmt.Errorf("%w: shard %d height %d", ErrWait, c.FromShard, c.FromHeight)
			}
		}
	}
	out := make([]Receipt, 0, len(txs))
	for _, raw := range txs {
		r := Receipt{Hash: crypto.Keccak256Hash(raw)}
		var err error
		if IsCredit(raw) {
			var c Credit
			if c, err = DecodeCredit(raw); err == nil {
				if err = check(c); err == nil {
					err = e.ApplyCredit(store, c)
				}
				r.Credit = &c
			}
		} else {
			var t *txn.Tx
			if t, err = e.Cache.Decode(raw); err == nil {
				r.Sender = t.From()
				r.Export, err = e.ApplyTx(store, t, h)
			}
		}
		r.OK = err == nil
		if err != nil {
			r.Err = err.Error()
		}
		out = append(out, r)
	}
	return out, nil
}
