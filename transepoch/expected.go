package transepoch

// This file lists everything transepoch expects from the rest of a node.
// transepoch imports no other iostkit mechanism: microstate, pob and drp
// satisfy these interfaces (through small adapters in the node).

// Bootstrapper starts a newcomer's bootstrap: fetch the shard's last Micro
// State Block (microstate provides the snapshot, chunk by chunk, each chunk
// checked against the MSB's root), then replay the blocks after it. It is
// called on every member's node; only the newcomer's own node has work to
// do. It must not block: progress is reported through SyncReporter or a
// Synced event.
type Bootstrapper interface {
	Bootstrap(shard uint32, epoch uint64, validator string) error
}

// SyncReporter tells whether a newcomer has bootstrapped from the last Micro
// State Block and caught up with the shard's head. A node typically answers
// from the SyncReports finalized in the shard's blocks, so that every member
// sees the same answer at the same height.
type SyncReporter interface {
	Synced(shard uint32, epoch uint64, validator string) bool
}

// CommitteeSink hands a new committee to the shard's consensus engine
// (pob implements it). Committees arrive in increasing Version order.
type CommitteeSink interface {
	SetCommittee(c Committee) error
}

// Resharer triggers a DRP key reshare from one committee to the next, so the
// beacon's group key survives the transition (drp implements it).
type Resharer interface {
	Reshare(r Reshare) error
}
