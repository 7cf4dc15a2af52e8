// Package atomixsim runs many atomix shards, clients and an attacker over
// the seeded network of internal/sim, deterministically, and checks the
// invariants the protocol promises: conservation of value, no lock left
// behind, and all-or-nothing outcomes. It is test infrastructure for atomix
// and its benchmarks, not public API.
package atomixsim
