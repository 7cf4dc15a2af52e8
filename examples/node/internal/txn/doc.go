// Package txn is the example node's transaction format: a signed IOST
// transfer.
//
// A transaction names the chain and the sender's shard inside the signed
// payload, so a signature made for one chain or one shard is worthless on
// another (the cross-chain and cross-shard replay that Sonnino et al. show
// against sharded commit protocols). Its nonce is the sender's next ledger
// nonce, so a replay on the same shard fails the nonce check.
//
// The encoding is canonical RLP (go-ethereum's rlp package) of
//
//	[chainID, shard, nonce, to, amount, fee, signature]
//
// and the signature is secp256k1 (go-ethereum's crypto, the same keys any
// Ethereum wallet holds) over
//
//	keccak256("iostkit/tx/v1" ‖ rlp([chainID, shard, nonce, to, amount, fee]))
//
// The sender is recovered from the signature, as in Ethereum. Decode rejects
// anything a node must not store: oversize input, trailing bytes,
// non-canonical RLP, malformed or high-S signatures (go-ethereum's Ecrecover
// accepts high-S, which would give every transaction a second valid
// encoding and hash), a zero amount and a transfer to self.
package txn
