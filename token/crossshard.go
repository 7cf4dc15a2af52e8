package token

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
)

// Cross-shard transfers leave one shard's store and enter another's. The
// sending shard exports the amount (it leaves the sender's balance and is
// counted in Supply.Exported); the receiving shard imports it (credited and
// counted in Supply.Imported). A cross-shard commit protocol (atomix in the
// example node) decides when each side runs; the chain-wide invariant is
// that the sum of all shards' Exported equals the sum of their Imported once
// every transfer has committed.

// Export debits amount and fee from the sender, advances its nonce, and
// records the amount as sent to another shard. On error nothing changes.
func (l *Ledger) Export(from common.Address, amount, fee Amount, nonce, h uint64) error {
	if amount == 0 {
		return fmt.Errorf("export %s: %w", from, ErrZeroAmount)
	}
	sup, err := l.supply()
	if err != nil {
		return err
	}
	a, err := l.debit(from, amount, fee, nonce, h)
	if err != nil {
		return fmt.Errorf("export %s: %w", from, err)
	}
	if sup.Exported, err = sup.Exported.Add(amount); err != nil {
		return err
	}
	var w write
	w.put(from, a)
	w.supply = &sup
	if fee > 0 {
		fp, err := l.feePool()
		if err != nil {
			return err
		}
		if fp, err = fp.Add(fee); err != nil {
			return err
		}
		w.feePool = &fp
	}
	return l.apply(w)
}

// Import credits amount, exported by another shard, to the receiver.
func (l *Ledger) Import(to common.Address, amount Amount) error {
	if amount == 0 {
		return fmt.Errorf("import %s: %w", to, ErrZeroAmount)
	}
	sup, err := l.supply()
	if err != nil {
		return err
	}
	a, _, err := l.account(to)
	if err != nil {
		return err
	}
	if a.Balance, err = a.Balance.Add(amount); err != nil {
		return fmt.Errorf("import %s: %w", to, err)
	}
	if sup.Imported, err = sup.Imported.Add(amount); err != nil {
		return err
	}
	var w write
	w.put(to, a)
	w.supply = &sup
	return l.apply(w)
}

// Refund returns an exported amount to its sender after the cross-shard
// transfer aborted: it credits the sender and reduces Exported. The nonce
// and fee stay spent, as for any included transaction.
func (l *Ledger) Refund(to common.Address, amount Amount) error {
	if amount == 0 {
		return fmt.Errorf("refund %s: %w", to, ErrZeroAmount)
	}
	sup, err := l.supply()
	if err != nil {
		return err
	}
	if sup.Exported < amount {
		return fmt.Errorf("refund %s: %w: exported %s, refund %s", to, ErrInsufficientFunds, sup.Exported, amount)
	}
	a, _, err := l.account(to)
	if err != nil {
		return err
	}
	if a.Balance, err = a.Balance.Add(amount); err != nil {
		return err
	}
	sup.Exported -= amount
	var w write
	w.put(to, a)
	w.supply = &sup
	return l.apply(w)
}

// Audit checks the ledger's accounting over the given accounts, which must
// be every account in the store: balances, bonded and unbonding stake and the
// fee pool must add up to Supply.Expected, and the supply must respect the
// cap. Nodes that track their account set run it in tests and at MSBs.
func (l *Ledger) Audit(accounts []common.Address) error {
	s, err := l.Supply()
	if err != nil {
		return err
	}
	if s.Genesis > Cap || s.Burned > s.Genesis {
		return fmt.Errorf("%w: genesis %s, burned %s", ErrCorruptRecord, s.Genesis, s.Burned)
	}
	total := s.FeePool
	seen := map[common.Address]bool{}
	for _, addr := range accounts {
		if seen[addr] {
			continue
		}
		seen[addr] = true
		a, _, err := l.account(addr)
		if err != nil {
			return err
		}
		for _, v := range []Amount{a.Balance, a.Bonded, a.UnbondingTotal()} {
			if total, err = total.Add(v); err != nil {
				return err
			}
		}
	}
	if total != s.Expected() {
		return fmt.Errorf("%w: records hold %s, supply says %s", ErrCorruptRecord, total, s.Expected())
	}
	return nil
}
