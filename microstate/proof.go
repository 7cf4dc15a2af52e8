package microstate

import (
	"bytes"
	"fmt"

	ics23 "github.com/cosmos/ics23/go"
)

// Proof is an ICS-23 proof that key has Value (Exists) or has no value
// (!Exists) in the state of MSB number MSB, whose header carries Root.
// github.com/cosmos/ics23/go verifies it with ics23.IavlSpec:
//
//	ics23.VerifyMembership(ics23.IavlSpec, p.Root, p.Proof, p.Key, p.Value)
//	ics23.VerifyNonMembership(ics23.IavlSpec, p.Root, p.Proof, p.Key)
type Proof struct {
	Key    []byte
	Value  []byte
	Exists bool
	MSB    uint64
	Height uint64
	Root   []byte
	Proof  *ics23.CommitmentProof
}

// Prove proves key's value, or its absence, in the state of MSB number n
// (0 means the latest MSB). Only the kept MSBs (Config.KeepMSBs) are
// provable; older ones return ErrPruned. State after the latest MSB is
// committed to per block but not provable key by key (see the package doc).
func (s *Store) Prove(key []byte, n uint64) (Proof, error) {
	if len(key) == 0 {
		return Proof{}, ErrEmptyKey
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return Proof{}, ErrClosed
	}
	if n == 0 {
		n = s.meta.MSB
	}
	if n == 0 || n > s.meta.MSB {
		return Proof{}, fmt.Errorf("%w: MSB %d (latest is %d)", ErrNotFound, n, s.meta.MSB)
	}
	t, ok := s.trees[n]
	if !ok {
		return Proof{}, fmt.Errorf("%w: state of MSB %d", ErrPruned, n)
	}
	h, err := s.header(n)
	if err != nil {
		return Proof{}, err
	}
	p := Proof{Key: bytes.Clone(key), MSB: n, Height: h.Height, Root: h.StateRoot}
	v, err := t.imm.Get(key)
	if err != nil {
		return Proof{}, fmt.Errorf("microstate: prove: %w", err)
	}
	if v != nil {
		p.Exists, p.Value = true, v
		p.Proof, err = t.imm.GetMembershipProof(key)
	} else {
		p.Proof, err = t.imm.GetNonMembershipProof(key)
	}
	if err != nil {
		return Proof{}, fmt.Errorf("microstate: prove %x at MSB %d: %w", key, n, err)
	}
	return p, nil
}

// Verify checks the proof against root (the StateRoot of a trusted MSB
// header) with the stock ICS-23 verifier and the IAVL spec.
func (p Proof) Verify(root []byte) error {
	var ok bool
	if p.Exists {
		ok = ics23.VerifyMembership(ics23.IavlSpec, root, p.Proof, p.Key, p.Value)
	} else {
		ok = ics23.VerifyNonMembership(ics23.IavlSpec, root, p.Proof, p.Key)
	}
	if !ok {
		return fmt.Errorf("%w: key %x at MSB %d", ErrBadProof, p.Key, p.MSB)
	}
	return nil
}
