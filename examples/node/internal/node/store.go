package node

import (
	"github.com/iostkit/iostkit/examples/node/internal/state"
)

// openState opens a shard's state backend of the given kind in dir.
func openState(kind, dir string) (state.Backend, error) {
	return state.NewMem(), nil
}
