// Package sim is a deterministic, seeded in-memory network for testing the
// mechanism state machines (pob, atomix, transepoch, eds, drp) without I/O.
//
// It plays the role of etcd-io/raft's test network: the caller owns the nodes
// and the clock; the network only decides when (and whether) each message
// arrives. Every decision — delay, loss, duplication, reordering — comes from
// one seeded generator, so the same seed and the same sequence of calls give
// the same schedule, bit for bit. A failing seed is therefore a reproducible
// bug report.
//
// Time is an abstract counter of ticks. A typical driver loop is:
//
//	for now := uint64(1); now <= horizon; now++ {
//		for _, env := range net.DeliverUntil(now) {
//			out := nodes[env.To].Step(env.Msg)
//			// send out via net.Send
//		}
//		for _, n := range nodes { /* Tick, send outputs */ }
//	}
//
// Partitions, crashes and restarts are set by the caller between steps. A
// crashed node neither sends nor receives; messages addressed to it are
// dropped, as they would be by a real transport.
//
// This package is internal: it is test infrastructure shared by the
// mechanism packages, not part of iostkit's public API. The randomness here is
// math/rand/v2 seeded by the caller, which is fine for a test scheduler and
// never used by consensus code.
package sim
