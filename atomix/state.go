package atomix

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/common"
)

// Outcome is what a session came to.
type Outcome uint8

const (
	// Commit means every input shard accepted: inputs are consumed, outputs created.
	Commit Outcome = 1
	// Abort means some input shard rejected: locks are released, nothing created.
	Abort Outcome = 2
)

// String names the outcome.
func (o Outcome) String() string {
	switch o {
	case Commit:
		return "commit"
	case Abort:
		return "abort"
	}
	return fmt.Sprintf("outcome(%d)", uint8(o))
}

// txState is a shard's bookkeeping for one transaction: the attempt whose
// lock it holds (zero for none), whether the transaction committed here, and
// whether its outputs here were created.
type txState struct {
	Pending   uint64
	Committed bool
	Credited  bool
}

type sessionRef struct {
	Tx      common.Hash
	Attempt uint64
}

func (a sessionRef) cmp(b sessionRef) int {
	if c := bytes.Compare(a.Tx[:], b.Tx[:]); c != 0 {
		return c
	}
	switch {
	case a.Attempt < b.Attempt:
		return -1
	case a.Attempt > b.Attempt:
		return 1
	}
	return 0
}

// state wraps a Store with typed accessors.
type state struct{ st Store }

func (s state) get(key []byte) ([]byte, error) {
	v, err := s.st.Get(key)
	if err != nil {
		return nil, fmt.Errorf("atomix: store get %x: %w", key, err)
	}
	return v, nil
}

func (s state) set(key, value []byte) error {
	if err := s.st.Set(key, value); err != nil {
		return fmt.Errorf("atomix: store set %x: %w", key, err)
	}
	return nil
}

func (s state) object(id common.Hash) (Object, bool, error) {
	b, err := s.get(ObjectKey(id))
	if err != nil || b == nil {
		return Object{}, false, err
	}
	o, err := DecodeObject(b)
	return o, err == nil, err
}

func (s state) putObject(id common.Hash, o Object) error { return s.set(ObjectKey(id), o.Encode()) }

func (s state) vote(tx common.Hash, attempt uint64) (Vote, bool, error) {
	b, err := s.get(VoteKey(tx, attempt))
	if err != nil || b == nil {
		return Vote{}, false, err
	}
	v, err := DecodeVote(b)
	return v, err == nil, err
}

func (s state) txState(tx common.Hash) (txState, error) {
	var t txState
	b, err := s.get(append(append([]byte(nil), prefixTxState...), tx[:]...))
	if err != nil || b == nil {
		return t, err
	}
	if err := decodeExact(b, &t); err != nil {
		return t, fmt.Errorf("%w: tx state: %v", ErrDecode, err)
	}
	return t, nil
}

func (s state) putTxState(tx common.Hash, t txState) error {
	return s.set(append(append([]byte(nil), prefixTxState...), tx[:]...), mustEncode(&t))
}

func (s state) txBody(tx common.Hash) (Tx, bool, error) {
	b, err := s.get(append(append([]byte(nil), prefixTxBody...), tx[:]...))
	if err != nil || b == nil {
		return Tx{}, false, err
	}
	var t Tx
	if err := decodeExact(b, &t); err != nil {
		return Tx{}, false, fmt.Errorf("%w: tx body: %v", ErrDecode, err)
	}
	return t, true, nil
}

func (s state) putTxBody(tx Tx, id common.Hash) error {
	return s.set(append(append([]byte(nil), prefixTxBody...), id[:]...), mustEncode(&tx))
}

func (s state) outcome(tx common.Hash, attempt uint64) (Outcome, error) {
	b, err := s.get(OutcomeKey(tx, attempt))
	if err != nil || len(b) == 0 {
		return 0, err
	}
	if len(b) != 1 || (Outcome(b[0]) != Commit && Outcome(b[0]) != Abort) {
		return 0, fmt.Errorf("%w: outcome record %x", ErrDecode, b)
	}
	return Outcome(b[0]), nil
}

func (s state) putOutcome(tx common.Hash, attempt uint64, o Outcome) error {
	return s.set(OutcomeKey(tx, attempt), []byte{byte(o)})
}

func (s state) pending() ([]sessionRef, error) {
	b, err := s.get(keyPending)
	if err != nil || b == nil {
		return nil, err
	}
	var refs []sessionRef
	if err := decodeExact(b, &refs); err != nil {
		return nil, fmt.Errorf("%w: pending index: %v", ErrDecode, err)
	}
	return refs, nil
}

func (s state) setPending(ref sessionRef, on bool) error {
	refs, err := s.pending()
	if err != nil {
		return err
	}
	i, found := slices.BinarySearchFunc(refs, ref, sessionRef.cmp)
	switch {
	case on && !found:
		refs = slices.Insert(refs, i, ref)
	case !on && found:
		refs = slices.Delete(refs, i, i+1)
	default:
		return nil
	}
	if refs == nil {
		refs = []sessionRef{}
	}
	return s.set(keyPending, mustEncode(&refs))
}

// PutObject writes an object record into a shard's store, for genesis and
// tests. At run time only the protocol changes objects.
func PutObject(st Store, id common.Hash, o Object) error { return state{st}.putObject(id, o) }

// GetObject reads an object record from a shard's store.
func GetObject(st Store, id common.Hash) (Object, bool, error) { return state{st}.object(id) }

// GetOutcome reads the outcome a shard applied for session (tx, attempt);
// false when it has applied none.
func GetOutcome(st Store, tx common.Hash, attempt uint64) (Outcome, bool, error) {
	o, err := state{st}.outcome(tx, attempt)
	return o, o != 0, err
}
