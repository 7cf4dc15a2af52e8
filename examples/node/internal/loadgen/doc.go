// Package loadgen signs and sends transfers for the example node: the
// built-in load of the local network and the `node loadgen` command.
//
// Generator picks senders and recipients among the demo accounts, making a
// configurable share of the transfers cross-shard (recipient on another
// shard, by eds.ShardOf), tracks each sender's next nonce, and signs with
// the transaction format of package txn. RecoveryRate measures the
// machine's secp256k1 public-key recovery rate on all cores — the physical
// bound of a node that checks every signature — so a load run can report
// its throughput as a ratio of it.
package loadgen
