// Package node assembles iostkit's parts into the example node: one
// chain.Shard per shard over a microstate store, pob engines (or rrbft's)
// for the validators this process hosts, cross-shard credits between
// shards, epochs whose randomness comes from drp's threshold beacon, whose
// shard assignment comes from eds and whose committee changes follow
// transepoch's batches, and the bookkeeping the API, the metrics and the
// web page read.
//
// Read runner.go first: it is the driver loop every engine of the
// etcd-io/raft shape needs — tick, deliver messages, act on Ready, execute
// what is final — once per shard, each in its own goroutine (Node.Run), with
// errgroup collecting the first failure. newEngine in node.go is the one
// place that picks the consensus engine; openState in store.go the one
// place that picks the state store.
package node
