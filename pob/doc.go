// Package pob implements Proof-of-Believability, the IOST consensus, as a
// deterministic state machine without I/O.
//
// # What the whitepaper specifies
//
// The IOST Technical White Paper (Dec 2017) splits a shard's validators by
// believability score — stake, Servi (reputation from services and
// reviews), contribution history, past behaviour — into a small believable
// league and a larger normal league. Transactions are spread over the
// believable validators, each a group of one, which produce small
// optimistic blocks at very low latency. The normal league concurrently
// re-validates a random sample (probability p) of their transactions and
// runs Byzantine consensus to combine the optimistic blocks into finalized
// blocks. An invalid transaction found by sampling is left out; the
// believable validator that signed it loses all its stake and Servi, its
// earlier blocks are re-checked and the users it defrauded compensated.
// Servi is cleared once a validator's block is finalized, so believable
// validators take turns. With too few believable validators the shard
// falls back to one league running the BFT alone.
//
// # What this package provides
//
//   - SelectLeagues with a swappable ScoreFunc (DefaultScore) and a
//     Policy: league sizes, the sampling probability, the fallback
//     threshold.
//   - Machine, the engine (New, Config), in the shape of etcd-io/raft: the
//     caller feeds it messages (Step) and time (Tick) and collects Ready —
//     state to persist, messages to send, blocks to execute, convictions —
//     then calls Advance. It starts no goroutine, reads no clock, draws no
//     randomness and never depends on map order. Engine is the interface
//     the node's consensus slot holds; pob/rrbft is a second engine for it
//     and pob/pobtest the conformance suite both pass.
//   - Finality: Tendermint's propose/prevote/precommit rounds with locking
//     (chosen over PBFT for its single-mode view change and over HotStuff
//     for two-step latency; see docs/pob.md), in ticks. A finalized block
//     carries a Certificate: a BDN-aggregated BLS12-381 signature of a
//     quorum of precommits with a signer bitmap, which anyone checks with
//     VerifyCertificate and the committee's public keys.
//   - Optimistic blocks, verifiable sampling (each normal validator's
//     sample of a block is drawn from its own BLS signature over the
//     block's hash, a VRF the producer cannot predict: SampleInput,
//     VerifySample), FraudProof, Equivocation evidence (two votes, two
//     proposals or two optimistic blocks for one slot), slashing through
//     the Slasher interface with compensation (Compensator), Servi
//     clearing (ServiClearer), and the one-league fallback and return.
//   - HardState: what a validator must persist so that, after a crash, it
//     never signs two different statements for one slot.
//
// # Guarantees and assumptions
//
// Safety — never two different finalized blocks at one height — holds
// whenever fewer than a third of the normal league (equal weights) is
// faulty, whatever the network does. Liveness holds once the network
// delivers messages within the (growing) round timeouts again: after a
// partition heals and crashed validators restart from their HardState.
// Believable validators are not trusted for safety at all: a fraudulent
// one can only get invalid transactions finalized that no honest sampler
// drew, and then pays for them. The application's Validate must be a
// deterministic function of the transaction so every node judges a fraud
// proof alike. Leagues are fixed for an epoch; the node builds a new
// engine at each epoch change.
//
// pob imports no other iostkit mechanism: what it needs from token (Slash,
// ClearServi) and from the node (transactions) is declared in expected.go.
package pob
