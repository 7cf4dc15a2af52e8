package rrbft

import (
	"fmt"
	"log/slog"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/pob"
)

// Config sets up one validator's round-robin engine for one epoch. Zero
// values mean pob's defaults.
type Config struct {
	// Domain is the chain, shard and epoch every signature is bound to.
	Domain pob.Domain
	// Committee is the validator set in committee order.
	Committee []pob.Member
	// Self is this validator's address (an observer if not a member).
	Self common.Address
	// Signer signs for Self; required for a member.
	Signer pob.Signer
	// Verifier checks single signatures; nil means pob.BLSVerifier.
	Verifier pob.Verifier
	// Certificates optionally shares a prepared certificate verifier.
	Certificates *pob.CommitteeVerifier
	// App proposes and validates transactions; required.
	App pob.Application
	// Slasher, when set, slashes equivocators at commit.
	Slasher pob.Slasher
	// MaxTxs bounds a block's transactions (0 means 256).
	MaxTxs int
	// TimeoutPropose, TimeoutPrevote, TimeoutPrecommit and TimeoutDelta
	// are the step timeouts in ticks (see pob.Config).
	TimeoutPropose, TimeoutPrevote, TimeoutPrecommit, TimeoutDelta uint64
	// StartHeight is the epoch's first height (0 means 1).
	StartHeight uint64
	// Parent is the hash of the block before StartHeight.
	Parent common.Hash
	// History holds the stored commits of this epoch, replayed on start.
	History []pob.Commit
	// Restore is the last persisted HardState, or nil on a first start.
	Restore *pob.HardState
	// Logger receives debug logs; nil discards them.
	Logger *slog.Logger
}

// Engine is the round-robin engine; it implements pob.Engine.
type Engine struct {
	*pob.Machine
}

var _ pob.Engine = (*Engine)(nil)

// New builds the engine. It runs pob's BFT core in one-league mode: every
// height's proposer fills the block from the application, and the
// believable-league machinery is never engaged.
func New(cfg Config) (*Engine, error) {
	if cfg.App == nil {
		return nil, fmt.Errorf("rrbft: %w", pob.ErrBadConfig)
	}
	m, err := pob.New(pob.Config{
		Domain: cfg.Domain, Committee: cfg.Committee, Self: cfg.Self, Signer: cfg.Signer,
		Verifier: cfg.Verifier, Certificates: cfg.Certificates, App: cfg.App, Slasher: cfg.Slasher,
		MaxTxs:         cfg.MaxTxs,
		TimeoutPropose: cfg.TimeoutPropose, TimeoutPrevote: cfg.TimeoutPrevote,
		TimeoutPrecommit: cfg.TimeoutPrecommit, TimeoutDelta: cfg.TimeoutDelta,
		StartHeight: cfg.StartHeight, Parent: cfg.Parent, History: cfg.History, Restore: cfg.Restore,
		Logger: cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("rrbft: %w", err)
	}
	return &Engine{m}, nil
}

// FromPoB builds the engine from a pob.Config, ignoring what only
// Proof-of-Believability uses (the believable league, sampling, Servi):
// the node swaps engines by a flag with one configuration.
func FromPoB(c pob.Config) (pob.Engine, error) {
	return New(Config{
		Domain: c.Domain, Committee: c.Committee, Self: c.Self, Signer: c.Signer,
		Verifier: c.Verifier, Certificates: c.Certificates, App: c.App, Slasher: c.Slasher,
		MaxTxs:         c.MaxTxs,
		TimeoutPropose: c.TimeoutPropose, TimeoutPrevote: c.TimeoutPrevote,
		TimeoutPrecommit: c.TimeoutPrecommit, TimeoutDelta: c.TimeoutDelta,
		StartHeight: c.StartHeight, Parent: c.Parent, History: c.History, Restore: c.Restore,
		Logger: c.Logger,
	})
}
