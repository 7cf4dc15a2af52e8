// Package api is the example node's HTTP/JSON interface, its Prometheus
// endpoint and its live web page.
//
// Every refusal is a 4xx response (503 when overloaded) with a JSON body {"error": reason,
// "code": short-code} and stores nothing:
//
//	400 malformed JSON, bad hex, malformed or non-canonical transaction,
//	    bad or high-S signature, wrong chain id, wrong shard id, zero amount
//	404 unknown account, block, transaction or route
//	409 replay: nonce already used, transaction already known, nonce taken
//	413 transaction or request body too large
//	422 insufficient funds, nonce too far ahead
//	429 mempool full (pool_full), too many pending transactions from the
//	    sender (sender_limit), rate limited (rate_limited: the node-wide or
//	    the client's token bucket of POST /tx is empty; Retry-After: 1)
//	503 overloaded: the most POST /tx requests are already being handled
//	    (Retry-After: 1)
//
// Admission control (config.Admission) answers rate_limited and overloaded
// before it reads the request's body: under a flood, a refused request
// costs the node the parse of its headers, not JSON and hex decoding, a
// hash and the pools' locks. The node-wide rate follows the node's
// finalized rate while a shard pool is nearly full (see config.Admission).
//
// The package declares the Backend it serves (the node satisfies it), so it
// is tested against a real node without a network.
package api
