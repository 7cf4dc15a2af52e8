// Package token implements the IOST token economics as a ledger over a
// narrow key-value interface.
//
// # What it models
//
// The IOST Technical White Paper (Dec 2017) creates the whole supply of IOST
// in the genesis block: a hard cap of 21,000,000,000 IOST, split 40% token
// sale, 35% foundation, 12.5% community, 10% team (vested over time) and 2.5%
// early investors and advisors. IOST pays for services and commissions (fees)
// and counts towards a validator's believability. Servi is a second,
// non-tradable balance, self-issued for contributions to the network
// (services, reviews) and cleared when its holder validates a block, so that
// believable validators take turns.
//
// This package keeps those rules:
//
//   - Amounts are integers (type Amount) with 8 decimals, as IOST uses: one
//     IOST is 100,000,000 base units and the cap, 2.1e18 base units, fits in a
//     uint64. Overflow is an error, never a wrap; there are no floats.
//   - Genesis creates the cap exactly once from a GenesisConfig whose
//     allocations must add up to the cap to the base unit.
//   - Transfers carry a per-account nonce and an optional fee that goes to a
//     fee pool, later split among validators by DistributeFees.
//   - Vesting schedules (cliff + linear, by block height) lock part of a
//     balance; locked funds cannot be transferred, bonded or paid as fees.
//   - Validators bond stake and unbond it through an unbonding period.
//   - Slash, the hook consensus calls on proven misbehaviour, seizes all of a
//     validator's stake (bonded and unbonding) and Servi; the seized IOST pays
//     the listed compensations and the rest is burned.
//   - Servi is issued by Contribution events, cleared by ClearServi, and has
//     no transfer path at all.
//
// # Invariants
//
// For every sequence of operations: the total of all balances, bonded stake,
// unbonding stake and the fee pool equals the genesis total minus burns and
// never exceeds the cap; a transfer conserves IOST; no balance is negative
// (amounts are unsigned and every subtraction is checked); Servi never moves
// between accounts; vesting-locked funds never leave early. The property tests
// check these over thousands of seeded random operations.
//
// # State and atomicity
//
// The ledger reads and writes through Store, a three-method key-value
// interface that the caller supplies: microstate's per-block working set in
// the example node, MemStore in tests and examples. Every operation validates
// all of its inputs and computes every new record before it writes anything,
// so an operation that returns an error has changed nothing. Records are
// encoded canonically with go-ethereum's RLP, so the same operations give the
// same bytes, and hence the same state root, on every node.
//
// Heights are passed in by the caller; the ledger has no clock.
package token
