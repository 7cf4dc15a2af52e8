package consensus

import (
	"github.com/iostkit/iostkit/examples/node/internal/chain"
)

// App is what an engine needs from the shard it orders.
type App interface {
	// Propose builds a block for the next height with proposer as author.
	Propose(proposer string) *chain.Block
	// Verify checks that a proposed block extends the finalized chain and
	// executes.
	Verify(b *chain.Block) error
}

// Message is an engine message. To names one validator; empty To means
// every member of the shard's committee.
type Message struct {
	From    string
	To      string
	Payload []byte
}

// Final is a finalized block with the certificate that proves it.
type Final struct {
	Block *chain.Block
	Cert  []byte
}

// Ready is what an engine hands its driver.
type Ready struct {
	Send       []Message
	Optimistic []*chain.Block
	Final      []Final
}

// Engine orders one shard's blocks.
type Engine interface {
	// Tick advances the engine's clock by one tick.
	Tick()
	// Step feeds a message received from the network.
	Step(m Message) error
	// Ready returns and clears the engine's output.
	Ready() Ready
}
