package token

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
)

// Config tunes a Ledger. The zero value is valid and means the defaults.
type Config struct {
	// UnbondingPeriod is the number of blocks unbonded stake waits before it
	// can be withdrawn. Zero means DefaultUnbondingPeriod.
	UnbondingPeriod uint64
}

// DefaultUnbondingPeriod is the unbonding period used when Config leaves it
// zero: 1,200 blocks, the period at which IOST re-votes its producer list.
const DefaultUnbondingPeriod = 1200

// Validate reports whether c is usable. Every Config is; the method exists so
// that configs compose with the rest of the module's Validate calls.
func (c Config) Validate() error { return nil }

func (c Config) withDefaults() Config {
	if c.UnbondingPeriod == 0 {
		c.UnbondingPeriod = DefaultUnbondingPeriod
	}
	return c
}

// Ledger is the IOST ledger over a Store. It holds no state of its own beyond
// its config, so any number of Ledgers may be made over short-lived stores
// (one per block, say). A Ledger is as safe for concurrent use as its Store;
// the operations themselves are not atomic against concurrent writers.
type Ledger struct {
	store Store
	cfg   Config
}

// NewLedger returns a ledger reading and writing store.
func NewLedger(store Store, cfg Config) (*Ledger, error) {
	if store == nil {
		return nil, fmt.Errorf("%w: nil store", ErrBadConfig)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Ledger{store: store, cfg: cfg.withDefaults()}, nil
}

// Account returns the record of addr, or ErrUnknownAccount.
func (l *Ledger) Account(addr common.Address) (Account, error) {
	a, ok, err := l.account(addr)
	if err != nil {
		return Account{}, err
	}
	if !ok {
		return Account{}, fmt.Errorf("%w: %s", ErrUnknownAccount, addr)
	}
	return a, nil
}

// Balance returns the IOST balance of addr (including any vesting-locked
// part); an unknown account has balance zero.
func (l *Ledger) Balance(addr common.Address) (Amount, error) {
	a, _, err := l.account(addr)
	return a.Balance, err
}

// Nonce returns the next nonce addr must use; zero for an unknown account.
func (l *Ledger) Nonce(addr common.Address) (uint64, error) {
	a, _, err := l.account(addr)
	return a.Nonce, err
}

// Supply describes the IOST in one store. Genesis−Burned−Exported+Imported is
// what the store's accounts, stake and fee pool hold together; on a single
// store chain Exported and Imported stay zero.
type Supply struct {
	Genesis  Amount
	Burned   Amount
	Exported Amount // sent to other shards
	Imported Amount // received from other shards
	FeePool  Amount
}

// Expected is the IOST the store's records must add up to.
func (s Supply) Expected() Amount {
	return s.Genesis - s.Burned - s.Exported + s.Imported
}

// Supply returns the supply record, or ErrNoGenesis before genesis.
func (l *Ledger) Supply() (Supply, error) {
	s, err := l.supply()
	if err != nil {
		return Supply{}, err
	}
	fp, err := l.feePool()
	if err != nil {
		return Supply{}, err
	}
	return Supply{Genesis: s.Genesis, Burned: s.Burned, Exported: s.Exported, Imported: s.Imported, FeePool: fp}, nil
}

// Transfer moves Amount from From to To and Fee from From to the fee pool.
type Transfer struct {
	From, To common.Address
	Amount   Amount
	Fee      Amount
	// Nonce must equal the sender's current nonce; it then increments.
	Nonce uint64
}

// Transfer applies t at block height h (which decides how much of a vesting
// balance is spendable). On any error nothing changes.
func (l *Ledger) Transfer(t Transfer, h uint64) error {
	if t.Amount == 0 {
		return fmt.Errorf("transfer %s→%s: %w", t.From, t.To, ErrZeroAmount)
	}
	if t.From == t.To {
		return fmt.Errorf("transfer %s: %w", t.From, ErrSelfTransfer)
	}
	if _, err := l.supply(); err != nil {
		return err
	}
	from, err := l.debit(t.From, t.Amount, t.Fee, t.Nonce, h)
	if err != nil {
		return fmt.Errorf("transfer %s→%s: %w", t.From, t.To, err)
	}
	to, _, err := l.account(t.To)
	if err != nil {
		return err
	}
	if to.Balance, err = to.Balance.Add(t.Amount); err != nil {
		return fmt.Errorf("transfer %s→%s: %w", t.From, t.To, err)
	}
	var w write
	w.put(t.From, from)
	w.put(t.To, to)
	if t.Fee > 0 {
		fp, err := l.feePool()
		if err != nil {
			return err
		}
		if fp, err = fp.Add(t.Fee); err != nil {
			return err
		}
		w.feePool = &fp
	}
	return l.apply(w)
}

// debit checks nonce and spendable funds and returns the sender's record
// with amount+fee removed and the nonce advanced. It writes nothing.
func (l *Ledger) debit(addr common.Address, amount, fee Amount, nonce, h uint64) (Account, error) {
	a, ok, err := l.account(addr)
	if err != nil {
		return Account{}, err
	}
	if !ok {
		return Account{}, fmt.Errorf("%w: %s", ErrUnknownAccount, addr)
	}
	if nonce != a.Nonce {
		return Account{}, fmt.Errorf("%w: got %d, want %d", ErrBadNonce, nonce, a.Nonce)
	}
	need, err := amount.Add(fee)
	if err != nil {
		return Account{}, err
	}
	if sp := a.Spendable(h); sp < need {
		return Account{}, fmt.Errorf("%w: spendable %s, need %s", ErrInsufficientFunds, sp, need)
	}
	a.Balance -= need
	a.Nonce++
	return a, nil
}
