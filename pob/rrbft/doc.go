// Package rrbft is iostkit's second, simpler consensus engine: a fixed
// committee, round-robin proposers that fill each block from the
// application, and the same Tendermint-style BFT finality and BLS (BDN)
// certificates as pob — no leagues, no optimistic blocks, no sampling.
//
// It exists to prove the consensus slot is swappable: it implements
// pob.Engine, speaks pob's messages and certificates (so atomix and light
// clients are unaffected), passes the same conformance suite
// (pob/pobtest), and the example node selects it by a flag. It is also the
// baseline a researcher compares Proof-of-Believability against: the
// difference in latency and throughput between the two is what the
// believable league buys.
//
// The proposer of height h, round r is committee member (h + r) mod n.
// Safety holds while fewer than a third of the committee is faulty;
// liveness after the network heals. Equivocating votes and proposals are
// turned into evidence and slashed through pob.Slasher.
package rrbft
