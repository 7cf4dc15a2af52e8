// Package api is the example node's HTTP/JSON interface, its Prometheus
// endpoint and its live web page.
//
// Every refusal is a 4xx response with a JSON body {"error": reason,
// "code": short-code} and stores nothing:
//
//	400 malformed JSON, bad hex, malformed or non-canonical transaction,
//	    bad or high-S signature, wrong chain id, wrong shard id, zero amount
//	404 unknown account, block, transaction or route
//	409 replay: nonce already used, transaction already known, nonce taken
//	413 transaction or request body too large
//	422 insufficient funds, nonce too far ahead
//	429 mempool full, too many pending transactions from the sender
//
// The package declares the Backend it serves (the node satisfies it), so it
// is tested against a real node without a network.
package api
