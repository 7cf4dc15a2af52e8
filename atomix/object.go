package atomix

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
)

// Status is where an object is in its life cycle.
type Status uint8

const (
	// Active objects can be locked.
	Active Status = 1
	// Locked objects are reserved by one session of one transaction.
	Locked Status = 2
	// Spent coins are consumed for good. Accounts are never spent: their
	// commit debits the locked amount and makes them Active again.
	Spent Status = 3
)

// String names the status.
func (s Status) String() string {
	switch s {
	case Active:
		return "active"
	case Locked:
		return "locked"
	case Spent:
		return "spent"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Object is the record of one object (account or coin) in a shard's state,
// and its state machine:
//
//	active --Lock(tx)--> locked(tx, seq) --Commit(tx, seq)--> spent (coin) | active (account, debited)
//	                     locked(tx, seq) --Abort(tx, seq)---> active
//
// Seq counts the locks the object has ever taken; a lock's sequence number
// names it for good. Commit and Abort act only on the current lock: the same
// transaction and the same sequence number. That is the per-object replay
// defence: a proof from an earlier lock of the object, or for another
// transaction, finds the object in another state and changes nothing.
// Transitions return a new value and never change the receiver.
type Object struct {
	Kind       Kind
	Status     Status
	Seq        uint64
	Value      uint64
	LockTx     common.Hash
	LockAmount uint64
}

// NewAccount is an active account holding value.
func NewAccount(value uint64) Object { return Object{Kind: KindAccount, Status: Active, Value: value} }

// NewCoin is an active coin of the given value.
func NewCoin(value uint64) Object { return Object{Kind: KindCoin, Status: Active, Value: value} }

// Lock reserves amount of the object for tx. It needs an active object of
// the input's kind with enough value (a coin is locked whole). The lock
// gets the next sequence number.
func (o Object) Lock(tx common.Hash, kind Kind, amount uint64) (Object, error) {
	switch {
	case o.Status != Active:
		return o, fmt.Errorf("%w: %s", ErrObjectUnavailable, o.Status)
	case o.Kind != kind:
		return o, fmt.Errorf("%w: kind %d, input of kind %d", ErrObjectUnavailable, o.Kind, kind)
	case amount == 0:
		return o, fmt.Errorf("%w: zero amount", ErrObjectUnavailable)
	case o.Kind == KindCoin && amount != o.Value:
		return o, fmt.Errorf("%w: coin of %d, input of %d", ErrObjectUnavailable, o.Value, amount)
	case amount > o.Value:
		return o, fmt.Errorf("%w: value %d, lock of %d", ErrObjectUnavailable, o.Value, amount)
	}
	o.Status, o.Seq, o.LockTx, o.LockAmount = Locked, o.Seq+1, tx, amount
	return o, nil
}

// current checks that the object holds exactly the lock (tx, seq).
func (o Object) current(tx common.Hash, seq uint64) error {
	switch {
	case o.Status != Locked:
		return fmt.Errorf("%w: object is %s", ErrNotCurrentLock, o.Status)
	case o.LockTx != tx:
		return fmt.Errorf("%w: locked by %s, not %s", ErrNotCurrentLock, o.LockTx, tx)
	case o.Seq != seq:
		return fmt.Errorf("%w: lock %d, not %d", ErrNotCurrentLock, o.Seq, seq)
	}
	return nil
}

// Commit consumes the lock (tx, seq): a coin becomes spent, an account is
// debited the locked amount and becomes active.
func (o Object) Commit(tx common.Hash, seq uint64) (Object, error) {
	if err := o.current(tx, seq); err != nil {
		return o, err
	}
	if o.Kind == KindCoin {
		o.Status = Spent
	} else {
		o.Status = Active
		o.Value -= o.LockAmount
	}
	o.LockTx, o.LockAmount = common.Hash{}, 0
	return o, nil
}

// Abort releases the lock (tx, seq): the object is active again, unchanged.
func (o Object) Abort(tx common.Hash, seq uint64) (Object, error) {
	if err := o.current(tx, seq); err != nil {
		return o, err
	}
	o.Status, o.LockTx, o.LockAmount = Active, common.Hash{}, 0
	return o, nil
}

// Credit adds amount to an account (locked or not). A coin cannot be
// credited: outputs create new coins.
func (o Object) Credit(amount uint64) (Object, error) {
	if o.Kind != KindAccount || o.Status == Spent {
		return o, fmt.Errorf("%w: credit to kind %d, %s", ErrObjectUnavailable, o.Kind, o.Status)
	}
	if o.Value+amount < o.Value {
		return o, fmt.Errorf("%w: balance overflow", ErrObjectUnavailable)
	}
	o.Value += amount
	return o, nil
}

// Encode returns the canonical RLP encoding of o.
func (o Object) Encode() []byte { return mustEncode(&o) }

// DecodeObject parses an encoded object record.
func DecodeObject(b []byte) (Object, error) {
	var o Object
	if err := decodeExact(b, &o); err != nil {
		return Object{}, fmt.Errorf("%w: object: %v", ErrDecode, err)
	}
	if (o.Kind != KindAccount && o.Kind != KindCoin) || o.Status < Active || o.Status > Spent {
		return Object{}, fmt.Errorf("%w: object of kind %d, status %d", ErrDecode, o.Kind, o.Status)
	}
	if !o.reachable() {
		return Object{}, fmt.Errorf("%w: %s object of kind %d with lock (%d of %d)", ErrDecode, o.Status, o.Kind, o.LockAmount, o.Value)
	}
	return o, nil
}

// reachable reports whether the transitions can produce o: only a locked
// object holds a lock, of at most its value (all of it for a coin), and
// only coins are spent. A record outside these shapes is corrupt; a
// locked account whose lock exceeds its value would wrap around on commit.
func (o Object) reachable() bool {
	switch o.Status {
	case Locked:
		return o.Seq > 0 && o.LockAmount > 0 && o.LockAmount <= o.Value &&
			(o.Kind != KindCoin || o.LockAmount == o.Value)
	case Spent:
		return o.Kind == KindCoin && o.LockTx == (common.Hash{}) && o.LockAmount == 0
	}
	return o.LockTx == (common.Hash{}) && o.LockAmount == 0
}

func mustEncode(v any) []byte {
	b, err := rlp.EncodeToBytes(v)
	if err != nil {
		panic(fmt.Sprintf("atomix: encoding %T: %v", v, err)) // fixed-shape structs: cannot fail
	}
	return b
}

// decodeExact decodes b into v and insists that re-encoding gives b back,
// so every value has exactly one accepted encoding.
func decodeExact(b []byte, v any) error {
	if err := rlp.DecodeBytes(b, v); err != nil {
		return err
	}
	back, err := rlp.EncodeToBytes(v)
	if err != nil {
		return err
	}
	if string(back) != string(b) {
		return fmt.Errorf("non-canonical encoding")
	}
	return nil
}
