package shardsim

// Engine is one validator's consensus state machine as the simulator drives
// it, in etcd-io/raft's shape: the simulator feeds it ticks and messages,
// then collects what it wants to send and what it committed. An Engine does
// no I/O and reads no clock; an adapter wraps a real engine (pob, or a
// researcher's) in this interface.
type Engine interface {
	// Tick advances the engine's logical clock by one tick.
	Tick()
	// Step feeds a message received from committee member from.
	Step(from int, msg any)
	// Propose hands the engine a payload to put in a block. The simulator
	// calls it only when WantsPayload is true.
	Propose(payload []byte)
	// WantsPayload reports whether the engine would put a payload in a
	// block now (it is a proposer with nothing pending).
	WantsPayload() bool
	// Ready returns, and forgets, the outputs since the last call.
	Ready() Ready
}

// Broadcast as Outbound.To sends a message to every other committee member.
const Broadcast = -1

// Outbound is a message an engine wants delivered.
type Outbound struct {
	// To is a committee member index, or Broadcast.
	To int
	// Msg is the engine's message, opaque to the simulator.
	Msg any
}

// Block is a committed block as the simulator sees it: its payloads are
// those the simulator handed to Propose (in any engine-defined order, and
// possibly several proposers' payloads in one block).
type Block struct {
	// Height is the block's height in its shard's chain.
	Height uint64
	// ID identifies the block (its hash); two honest members finalizing
	// different IDs at one height is a safety violation.
	ID [32]byte
	// Payloads are the batch references the block carries.
	Payloads [][]byte
	// Aggregated is the number of signatures this validator aggregated to
	// finalize the block (its own certificate), charged as CPU time.
	Aggregated int
}

// Ready is an engine's output.
type Ready struct {
	// Messages are to be delivered to other committee members.
	Messages []Outbound
	// Optimistic lists blocks confirmed on the fast path (PoB's believable
	// league), before finality; engines without one leave it empty.
	Optimistic []Block
	// Final lists finalized blocks, in height order.
	Final []Block
}

// MsgMeta is what the simulator needs to know of a message to charge its
// costs; Protocol.Meta extracts it. CPU costs come from the calibration, so
// every engine is charged by the same rules.
type MsgMeta struct {
	// Kind names the message type, for statistics.
	Kind string
	// Size is the encoded size in bytes (bandwidth).
	Size int
	// Payloads are the proposal payloads the message carries that the
	// receiver checks: it re-verifies the signatures of a share Verify of
	// their transfers. (Every member executes every transfer when its block
	// is finalized, whatever message carried it.)
	Payloads [][]byte
	// Verify is the share in [0, 1] of the payloads' transfers the receiver
	// re-verifies: 1 for a classic BFT validator, PoB's sampling
	// probability p for its normal league.
	Verify float64
	// Sigs is the number of single BLS signatures the receiver verifies.
	Sigs int
	// CertSigners is the number of signers of an aggregate certificate the
	// receiver verifies (zero: none).
	CertSigners int
	// Signs is the number of BLS signatures the sender made for it.
	Signs int
	// Aggregated is the number of signatures the sender aggregated into it.
	Aggregated int
}

// Puller is an optional Engine capability for engines that ask for
// transactions when they build a block (pob's Application.Propose) rather
// than being handed them: the simulator gives the engine a source, and each
// call cuts one batch (up to Config.MaxBlockTxs transfers) from the shard's
// mempool at that instant, charging the caller's CPU for checking and
// executing it. The simulator then never calls Propose or WantsPayload.
type Puller interface {
	SetSource(next func() []byte)
}

// Sampler is an optional Engine capability: the share of a message's
// payload transfers this validator re-verifies, when it differs from the
// message's MsgMeta.Verify (PoB's believable members do not sample their
// peers' optimistic blocks; its normal league samples a share p).
type Sampler interface {
	VerifyShare(msg any) (share float64, ok bool)
}

// FaultBounder is an optional Protocol capability: how many faulty
// members a committee of the given size tolerates (it may be fewer than
// ⌊(n−1)/3⌋ when only part of the committee votes, as PoB's normal league).
type FaultBounder interface {
	Tolerated(committee int) int
}

// Protocol builds the engines of a committee. It is what a researcher
// implements to put a new consensus engine into the simulator.
type Protocol interface {
	// Name is a short name for results ("pob", "rrbft", …).
	Name() string
	// NewEngine returns the engine of member `member` of a committee of
	// `size` in shard `shard`. The simulator may call it twice for the same
	// member to run a Byzantine twin (same keys, two instances).
	NewEngine(shard, member, size int, seed uint64) (Engine, error)
	// Meta describes a message produced by one of this protocol's engines.
	Meta(msg any) MsgMeta
	// TicksPerSecond is how many Ticks an engine expects per second.
	TicksPerSecond() int
}
