// Package node assembles iostkit's parts into the example node: one
// chain.Shard per shard over a state backend, one consensus engine per
// shard, a cross-shard relay, epochs, and the bookkeeping the API, the
// metrics and the web page read.
//
// Read Node.Run first: it is the driver loop every engine of the
// etcd-io/raft shape needs — tick, deliver messages, act on Ready — once per
// shard, concurrently, with errgroup collecting the first failure.
package node
