package pob

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
)

// Engine is the consensus slot of a node: a deterministic state machine in
// the shape of etcd-io/raft. The caller feeds it messages (Step) and the
// passage of time (Tick), then collects what to persist, send, execute and
// report (Ready), does it, and acknowledges (Advance). An Engine starts no
// goroutine, reads no clock and does no I/O; one goroutine drives it.
//
// Machine (this package's Proof-of-Believability engine) and rrbft's
// round-robin engine implement it; the node picks one by a flag. Optional
// capabilities are discovered by type assertion, never by growing this
// interface.
type Engine interface {
	// Step processes one message from the network. An error means the
	// message was rejected (malformed, badly signed, wrong domain); the
	// engine's state is unchanged by a rejected message.
	Step(m Message) error
	// Tick advances the engine's clock by one unit.
	Tick()
	// HasReady reports whether Ready has anything to hand out.
	HasReady() bool
	// Ready returns the pending output. The caller must persist HardState
	// (when set) before sending Messages, then execute Committed in order.
	Ready() Ready
	// Advance acknowledges the last Ready: its output is dropped.
	Advance()
	// Status reports where the engine is.
	Status() Status
}

// Outbound is a message to send: to one validator, or to every validator
// of the shard when To is the zero address.
type Outbound struct {
	// To is the recipient; zero means every validator of the shard.
	To common.Address
	// Msg is the message.
	Msg Message
}

// Conviction is a slashing the engine applied at commit: who, why, and the
// compensations paid from the culprit's seized stake.
type Conviction struct {
	// Height is the finalized height that carried the evidence.
	Height uint64
	// Culprit is the convicted validator's league and index.
	Culprit Culprit
	// Address is its account.
	Address common.Address
	// Reason is "fraud" or "equivocation".
	Reason string
	// Compensate are the compensations passed to the Slasher.
	Compensate []Payout
}

// Ready is an engine's pending output.
type Ready struct {
	// HardState, when set, must be persisted before any message is sent.
	HardState *HardState
	// Messages are to be sent after HardState is persisted.
	Messages []Outbound
	// Committed are finalized blocks with certificates, in height order.
	Committed []Commit
	// Optimistic are newly seen, correctly signed optimistic blocks: their
	// transactions are optimistically confirmed (not yet final).
	Optimistic []OptimisticBlock
	// Convictions are the slashings finalized blocks carried.
	Convictions []Conviction
	// Discarded are pending optimistic blocks of convicted producers that
	// will never be finalized; the node may re-queue their valid
	// transactions.
	Discarded []OptimisticBlock
}

func (r Ready) empty() bool {
	return r.HardState == nil && len(r.Messages) == 0 && len(r.Committed) == 0 &&
		len(r.Optimistic) == 0 && len(r.Convictions) == 0 && len(r.Discarded) == 0
}

// StepKind is the BFT step a round is in.
type StepKind uint8

// The steps of a round.
const (
	StepPropose   StepKind = 1
	StepPrevote   StepKind = 2
	StepPrecommit StepKind = 3
)

// Status is a snapshot of an engine's position.
type Status struct {
	// Height is the height being decided (one above the last commit).
	Height uint64
	// Round is the current round.
	Round uint64
	// Step is the current step.
	Step StepKind
	// Fallback is set while the shard runs one league.
	Fallback bool
	// LastBlock is the hash of the last finalized block.
	LastBlock common.Hash
}

// HardState is what an engine needs after a crash to never contradict a
// statement it signed: its votes and proposals at the current height, its
// lock, and the optimistic blocks it produced that are not final yet.
type HardState struct {
	// Height is the height being decided.
	Height uint64
	// Round is the current round.
	Round uint64
	// Step is the current step.
	Step        StepKind
	LockedRound uint64 // 0: none; r+1: locked in round r
	// Locked is the locked block (when LockedRound > 0).
	Locked     Block
	ValidRound uint64 // 0: none; r+1
	// Valid is the valid block (when ValidRound > 0).
	Valid Block
	// Votes are the votes signed at Height.
	Votes []Vote
	// POL are the prevote quorums that justify Locked and Valid, so that
	// after a restart this validator can still show them to peers.
	POL []Vote
	// Proposals are the proposals signed at Height.
	Proposals []Proposal
	// ProducedSeq is the last optimistic sequence number signed.
	ProducedSeq uint64
	// Produced are the signed optimistic blocks not yet finalized.
	Produced []OptimisticBlock
}

// Encode returns the canonical encoding of s.
func (s HardState) Encode() []byte { return mustEncode(&s) }

// DecodeHardState parses a persisted HardState; malformed input is
// ErrDecode.
func DecodeHardState(b []byte) (HardState, error) {
	var s HardState
	if len(b) > 4*MaxMessageSize {
		return s, fmt.Errorf("%w: state of %d bytes", ErrDecode, len(b))
	}
	if err := rlp.DecodeBytes(b, &s); err != nil {
		return HardState{}, fmt.Errorf("%w: hard state: %v", ErrDecode, err)
	}
	return s, nil
}
