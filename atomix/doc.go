// Package atomix implements replay-safe cross-shard atomic commit: a
// transaction whose inputs and outputs live on different shards happens on
// all of them or on none, with no double spend, under crashes, message loss
// and an attacker who replays messages, and without needing the client for
// liveness.
//
// # Protocol
//
// The protocol follows Atomix (OmniLedger, Kokoris-Kogias et al., S&P 2018)
// with the session binding that Sonnino et al. ("Replay attacks and defenses
// against cross-shard consensus", EuroS&P 2020) showed to be necessary.
//
//  1. A client sends MsgLock for session (tx, attempt) to the input shards.
//     Reaching one is enough: every shard forwards its proof to all the
//     others, and an input shard that receives a proof before it has voted
//     votes then.
//  2. Each input shard votes once per session. It accepts when it can lock
//     every input it holds (each object moves active → locked(tx, seq)),
//     the transaction has not committed there and no other session of it
//     holds a lock there; otherwise it rejects. The vote is a record in the
//     shard's state under VoteKey(tx, attempt).
//  3. Once the block holding the vote is final, the node builds a Proof:
//     the finality certificate of that block (CertificateVerifier; pob
//     provides it) and a Merkle proof of the vote record under the block's
//     state root (ProofVerifier; microstate provides it). The shard sends
//     it to every other shard of the transaction.
//  4. A shard that holds acceptances from every input shard commits: input
//     shards consume their locks (coins become spent, accounts are debited)
//     and output shards create the outputs, once per transaction. A shard
//     that holds one rejection aborts: input shards release their locks.
//  5. Shards acknowledge the outcome; an input shard retransmits its proof
//     (and, once decided, the proofs that decided) to every shard that has
//     not acknowledged, on a timeout: the session's coordinator, its lowest
//     input shard, after RetryTicks, the other input shards after twice
//     that. A crashed client therefore never leaves a lock behind; anyone
//     may also relay proofs.
//
// # Replay safety
//
// Every proof is bound to the transaction id, the session (attempt), the
// shard, each locked object with its per-object lock sequence number, and
// the epoch of the certifying committee. Verifier.Verify rejects a proof
// offered for another transaction (ErrWrongTx), another session
// (ErrWrongSession), from a shard that holds no input or with locks that do
// not match the inputs (ErrWrongShard), or certified by a committee of a
// stale epoch (ErrStaleEpoch). Each object has its own state machine
// (Object) that changes only for its current lock (transaction and sequence
// number), so a proof from an earlier lock of the object finds it in another
// state and does nothing (ErrNotCurrentLock). A transaction commits at most
// once: a shard never locks a committed transaction again and holds at most
// one session of a transaction at a time, so two sessions cannot both
// collect acceptances from every input shard. Tx.Expiry bounds when a
// session may be accepted, so a recorded transaction cannot be replayed into
// a commit after its client saw it abort.
//
// # Shape
//
// Shard is a deterministic state machine in the shape of etcd raft: Step
// for each message in a finalized block, Tick once per block, SetEpoch at
// epoch changes, Certified when a vote's proof is ready, and Ready for what
// to send and certify. It does no I/O and keeps no clock; all hard state
// lives in the Store the node commits with each block, so every replica of
// the shard computes the same thing and a restarted node resumes from the
// store.
//
// # Assumptions
//
// Each shard's committee is honest (fewer than a third faulty by weight),
// so a finality certificate proves what the shard decided; the node checks
// who may spend an input before the transaction reaches atomix; the
// network eventually delivers retransmitted messages between shards that
// are up. Commit is blocking while an input shard is unreachable (no
// protocol can abort unilaterally without breaking atomicity), never
// unsafe.
package atomix
