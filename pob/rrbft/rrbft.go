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
	Domain    pob.Domain
	Committee []pob.Member
	Self      common.Address
	Signer    pob.Signer
	Verifier  pob.Verifier
	// Certificates optionally shares a prepared certificate verifier.
	Certificates *pob.CommitteeVerifier
	App          pob.Application
	Slasher      pob.Slasher
	// MaxTxs bounds a block's transactions.
	MaxTxs int
	// Step timeouts in ticks (see pob.Config).
	TimeoutPropose, TimeoutPrevote, TimeoutPrecommit, TimeoutDelta uint64
	StartHeight                                                    uint64
	Parent                                                         common.Hash
	History                                                        []pob.Commit
	Restore                                                        *pob.HardState
	Logger                                                         *slog.Logger
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
