// Package engines plugs real iostkit consensus engines into the simulator
// (package shardsim): pob's Proof-of-Believability Machine, in its
// two-league and one-league modes, and any other engine that implements
// pob.Engine (rrbft's round-robin engine, or a researcher's), through one
// adapter.
//
// The adapter gives every simulated validator its own engine instance, real
// BLS12-381 keys (pob.NewKeyPair from the run's seed), a real signer, and
// leagues chosen by pob.SelectLeagues. It translates addresses to committee
// indices, hands the engine the simulator's batch references as
// transactions, and reports each message's real encoded size and the
// cryptographic work the receiver does (so shardsim charges calibrated CPU
// time for it).
//
// Signature verification goes through one verifier shared by all the
// engines of a run that remembers the outcome of each (key, message,
// signature) it has checked — the cache pob.Verifier explicitly allows. Each
// signature is therefore verified for real once per run, while every
// simulated validator is still charged the calibrated cost of verifying it.
package engines
