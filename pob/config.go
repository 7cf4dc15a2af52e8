package pob

import (
	"fmt"
	"log/slog"

	"github.com/ethereum/go-ethereum/common"
)

// Config sets up one validator's engine for one epoch of one shard. Leagues
// are fixed for the epoch; the node builds a new engine at an epoch change.
// Zero values of the numeric fields mean the documented defaults.
type Config struct {
	// Domain is the chain, shard and epoch every signature is bound to.
	Domain Domain
	// Committee is the normal league in committee order (certificates'
	// bitmaps index it). It runs the BFT finality.
	Committee []Member
	// Believable is the believable league (producer index order). Empty
	// means one-league mode: the committee alone, round-robin proposers
	// filling blocks from the application.
	Believable []Member
	// Self is this validator's address: a committee member votes and
	// proposes, a believable member produces optimistic blocks, anyone else
	// follows the chain as an observer.
	Self common.Address
	// Signer signs for Self; required unless Self is an observer.
	Signer Signer
	// Verifier checks single signatures; nil means BLSVerifier.
	Verifier Verifier
	// Certificates, when set, verifies the committee's certificates; it
	// must have been built for Committee. Engines of one process that share
	// a committee may share one (it is read-only). Nil means New builds it.
	Certificates *CommitteeVerifier
	// App proposes and validates transactions; required.
	App Application
	// Slasher, when set, is called for each conviction in a finalized block.
	Slasher Slasher
	// Servi, when set, is called for each producer whose optimistic block
	// is finalized.
	Servi ServiClearer

	// SamplePPM is the per-transaction sampling probability of each
	// normal-league validator, in parts per million (0 means 100,000).
	SamplePPM uint32
	// MinBelievable is the fewest active believable validators the
	// two-league mode needs; below it the proposer fills blocks itself
	// (0 means 1).
	MinBelievable int
	// AbsentAfter is how many heights a believable validator may go
	// without a finalized optimistic block before it counts as absent for
	// the fallback rule (0 means 8).
	AbsentAfter uint64
	// RecheckWindow is how many finalized heights back a convicted
	// producer's blocks are re-checked, and how many commits are kept to
	// help lagging validators catch up (0 means 64).
	RecheckWindow uint64
	// MaxTxs bounds the transactions of one optimistic block and of a
	// fallback payload (0 means 256).
	MaxTxs int
	// MaxOptimistic bounds the optimistic blocks one block combines
	// (0 means 32).
	MaxOptimistic int
	// MaxPending bounds a producer's optimistic blocks not yet finalized
	// (0 means 4).
	MaxPending int
	// ProduceEvery is the number of ticks between two optimistic blocks of
	// one producer (0 means 1).
	ProduceEvery uint64
	// TimeoutPropose, TimeoutPrevote and TimeoutPrecommit are the step
	// timeouts of round 0 in ticks (0 means 8, 6, 6); each later round adds
	// TimeoutDelta (0 means 2), up to 8 times.
	TimeoutPropose, TimeoutPrevote, TimeoutPrecommit, TimeoutDelta uint64

	// StartHeight is the epoch's first height (0 means 1).
	StartHeight uint64
	// Parent is the hash of the block before StartHeight.
	Parent common.Hash
	// History holds the commits of this epoch the node has stored, in
	// height order from StartHeight; New replays them silently (no Ready
	// output, no Slasher or Servi calls: their effects are already in the
	// node's state).
	History []Commit
	// Restore is the last HardState the engine asked to persist, or nil on
	// a first start. With it a restarted engine never signs a second,
	// different statement for a slot it already signed.
	Restore *HardState
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	def := func(v *uint64, d uint64) {
		if *v == 0 {
			*v = d
		}
	}
	if c.SamplePPM == 0 {
		c.SamplePPM = 100_000
	}
	if c.MinBelievable == 0 {
		c.MinBelievable = 1
	}
	def(&c.AbsentAfter, 8)
	def(&c.RecheckWindow, 64)
	if c.MaxTxs == 0 {
		c.MaxTxs = 256
	}
	if c.MaxOptimistic == 0 {
		c.MaxOptimistic = 32
	}
	if c.MaxPending == 0 {
		c.MaxPending = 4
	}
	def(&c.ProduceEvery, 1)
	def(&c.TimeoutPropose, 8)
	def(&c.TimeoutPrevote, 6)
	def(&c.TimeoutPrecommit, 6)
	def(&c.TimeoutDelta, 2)
	def(&c.StartHeight, 1)
	if c.Verifier == nil {
		c.Verifier = BLSVerifier{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports a configuration the engine cannot run with.
func (c Config) Validate() error {
	if len(c.Committee) == 0 {
		return fmt.Errorf("%w: empty committee", ErrBadConfig)
	}
	if c.App == nil {
		return fmt.Errorf("%w: no application", ErrBadConfig)
	}
	if c.SamplePPM > PPM {
		return fmt.Errorf("%w: SamplePPM %d above 1,000,000", ErrBadConfig, c.SamplePPM)
	}
	seen := map[common.Address]bool{}
	for _, m := range append(append([]Member(nil), c.Committee...), c.Believable...) {
		if m.PublicKey == nil {
			return fmt.Errorf("%w: member %s has no public key", ErrBadConfig, m.Address)
		}
		if seen[m.Address] {
			return fmt.Errorf("%w: %s appears twice in the leagues", ErrBadConfig, m.Address)
		}
		seen[m.Address] = true
	}
	if c.Certificates != nil && c.Certificates.Size() != len(c.Committee) {
		return fmt.Errorf("%w: certificate verifier for %d members, committee of %d", ErrBadConfig, c.Certificates.Size(), len(c.Committee))
	}
	if seen[c.Self] && c.Signer == nil {
		return fmt.Errorf("%w: a member needs a Signer", ErrBadConfig)
	}
	start := c.StartHeight
	if start == 0 {
		start = 1
	}
	for i, h := range c.History {
		if h.Block.Height != start+uint64(i) {
			return fmt.Errorf("%w: history commit %d is for height %d", ErrBadConfig, i, h.Block.Height)
		}
	}
	return nil
}
