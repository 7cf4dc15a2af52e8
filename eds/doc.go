// Package eds implements Efficient Distributed Sharding, the IOST mechanism
// that decides which shard owns which account and which validators serve
// which shard in each epoch.
//
// # What the whitepaper specifies
//
// The IOST Technical White Paper (Dec 2017), following OmniLedger
// (Kokoris-Kogias et al., S&P 2018), runs in epochs. At the start of epoch e
// every validator evaluates a verifiable random function over (e, view); after
// a delay Δ the smallest valid lottery output leads the epoch's randomness
// run (drp) and the second and third are back-ups. A leader that fails is
// excluded for the epoch and a back-up takes over; when all fail, the view is
// bumped and the lottery reruns. The epoch randomness rnd_e then fixes a
// permutation of the validators, cut into m equally sized shards.
//
// # What this package provides
//
//   - ShardOf and TouchedShards: a deterministic account→shard map (jump
//     consistent hashing over SHA-256 of the address) and the set of shards a
//     transaction touches, which tells the node when atomix is needed.
//   - Assign and AssignWeighted: validator→shard assignment from rnd_e, with
//     a Fisher–Yates permutation over SHA-256 in counter mode (Permutation),
//     never math/rand. Assign gives sizes that differ by at most one;
//     AssignWeighted balances stake or believability instead.
//   - Lottery: the leader election with back-ups as a deterministic state
//     machine without I/O (Step, Tick, Succeeded, Ready). It verifies tickets
//     through VRFVerifier, an interface declared here and implemented by drp
//     with unique BLS signatures.
//   - Security maths: the probability that a shard gets at least a third
//     faulty members (exact hypergeometric and binomial), the per-epoch union
//     over shards, the expected years to failure and the smallest safe shard
//     size — in log space, for n up to 100,000.
//   - ForEachShard: bounded parallel per-shard work with errgroup.
//
// # Changing the number of shards
//
// The shard count is fixed for an epoch. Changing it from S to S' takes
// effect at an epoch boundary: with jump hashing only the accounts that map
// to the new shards move (a fraction (S'−S)/S' when growing; when shrinking,
// only the accounts of the removed shards), and they move with their state
// as part of the epoch transition, while no account moves between two
// shards that exist before and after.
//
// # Assumptions
//
// Assignment is only as unpredictable as rnd_e: the adversary must not be
// able to bias it (drp's threshold beacon guarantees that below its
// threshold). The security functions assume a static adversary holding a
// fraction f of validators when rnd_e is fixed.
package eds
