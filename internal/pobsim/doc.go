// Package pobsim runs many pob engines — or any engine implementing
// pob.Engine — in one goroutine over internal/sim's seeded network, with
// crashes and restarts from persisted state, partitions, message loss,
// and Byzantine validators: equivocating producers and voters, believable
// validators that slip invalid transactions into their blocks, vote
// withholding, and Twins (two replicas sharing one key).
//
// After every delivery batch it checks safety (no two different finalized
// blocks at one height; no honest validator signing two different votes
// for one slot, across restarts; with certain sampling, no invalid
// transaction finalized). After the chaos phase it heals the network,
// restarts every crashed validator and checks liveness: every honest
// validator finalizes new heights within a bounded number of ticks.
//
// Signatures are real BLS. Because a BLS signature is deterministic, the
// harness caches signatures by (key, message) and verification verdicts by
// (key, message, signature) across runs, which makes thousands of runs
// affordable without changing a single verdict.
//
// The package is internal test infrastructure: randomness comes from the
// seeded network (math/rand/v2), never from inside an engine.
package pobsim
