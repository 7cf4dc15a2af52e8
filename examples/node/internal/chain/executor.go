package chain

import (
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/state"
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
	// ErrBadBlock means a block that does not decode or does not follow
	// its parent.
	ErrBadBlock = errors.New("chain: bad block")
	// ErrDuplicateCredit means a cross-shard credit already applied.
	ErrDuplicateCredit = errors.New("chain: cross-shard credit already applied")
)

// Executor applies transactions and credits of one shard to a token ledger.
type Executor struct {
	ChainID uint64
	Shard   uint32
	Shards  uint32
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
		Credit:  Credit{FromShard: e.Shard, TxHash: t.Hash(), To: t.To, Amount: t.Amount},
		ToShard: to, Sender: t.From(), Height: h,
	}, nil
}

// CreditKey is the state key that marks a credit as applied.
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

// Result is the outcome of executing a block body.
type Result struct {
	Writes  []state.Write
	Exports []Export
	Senders []common.Address
}

// ExecuteBody runs every transaction and credit of body at height h over
// base; any failure makes the whole body invalid.
func (e Executor) ExecuteBody(base state.Backend, body Body, h uint64) (Result, error) {
	o := state.NewOverlay(base)
	var res Result
	seen := map[common.Address]bool{}
	for i, raw := range body.Txs {
		t, err := txn.Decode(raw)
		if err != nil {
			return Result{}, fmt.Errorf("%w: tx %d: %v", ErrBadBlock, i, err)
		}
		x, err := e.ApplyTx(o, t, h)
		if err != nil {
			return Result{}, fmt.Errorf("%w: tx %d %s: %v", ErrBadBlock, i, t.Hash(), err)
		}
		if x != nil {
			res.Exports = append(res.Exports, *x)
		}
		if !seen[t.From()] {
			seen[t.From()] = true
			res.Senders = append(res.Senders, t.From())
		}
	}
	for i, c := range body.Credits {
		if err := e.ApplyCredit(o, c); err != nil {
			return Result{}, fmt.Errorf("%w: credit %d: %v", ErrBadBlock, i, err)
		}
	}
	res.Writes = o.Writes()
	return res, nil
}
