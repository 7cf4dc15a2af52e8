// Package pobtest is the conformance suite for consensus engines that fill
// iostkit's consensus slot (pob.Engine) — this repository's
// Proof-of-Believability engine, the round-robin rrbft engine, or a
// researcher's own.
//
// Like testing/fstest.TestFS, it is one call from the implementation's own
// test:
//
//	func TestConformance(t *testing.T) {
//		pobtest.Run(t, myengine.Factory, pobtest.Options{})
//	}
//
// The suite drives many replicas of the engine through internal/pobsim's
// deterministic, seeded network and checks the properties every engine in
// the slot must have:
//
//   - Safety under the fault bound: with at most f = ⌊(n−1)/3⌋ Byzantine
//     members (equivocating voters, vote withholders, Twins sharing a
//     key), plus message loss, reordering, crashes and partitions, no two
//     different blocks are finalized at one height, and every finalized
//     block carries a certificate that verifies against the committee.
//   - Liveness after healing: once the network heals and crashed replicas
//     restart, every honest replica finalizes new heights.
//   - Restart without double-voting: replicas rebuilt from the HardState
//     they asked to persist (and their stored commits) never sign two
//     different votes for one slot.
//
// The contract an engine accepts by running it: it speaks pob's messages
// and certificates (so atomix and light clients can verify its blocks), it
// is built from a pob.Config, and it honours Config.Restore and
// Config.History.
package pobtest
