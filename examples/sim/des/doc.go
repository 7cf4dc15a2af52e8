// Package des is the discrete-event core of the iostkit simulator: a seeded
// event queue over virtual time, a network model (latency distribution,
// per-node uplink bandwidth, loss, partitions) and a CPU model (cores that
// are busy for a calibrated cost per operation).
//
// Nothing here reads the wall clock or a global random source. Every random
// choice comes from the one generator a Sim is built with, and events that
// fall on the same instant run in the order they were scheduled, so the same
// seed and the same sequence of calls give the same run, bit for bit. That is
// what lets the simulator drive the real consensus state machines of pob (and
// any engine a researcher swaps in) at scales one machine cannot host as real
// processes, and still reproduce a result from its seed.
//
// Time is a time.Duration since the start of the run. A Network delivers a
// message after the sender's uplink has serialised it (size / bandwidth) and
// a latency drawn from a Dist has passed; a CPU runs a job on its
// earliest-free core for the job's cost and calls back when it is done.
package des
