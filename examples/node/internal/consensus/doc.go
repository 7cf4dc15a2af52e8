// Package consensus is the example node's consensus slot: the Engine
// interface one shard's ordering engine satisfies, the App interface the
// node gives it, and adapters from iostkit's engines to it.
//
// The shape is etcd-io/raft's: an engine is a deterministic state machine
// fed ticks (Tick) and messages (Step), and it hands back what to send and
// which blocks became optimistic or final (Ready). It owns no goroutine,
// no clock and no socket; the node's shard loop drives it, and the node's
// transport (in-process channels or libp2p streams) carries its messages.
// Swapping engines is a change of one constructor call in the node.
package consensus
