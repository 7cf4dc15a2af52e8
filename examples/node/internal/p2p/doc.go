// Package p2p is the example node's libp2p transport: gossipsub for
// transactions and for the messages a pob engine broadcasts to its shard,
// direct streams for messages addressed to one validator and for block
// sync.
//
// Every process of the example network derives validator i's libp2p
// identity from i, so a validator's account address maps to its peer id
// without any lookup; --peers only supplies addresses to dial. A directed
// message to a peer this host is not connected to goes over the shard's
// topic instead (receivers drop messages addressed to someone else), so a
// partially connected network still works.
//
// For reliability tests, Host.BlockPeers cuts the host off from chosen
// validators (a connection gater refuses them both ways and open
// connections are closed): a partition on loopback without root. The node
// exposes it only behind --debug-api.
//
// All wire formats are RLP with size limits checked before decoding;
// DecodeEnvelope has a fuzz target.
package p2p
