package pobsim

import (
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/pob"
)

// BadTxPrefix marks a transaction the test application rejects: a
// fraudulent believable validator slips such transactions into its blocks.
const BadTxPrefix = 0xBA

// ErrBadTx is the test application's verdict on a bad transaction.
var ErrBadTx = errors.New("pobsim: invalid transaction")

// App is a deterministic test application. Transactions are byte strings;
// those starting with BadTxPrefix are invalid. A producer proposes TxsPer
// transactions per block, the first Bad of each block invalid when Bad is
// set. It compensates the victim of a finalized bad transaction with one
// unit to an address derived from the transaction.
type App struct {
	// Name prefixes the transactions (distinct per run and validator).
	Name string
	// TxsPer is the number of transactions per proposed block.
	TxsPer int
	// Bad is how many of them are invalid.
	Bad int
	// Silent makes Propose return nothing (an absent producer);
	// SilentUntil does so below a height only.
	Silent      bool
	SilentUntil uint64
	blocks      int
}

// Validate implements pob.TxValidator.
func (a *App) Validate(tx []byte) error {
	if len(tx) == 0 || tx[0] == BadTxPrefix {
		return ErrBadTx
	}
	return nil
}

// Propose implements pob.Application.
func (a *App) Propose(height uint64, max int) [][]byte {
	if a.Silent || a.TxsPer == 0 || height < a.SilentUntil {
		return nil
	}
	a.blocks++
	n := min(a.TxsPer, max)
	out := make([][]byte, n)
	for i := range out {
		prefix := byte(0x01)
		if i < a.Bad {
			prefix = BadTxPrefix
		}
		out[i] = append([]byte{prefix}, fmt.Sprintf("%s/%d/%d", a.Name, a.blocks, i)...)
	}
	return out
}

// Compensation implements pob.Compensator.
func (a *App) Compensation(tx []byte) []pob.Payout {
	return []pob.Payout{{To: common.BytesToAddress(crypto.Keccak256(tx)[12:]), Amount: 1}}
}

// Slashes records the slashings a replica applied.
type Slashes struct {
	// Count is the number of slashings per validator.
	Count map[common.Address]int
	// Paid sums compensations per account.
	Paid map[common.Address]uint64
	// Servi counts Servi clearings per validator.
	Servi map[common.Address]int
}

// NewSlashes returns an empty record.
func NewSlashes() *Slashes {
	return &Slashes{Count: map[common.Address]int{}, Paid: map[common.Address]uint64{}, Servi: map[common.Address]int{}}
}

// Slash implements pob.Slasher.
func (s *Slashes) Slash(v common.Address, comp []pob.Payout) error {
	s.Count[v]++
	for _, p := range comp {
		s.Paid[p.To] += p.Amount
	}
	return nil
}

// ClearServi implements pob.ServiClearer.
func (s *Slashes) ClearServi(v common.Address) error {
	s.Servi[v]++
	return nil
}
