// Package transepoch moves validators between shards at an epoch change
// while every shard keeps finalizing blocks.
//
// # The problem
//
// At each epoch eds reassigns validators to shards from fresh randomness.
// A validator that lands in a new shard cannot vote there before it holds
// the shard's state; a validator that leaves stops voting at once. If a
// shard swapped its whole committee in one go, consensus would stall until
// the newcomers had synced — and a BFT committee stalls as soon as a third
// of its weight does not vote.
//
// # What the whitepaper specifies, and how we read it
//
// The IOST Technical White Paper (Dec 2017), after OmniLedger
// (Kokoris-Kogias et al., S&P 2018), swaps validators in batches of
// k = log(n/m) per shard, one batch every Δ, in an order fixed by
// permutations seeded with the epoch randomness rnd_e — one permutation per
// shard for the members that go, one for the members that come — so that
// at least 2/3 of a shard keeps running consensus. With n validators and m
// shards, n/m is the shard size s; the paper gives no base and needs an
// integer, so we read k as ⌊log₂ s⌋, at least 1 (BatchSize), with s the
// shard's current committee size. Config.MaxBatch overrides it.
//
// # The bound
//
// Assumption: at any time, at most a fraction β < 1/3 (Config.Faulty,
// default 1/5) of the weight of the committee a shard runs with is faulty —
// Byzantine, crashed, or gone but not yet removed. Newcomers that are still
// syncing are not counted in β: they are the transition's own cost.
//
// Claim: every committee the shard runs with, of weight W and with weight U
// of newcomers still syncing, satisfies 3·(U + ⌊β·W⌋) < W (Safe). Hence
// the honest, synced weight is at least W − U − ⌊β·W⌋ > 2W/3 and blocks
// keep finalizing.
//
// Argument. Only the running batch's newcomers are unsynced, because the
// next batch starts only once each of them reported (or was dropped). A
// batch starts — in the planner and again in the Machine — only if the
// committee after the swap satisfies 3·(U + max(⌊β·W⌋, D)) < W, with D the
// weight of members reported Down; the planner shrinks a batch below k
// until it does. While the batch runs, W and U change only through events,
// none of which breaks the bound: a newcomer that reports lowers U; a
// newcomer dropped at its sync deadline lowers U and W by the same w, and
// 3·(U − w + ⌊β·(W − w)⌋) ≤ 3·(U + ⌊β·W⌋) − 3w < W − w; a member that
// leaves is removed at once only if the bound still holds without it,
// otherwise it stays as a non-voting member (inside β) until the batch
// completes, when U = 0; crashes are inside β by the assumption. Once the
// last batch completes, U = 0 and 3·⌊β·W⌋ < W because β < 1/3.
//
// The bound is tight: with U one unit of weight above the headroom
// (Headroom) and an adversary using exactly ⌊β·W⌋, the live weight is at
// most 2W/3 and consensus stalls. The package's simulation shows both
// sides: zero stalls over hundreds of seeded transitions with churn, and
// stalls as soon as batches are allowed one unit over the bound. With
// β = 0 and equal weights the bound reduces to OmniLedger's k < s/3.
//
// # Execution
//
// NewPlan computes, per shard, the ordered batches (ShardPlan) from the old
// and new assignments — plain data, which the node converts from eds — and
// rnd_e; orders come from SHAKE256 under versioned domain tags, never from
// math/rand. A Machine executes one shard's plan as a deterministic state
// machine without I/O, in the style of etcd-io/raft: Tick advances time,
// Step feeds events (Synced, Left, Down, Up), Ready returns the committee
// to hand to consensus, the newcomers to bootstrap, the DRP reshare to
// trigger, and the validators released or abandoned. A batch starts with a
// new committee (its leavers out, its newcomers in), asks the newcomers to
// bootstrap from the shard's last Micro State Block, and completes when all
// of them reported and Δ ticks passed; the DRP keys are then reshared to
// the completed committee, all of whose members are synced.
//
// Every member of a shard must switch committee at the same block: drive
// Tick by finalized block height and feed events in the order the shard's
// finalized blocks carry them (a SyncReport is such an event).
//
// Churn. A newcomer that misses its sync deadline (Config.SyncTimeout)
// leaves the committee and is retried in a later batch, up to
// Config.MaxRetries times, then abandoned for the epoch; the batch it
// belonged to completes without it (it shrinks). A validator that leaves
// mid-transition is dropped from every batch it was part of. Members
// reported Down shrink later batches, and pause the transition when not
// even one newcomer fits; the shard keeps its current committee meanwhile.
// A shard that starts this epoch has nothing to keep live: its newcomers
// join in one batch.
//
// # What it expects from the node
//
// The node supplies the interfaces in expected.go — Bootstrapper and
// SyncReporter (microstate's snapshot and fast sync), CommitteeSink (pob),
// Resharer (drp) — and either handles Ready itself or lets a Driver call
// them. Memory implements all four in memory for tests and examples.
// transepoch imports no other iostkit mechanism.
package transepoch
