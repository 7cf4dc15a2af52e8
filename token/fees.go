package token

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
)

// FeePool returns the fees collected and not yet distributed.
func (l *Ledger) FeePool() (Amount, error) { return l.feePool() }

// DistributeFees splits the fee pool equally among validators (in the order
// given, which must be the same on every node) and returns each share. The
// remainder of the division stays in the pool for the next distribution, so
// no base unit is created or lost. Duplicated validators are rejected.
func (l *Ledger) DistributeFees(validators []common.Address) (Amount, error) {
	if len(validators) == 0 {
		return 0, fmt.Errorf("%w: no validators to pay", ErrBadConfig)
	}
	pool, err := l.feePool()
	if err != nil {
		return 0, err
	}
	share := pool / Amount(len(validators))
	if share == 0 {
		return 0, nil
	}
	var w write
	for _, v := range validators {
		if _, dup := w.accounts[v]; dup {
			return 0, fmt.Errorf("%w: validator %s listed twice", ErrBadConfig, v)
		}
		a, _, err := l.account(v)
		if err != nil {
			return 0, err
		}
		if a.Balance, err = a.Balance.Add(share); err != nil {
			return 0, err
		}
		w.put(v, a)
	}
	rest := pool - share*Amount(len(validators))
	w.feePool = &rest
	return share, l.apply(w)
}
