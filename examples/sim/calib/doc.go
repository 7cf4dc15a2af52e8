// Package calib measures, saves and loads the per-operation CPU costs that
// the iostkit simulator charges: secp256k1 signature recovery (go-ethereum's
// crypto.Ecrecover, the check every signed transfer needs), a token transfer
// executed by token.Ledger on token.MemStore, Keccak-256 of a transaction-sized
// input, and BLS12-381 operations of kyber's sign/bdn scheme (sign, verify,
// and the per-signature and per-key cost of aggregating a certificate).
//
// Costs are never invented: Measure times the real library calls on the
// machine the simulator runs on (process CPU time per call, so a busy
// machine slows the measurement down but does not inflate the costs), and Load reads a file that an earlier
// Measure wrote. Measured values vary from run to run (and a shared machine
// is noisy), so a run that must be reproducible bit for bit loads its costs
// from a file: a calibration is an input of the simulation, like its seed.
package calib
