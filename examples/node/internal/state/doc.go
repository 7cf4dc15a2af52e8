// Package state is the example node's view of a shard's state store: the
// small interface the node's executor needs, a write-caching overlay that
// turns a block's ledger operations into one atomic write set, and an
// in-memory backend.
//
// The node keeps the backend behind Backend so the store is a choice of
// wiring: microstate's IAVL store (pebble on disk) in the real node, the
// in-memory Mem in tests. A backend that can also prove keys against its
// committed root implements Prover; the API looks for it by type assertion.
package state
