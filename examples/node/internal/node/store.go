package node

import (
	dbm "github.com/cometbft/cometbft-db"
	"github.com/iostkit/iostkit/examples/node/internal/state"
)

// openState opens a shard's state backend of the given kind in dir.
func openState(kind dbm.BackendType, dir string) (state.Backend, error) {
	db, err := dbm.NewDB("state", kind, dir)
	if err != nil {
		return nil, err
	}
	return state.OpenDB(db)
}
