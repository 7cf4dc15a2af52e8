package token

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
)

// Key layout. Every key starts with a one-byte prefix so that token state can
// share a store with other modules' keys (which use other prefixes).
var (
	prefixAccount = []byte("tok/a/")
	keySupply     = []byte("tok/supply")
	keyFeePool    = []byte("tok/feepool")
)

// AccountKey is the store key of an account's record, exported so that a node
// can prove an account's state (for example with microstate proofs).
func AccountKey(addr common.Address) []byte {
	k := make([]byte, 0, len(prefixAccount)+common.AddressLength)
	k = append(k, prefixAccount...)
	return append(k, addr.Bytes()...)
}

// Vesting locks Total base units of an account's balance and releases them
// linearly by block height: nothing before Start+Cliff, everything from
// Start+Duration on, and Total*(h-Start)/Duration in between. Cliff may be
// zero; Duration zero means the whole amount unlocks at Start+Cliff.
type Vesting struct {
	Total    Amount
	Start    uint64
	Cliff    uint64
	Duration uint64
}

// Locked returns the part of the schedule that is still locked at height h.
func (v Vesting) Locked(h uint64) Amount {
	if v.Total == 0 {
		return 0
	}
	if h < v.Start || h-v.Start < v.Cliff {
		return v.Total
	}
	elapsed := h - v.Start
	if v.Duration == 0 || elapsed >= v.Duration {
		return 0
	}
	vested, err := v.Total.MulDiv(elapsed, v.Duration)
	if err != nil { // cannot happen: elapsed < Duration, so vested < Total
		return v.Total
	}
	return v.Total - vested
}

func (v Vesting) validate() error {
	if v.Duration != 0 && v.Cliff > v.Duration {
		return fmt.Errorf("%w: vesting cliff %d beyond duration %d", ErrBadGenesis, v.Cliff, v.Duration)
	}
	if v.Start > ^uint64(0)-v.Cliff || (v.Duration != 0 && v.Start > ^uint64(0)-v.Duration) {
		return fmt.Errorf("%w: vesting schedule overflows heights", ErrBadGenesis)
	}
	return nil
}

// Unbonding is stake on its way out: it becomes spendable at Release.
type Unbonding struct {
	Amount  Amount
	Release uint64
}

// Account is the ledger's record of one address. Balance includes any
// vesting-locked part; Spendable subtracts it.
type Account struct {
	Balance   Amount
	Nonce     uint64
	Bonded    Amount
	Unbonding []Unbonding
	Servi     Amount
	Vesting   Vesting
}

// Spendable is the part of the balance that may leave the account at height h.
func (a Account) Spendable(h uint64) Amount {
	locked := a.Vesting.Locked(h)
	if locked >= a.Balance {
		return 0
	}
	return a.Balance - locked
}

// UnbondingTotal is the sum of the account's unbonding entries.
func (a Account) UnbondingTotal() Amount {
	var t Amount
	for _, u := range a.Unbonding {
		t += u.Amount // bounded by the cap, cannot overflow
	}
	return t
}

func (a Account) empty() bool {
	return a.Balance == 0 && a.Nonce == 0 && a.Bonded == 0 && len(a.Unbonding) == 0 && a.Servi == 0 && a.Vesting == (Vesting{})
}

// EncodeAccount is the canonical (RLP) encoding of an account record.
func EncodeAccount(a Account) []byte {
	b, err := rlp.EncodeToBytes(&a)
	if err != nil { // only unsupported types fail, and Account has none
		panic(err)
	}
	return b
}

// DecodeAccount parses a record made by EncodeAccount. Anything else,
// including trailing bytes and non-canonical integers, is ErrCorruptRecord.
func DecodeAccount(b []byte) (Account, error) {
	var a Account
	if err := rlp.DecodeBytes(b, &a); err != nil {
		return Account{}, fmt.Errorf("%w: account: %v", ErrCorruptRecord, err)
	}
	return a, nil
}

// supply is the ledger-wide record: what genesis created and what was burned.
type supply struct {
	Genesis  Amount
	Burned   Amount
	Exported Amount
	Imported Amount
}

func (l *Ledger) account(addr common.Address) (Account, bool, error) {
	b, err := l.store.Get(AccountKey(addr))
	if err != nil {
		return Account{}, false, fmt.Errorf("token: read account %s: %w", addr, err)
	}
	if b == nil {
		return Account{}, false, nil
	}
	a, err := DecodeAccount(b)
	if err != nil {
		return Account{}, false, fmt.Errorf("account %s: %w", addr, err)
	}
	return a, true, nil
}

func (l *Ledger) supply() (supply, error) {
	b, err := l.store.Get(keySupply)
	if err != nil {
		return supply{}, fmt.Errorf("token: read supply: %w", err)
	}
	if b == nil {
		return supply{}, ErrNoGenesis
	}
	var s supply
	if err := rlp.DecodeBytes(b, &s); err != nil {
		return supply{}, fmt.Errorf("%w: supply: %v", ErrCorruptRecord, err)
	}
	return s, nil
}

func (l *Ledger) feePool() (Amount, error) {
	b, err := l.store.Get(keyFeePool)
	if err != nil {
		return 0, fmt.Errorf("token: read fee pool: %w", err)
	}
	if b == nil {
		return 0, nil
	}
	var v uint64
	if err := rlp.DecodeBytes(b, &v); err != nil {
		return 0, fmt.Errorf("%w: fee pool: %v", ErrCorruptRecord, err)
	}
	return Amount(v), nil
}

// write is a set of records computed by an operation, applied only after
// every check passed.
type write struct {
	accounts map[common.Address]Account
	order    []common.Address
	supply   *supply
	feePool  *Amount
}

func (w *write) put(addr common.Address, a Account) {
	if w.accounts == nil {
		w.accounts = map[common.Address]Account{}
	}
	if _, ok := w.accounts[addr]; !ok {
		w.order = append(w.order, addr)
	}
	w.accounts[addr] = a
}

func (l *Ledger) apply(w write) error {
	for _, addr := range w.order { // insertion order: deterministic
		a := w.accounts[addr]
		var err error
		if a.empty() {
			err = l.store.Delete(AccountKey(addr))
		} else {
			err = l.store.Set(AccountKey(addr), EncodeAccount(a))
		}
		if err != nil {
			return fmt.Errorf("token: write account %s: %w", addr, err)
		}
	}
	if w.supply != nil {
		b, _ := rlp.EncodeToBytes(w.supply)
		if err := l.store.Set(keySupply, b); err != nil {
			return fmt.Errorf("token: write supply: %w", err)
		}
	}
	if w.feePool != nil {
		b, _ := rlp.EncodeToBytes(uint64(*w.feePool))
		if err := l.store.Set(keyFeePool, b); err != nil {
			return fmt.Errorf("token: write fee pool: %w", err)
		}
	}
	return nil
}
