// Package harness runs perturbation testnets of iostkit's example node:
// it starts N real node processes on loopback (one validator each, over
// libp2p), offers signed transfers through their HTTP API, applies
// perturbations on a seeded schedule (kill -9 and restart, SIGSTOP/SIGCONT
// pauses, a quorum-loss pause of f+1 nodes, tick-rate skew by restarting a
// node with a faster or slower consensus clock, and network partitions,
// made and healed through the node's debug API, which refuses the other
// side's peers) and checks the outcome through the API:
//
//   - every node holds the same finalized block hash at every height of
//     every shard, and nodes proving an account at the same state version
//     prove it against the same state root;
//   - no node's finalized height ever goes backwards across a crash;
//   - every transfer in the chain is one the harness signed, none executes
//     twice, and replaying the chain from the genesis balances gives
//     exactly the balances every node serves (total supply conserved);
//   - every cross-shard export is credited exactly once on its destination
//     shard, and no credit lacks its export (all-or-nothing);
//   - no validator was convicted of equivocation (no double vote) and no
//     node exited on its own;
//   - after the last perturbation every node progresses again within a
//     stated bound.
//
// The overload scenario measures the sustainable rate, signs its transfers
// beforehand, and offers 10× that rate, sampling memory, pools and finalized
// throughput.
//
// The node binary is treated as a black box started with --debug-api: the
// harness speaks its HTTP/JSON API and signs transactions in the node's wire format (RLP of
// the transfer and a low-S secp256k1 signature over a domain-tagged hash).
package harness
