package pob

import "github.com/ethereum/go-ethereum/common"

// This file lists everything pob expects from the rest of a node. pob
// imports no other iostkit mechanism: the node adapts token, its mempool and
// its state to these interfaces.

// Application is the node's transaction layer as consensus sees it. pob
// never interprets a transaction: it carries them in blocks, asks the
// application to validate them (sampling, fraud proofs, fallback blocks),
// and hands finalized blocks back through Ready.
type Application interface {
	TxValidator
	// Propose returns up to max transactions for a block this validator
	// produces at height: an optimistic block when it is believable, a
	// fallback block when it is a normal-league proposer in one-league
	// mode. Spreading transactions over believable validators (see
	// Route) is the application's mempool's job.
	Propose(height uint64, max int) [][]byte
}

// CommitObserver is an optional Application capability: the engine tells
// it of each block it finalizes, synchronously, before it asks for the
// next height's content. Ready hands the same commit to the node later;
// this call lets the application stop offering what the block holds at
// once — the next proposal, in the same Step, would otherwise repeat it.
// Replayed History is not observed. It must not call back into the engine.
type CommitObserver interface {
	Committed(b Block)
}

// Payout is one compensation: Amount (token base units) to To.
type Payout struct {
	// To is the account compensated.
	To common.Address
	// Amount is in token base units.
	Amount uint64
}

// Compensator is an optional Application capability: who a finalized but
// fraudulent transaction defrauded, and by how much. Compensations are paid
// by the Slasher from the culprit's seized stake.
type Compensator interface {
	Compensation(tx []byte) []Payout
}

// Slasher seizes a convicted validator's stake and Servi and pays the
// compensations from it (token.Ledger.Slash does exactly this; the node
// adapts its result type). It is called when the block carrying the
// evidence is finalized, in block order, so every replica slashes alike.
type Slasher interface {
	Slash(validator common.Address, compensate []Payout) error
}

// ServiClearer clears a validator's Servi once a block it produced is
// finalized, so believable validators take turns (token.Ledger.ClearServi).
type ServiClearer interface {
	ClearServi(validator common.Address) error
}
