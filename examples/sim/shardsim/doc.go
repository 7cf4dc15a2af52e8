// Package shardsim simulates a sharded iostkit chain on the discrete-event
// core of package des: S shards of N validators each, every validator
// running its own instance of a real consensus engine (a Protocol), with a
// workload of signed transfers spread over shards by eds.ShardOf and a share
// of cross-shard transfers.
//
// The engines are the real state machines; what the simulator models is
// their environment:
//
//   - time and the network (des.Network: latency, bandwidth, loss,
//     partitions);
//   - CPU: each validator has Cores cores and every operation costs what
//     package calib measured on this machine — a BLS signature per signed
//     message, a verification per received signature or certificate, an
//     aggregation per certificate it builds, and for transfers a signature
//     recovery per transfer it checks (all of them for the proposer, the
//     message's Verify share — or the engine's Sampler — for the others) plus
//     one execution per finalized transfer at every member;
//   - the transfers themselves: a block's payload is a 16-byte reference to a
//     batch the simulator holds (cut from the shard's mempool when the engine
//     asks, see Puller), so engines agree on real bytes while the simulator
//     accounts the batch's size on the wire and its cost;
//   - the carriage of cross-shard transfers, which run through the real
//     atomix state machines (atomix.go, with package xshard): a finalized
//     block's exports are locked in one atomix session, its vote committed
//     to the shard's microstate store and attested by a quorum of the
//     committee; the proof travels to the destination shards, whose blocks
//     carry it to their machines, which verify it and commit — the transfers
//     count then;
//   - faults: a fraction of each committee crashes, or runs as Twins (two
//     instances with one key, each connected to half of the honest members
//     during a partition) — the engine-agnostic way to provoke equivocation.
//
// Config.Epoch makes a run cross an epoch change: each shard's real
// transepoch plan runs through a transepoch.Machine ticked by finalized
// heights, and the engines are rebuilt for every committee it hands over
// (epoch.go; the Protocol must be a Rebuilder).
//
// Config.NodeLoop simulates the example node's local mode instead: every
// validator in one process, one serial loop per shard driven by a ticker that
// waits while the loop is busy, messages exchanged in memory, transfers
// admitted over the node's API and executed once per shard (nodeloop.go).
//
// Run returns throughput, optimistic, final and cross-shard latency,
// safety violations (two honest members finalizing different blocks at one
// height) and liveness figures. The same Config gives the same Result, bit
// for bit: load the costs from a calibration file when that matters.
package shardsim
