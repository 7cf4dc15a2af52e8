package microstate

import (
	"fmt"
	"log/slog"
)

// Backend names accepted by Config.Backend.
const (
	BackendPebble    = "pebbledb" // default: on disk, crash safe
	BackendGoLevelDB = "goleveldb"
	BackendMemDB     = "memdb" // in memory: nothing survives Close
)

// Config configures a Store. The zero value of every field except Dir (for
// disk backends) is a usable default.
type Config struct {
	// Dir is the directory holding the store's databases. Required for the
	// disk backends; ignored by memdb.
	Dir string
	// Backend is the cometbft-db backend: "pebbledb" (default), "goleveldb"
	// or "memdb".
	Backend string
	// ChainID and Shard are written into every block commitment and MSB
	// header, so that commitments and certificates of one chain or shard can
	// never be replayed on another.
	ChainID string
	Shard   uint32
	// MSBInterval is the number of blocks between Micro State Blocks: an MSB
	// is built after every block whose height is a multiple of it, and after
	// every block that ends an epoch. Zero means 100; a negative value means
	// only at epoch ends.
	MSBInterval int
	// KeepMSBs is how many of the latest MSB states stay provable and
	// exportable; older MSB trees and the block bodies before the oldest
	// kept MSB are pruned. Zero means 2. MSB headers are always kept.
	KeepMSBs int
	// KeepBlocks is how many of the latest block bodies are kept even when
	// they precede the oldest kept MSB (a node proves a block's writes to
	// other shards for a while after the block: atomix votes). Zero keeps
	// only the bodies after the oldest kept MSB. Disk stays bounded: at
	// most KeepBlocks bodies beyond what KeepMSBs keeps.
	KeepBlocks uint64
	// TreeCacheNodes is the IAVL node cache size of each open MSB tree (it
	// serves proofs and exports). Zero means 10,000.
	TreeCacheNodes int
	// Verifier checks committee certificates attached to MSB headers with
	// Store.Certify. Nil means certificates cannot be attached.
	Verifier CertificateVerifier
	// Logger receives debug logs. Nil discards them.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Backend == "" {
		c.Backend = BackendPebble
	}
	if c.MSBInterval == 0 {
		c.MSBInterval = 100
	}
	if c.KeepMSBs == 0 {
		c.KeepMSBs = 2
	}
	if c.TreeCacheNodes == 0 {
		c.TreeCacheNodes = 10_000
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports whether the configuration can open a store.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch c.Backend {
	case BackendPebble, BackendGoLevelDB:
		if c.Dir == "" {
			return fmt.Errorf("%w: backend %s needs a Dir", ErrBadConfig, c.Backend)
		}
	case BackendMemDB:
	default:
		return fmt.Errorf("%w: unknown backend %q (want pebbledb, goleveldb or memdb)", ErrBadConfig, c.Backend)
	}
	if c.KeepMSBs < 1 {
		return fmt.Errorf("%w: KeepMSBs %d < 1", ErrBadConfig, c.KeepMSBs)
	}
	if c.TreeCacheNodes < 0 {
		return fmt.Errorf("%w: TreeCacheNodes %d < 0", ErrBadConfig, c.TreeCacheNodes)
	}
	return nil
}
