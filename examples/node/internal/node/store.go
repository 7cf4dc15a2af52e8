package node

import (
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/iostkit/iostkit/microstate"
)

// openState opens shard s's state store in dir: microstate (state.Micro)
// on the configured backend (pebble, goleveldb or memdb). This is the one
// place that picks the state store. Its commits are charged to quota.
func openState(chainID uint64, shard uint32, kind, dir string, certs microstate.CertificateVerifier, quota *state.Quota) (state.Backend, error) {
	return state.OpenMicroLimited(chainID, shard, kind, dir, certs, quota)
}
