// Package mempool is the example node's bounded transaction pool.
//
// It holds signed transfers waiting for a block, per sender in nonce order.
// Every bound is explicit and every refusal names its reason, so a client
// (or the HTTP API) can tell "pool full" from "too many from you" from
// "already have it": a total capacity, a per-sender limit (one key cannot
// fill the pool), and a maximum nonce gap (a sender cannot park transactions
// far in the future that will never become executable — the future-nonce
// flood). Transactions whose nonce is already used are refused at once.
//
// Pending returns, without removing them, the executable transactions —
// each sender's run of consecutive nonces starting at its ledger nonce —
// interleaving senders so that one busy sender cannot starve the others.
// Committed drops what a finalized block made stale.
package mempool
