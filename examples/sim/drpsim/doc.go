// Package drpsim simulates the drp randomness beacon among simulated
// validators: the real threshold-BLS beacon of package drp (drand's
// unchained scheme on G1, drp's default), its partial signatures carried by
// the simulator's network model (examples/sim/des) and its CPU time charged
// from the calibration (calib.DRPCosts).
//
// NewGroup runs the real distributed key generation (drp.DKG, kyber's
// Pedersen DKG) once, among all members in process, as the example node
// does at start; it is not timed. Simulate then runs beacon rounds: each
// online member signs its partial for real and sends it to every other
// member; each member verifies what it receives (charged), and holds the
// round once it has Threshold partials and has recovered and checked the
// group signature. The partials and the recovered beacon are checked for
// real once per round (a drp.RoundCollector and drp.Group.VerifyBeacon); the
// randomness is SHA-256 of that signature, so it is exactly what a drand
// verifier would accept for the group key.
package drpsim
