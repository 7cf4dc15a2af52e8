// Package xshard is the glue that lets the simulator drive the real atomix
// state machines: what atomix expects from a node (expected.go in atomix),
// built from real parts.
//
//   - Vote records live in a microstate store (memdb backend) per shard; a
//     vote's Merkle proof is microstate's write proof (the block's write set
//     holds the record) plus the block's commitment, checked by
//     WriteProofVerifier.
//   - A block's commitment is certified by the shard's committee: a quorum
//     of members sign a Statement with BLS12-381 keys and the signatures are
//     BDN-aggregated with a signer bitmap (Attest), checked by
//     AttestationVerifier against the committee's public keys. pob
//     certifies block hashes, and the simulated blocks carry batch
//     references rather than state roots, so the committee attests the
//     root after executing the block, as the example node does.
//
// Nothing here accepts a proof without checking it: a forged root, record
// or signature fails, as the tests show.
package xshard
