package pob

import (
	"fmt"
	"slices"

	"github.com/drand/kyber"
	"github.com/ethereum/go-ethereum/common"
)

// Machine is the Proof-of-Believability engine of one validator for one
// epoch: the believable league's optimistic blocks, the normal league's
// sampling and Tendermint-style BFT finality, fraud proofs, equivocation
// evidence, slashing and the one-league fallback. See the package
// documentation and docs/pob.md. It implements Engine.
type Machine struct {
	hold        *HardState // a restored hard state above the current height
	cfg         Config
	keys        []kyber.Point // committee
	bkeys       []kyber.Point // believable league
	cv          *CommitteeVerifier
	self        int // committee index, -1 if not a member
	prod        int // believable index, -1 if not a producer
	n, quorum   int
	ticks       uint64
	heightStart uint64 // tick of the last commit
	rd          Ready
	dirty       bool
	lastCatch   map[common.Address][2]uint64 // height, tick of the last catch-up sent
	sigOK       map[common.Hash]bool         // optimistic blocks whose signature verified
	future      []Message                    // messages for the next height, replayed after a commit
	recent      []Commit                     // last commits, for lagging validators
	heightVars                               // reset at each height
	chain                                    // believable-league state derived from the finalized chain
}

// heightVars is the round state of the height being decided.
type heightVars struct {
	height      uint64
	parent      common.Hash
	round       uint64
	step        StepKind
	elapsed     uint64
	lockedRound uint64
	locked      Block
	validRound  uint64
	valid       Block
	proposals   map[uint64]Proposal
	blocks      map[common.Hash]Block
	votes       map[uint64]*roundVotes
	validity    map[common.Hash]error
	myVotes     []Vote
	myProps     []Proposal
}

// roundVotes holds a round's verified votes by voter. An honest voter has
// one vote per type; an equivocator may have several, and each counts
// towards the block it names (the quorum-intersection argument allows the
// f faulty members to count for anything).
type roundVotes struct {
	prevotes, precommits voteSet
}

type voteSet map[uint32][]Vote

// find returns voter's vote for block, if any.
func (s voteSet) find(voter uint32, block common.Hash) (Vote, bool) {
	for _, v := range s[voter] {
		if v.Block == block {
			return v, true
		}
	}
	return Vote{}, false
}

var _ Engine = (*Machine)(nil)

// New builds a Machine from cfg, replays cfg.History and resumes from
// cfg.Restore.
func New(cfg Config) (*Machine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	m := &Machine{
		cfg:       cfg,
		keys:      publicKeys(cfg.Committee),
		bkeys:     publicKeys(cfg.Believable),
		self:      indexOf(cfg.Committee, cfg.Self),
		prod:      indexOf(cfg.Believable, cfg.Self),
		n:         len(cfg.Committee),
		quorum:    Quorum(len(cfg.Committee)),
		lastCatch: map[common.Address][2]uint64{},
		sigOK:     map[common.Hash]bool{},
	}
	m.cv = cfg.Certificates
	if m.cv == nil {
		var err error
		if m.cv, err = NewCommitteeVerifier(m.keys, cfg.Verifier); err != nil {
			return nil, err
		}
	}
	m.chain.init(len(cfg.Believable), cfg.StartHeight)
	m.resetHeight(cfg.StartHeight, cfg.Parent)
	for _, c := range cfg.History {
		if c.Block.Parent != m.parent || c.Block.Domain != cfg.Domain {
			return nil, fmt.Errorf("%w: history block %d does not extend the chain", ErrBadConfig, c.Block.Height)
		}
		m.commit(c, true)
	}
	if r := cfg.Restore; r != nil {
		m.producedSeq = r.ProducedSeq
		for _, o := range r.Produced {
			if m.prod >= 0 && o.Seq > m.lastSeq[m.prod] {
				m.produced = append(m.produced, o)
				m.addPending(o)
			}
		}
		switch {
		case r.Height == m.height:
			m.restore(r)
		case r.Height > m.height:
			// The node persisted this state ahead of the blocks it stored
			// (a crash between the two): the engine starts below it. It
			// signs nothing until it reaches r.Height, applies r there, and
			// reports r as its hard state meanwhile, so a second crash
			// keeps the record of the votes it cast.
			held := *r
			m.hold = &held
		}
	}
	if m.step == 0 || m.step == StepPropose {
		m.enterRound(m.round)
	}
	m.rebroadcast()
	m.progress()
	return m, nil
}

// restore applies the persisted votes, locks and proposals of r, a hard
// state of the current height.
func (m *Machine) restore(r *HardState) {
	m.round, m.step = r.Round, r.Step
	m.lockedRound, m.locked = r.LockedRound, r.Locked
	m.validRound, m.valid = r.ValidRound, r.Valid
	m.myVotes = slices.Clone(r.Votes)
	m.myProps = slices.Clone(r.Proposals)
	for _, v := range m.myVotes {
		m.record(v)
	}
	for _, v := range r.POL {
		if v.Height == m.height && v.Type == Prevote && int(v.Voter) < m.n {
			m.record(v)
		}
	}
	for _, p := range m.myProps {
		m.proposals[p.Header.Round] = p
		m.blocks[p.Header.Block] = p.Block
	}
	if m.lockedRound > 0 {
		m.blocks[m.locked.Hash()] = m.locked
	}
	if m.validRound > 0 {
		m.blocks[m.valid.Hash()] = m.valid
	}
}

// held reports whether the engine is below a restored hard state's height
// (see Config.Restore): it must sign nothing there.
func (m *Machine) held() bool { return m.hold != nil && m.height < m.hold.Height }

// applyHold applies a held hard state once the engine reaches its height,
// and reports whether it did.
func (m *Machine) applyHold() bool {
	if m.hold == nil || m.height < m.hold.Height {
		return false
	}
	r := m.hold
	m.hold = nil
	if m.height != r.Height {
		return false
	}
	m.restore(r)
	return true
}

func (m *Machine) resetHeight(h uint64, parent common.Hash) {
	m.heightVars = heightVars{
		height:    h,
		parent:    parent,
		proposals: map[uint64]Proposal{},
		blocks:    map[common.Hash]Block{},
		votes:     map[uint64]*roundVotes{},
		validity:  map[common.Hash]error{},
	}
}

// Status implements Engine.
func (m *Machine) Status() Status {
	return Status{Height: m.height, Round: m.round, Step: m.step, Fallback: m.fallback(), LastBlock: m.parent}
}

// HasReady implements Engine.
func (m *Machine) HasReady() bool { return m.dirty || !m.rd.empty() }

// Ready implements Engine.
func (m *Machine) Ready() Ready {
	rd := m.rd
	if m.dirty {
		hs := m.hardState()
		rd.HardState = &hs
	}
	return rd
}

// Advance implements Engine.
func (m *Machine) Advance() {
	m.rd = Ready{}
	m.dirty = false
}

func (m *Machine) hardState() HardState {
	if m.held() {
		return *m.hold
	}
	return HardState{
		Height: m.height, Round: m.round, Step: m.step,
		LockedRound: m.lockedRound, Locked: m.locked,
		ValidRound: m.validRound, Valid: m.valid,
		Votes: slices.Clone(m.myVotes), Proposals: slices.Clone(m.myProps), POL: m.pol(),
		ProducedSeq: m.producedSeq, Produced: slices.Clone(m.produced),
	}
}

// pol collects the prevotes that justify the lock and the valid block.
func (m *Machine) pol() []Vote {
	var out []Vote
	add := func(round uint64, b Block) {
		if round == 0 {
			return
		}
		rv, ok := m.votes[round-1]
		if !ok {
			return
		}
		h := b.Hash()
		for i := range uint32(m.n) {
			if v, ok := rv.prevotes.find(i, h); ok {
				out = append(out, v)
			}
		}
	}
	add(m.lockedRound, m.locked)
	if m.validRound != m.lockedRound {
		add(m.validRound, m.valid)
	}
	return out
}

func (m *Machine) send(to common.Address, msg Message) {
	msg.From, msg.Height = m.cfg.Self, m.height
	m.rd.Messages = append(m.rd.Messages, Outbound{To: to, Msg: msg})
}

func (m *Machine) broadcast(msg Message) { m.send(common.Address{}, msg) }

// Tick implements Engine.
func (m *Machine) Tick() {
	m.ticks++
	if m.prod >= 0 && m.ticks%m.cfg.ProduceEvery == 0 {
		m.produce()
	}
	m.elapsed++
	if m.elapsed >= m.timeout() {
		m.elapsed = 0
		m.onTimeout()
	}
	m.progress()
}

func (m *Machine) timeout() uint64 {
	base := m.cfg.TimeoutPropose
	switch m.step {
	case StepPrevote:
		base = m.cfg.TimeoutPrevote
	case StepPrecommit:
		base = m.cfg.TimeoutPrecommit
	}
	return base + m.cfg.TimeoutDelta*min(m.round, 8)
}

// Step implements Engine.
func (m *Machine) Step(msg Message) error {
	if msg.Height < m.height && msg.Kind != KindCommit {
		m.catchUp(msg.From, msg.Height)
	}
	var err error
	switch msg.Kind {
	case KindOptimistic:
		if msg.Optimistic == nil {
			return fmt.Errorf("%w: empty optimistic message", ErrDecode)
		}
		err = m.onOptimistic(*msg.Optimistic)
	case KindProposal:
		if msg.Proposal == nil {
			return fmt.Errorf("%w: empty proposal message", ErrDecode)
		}
		err = m.onProposal(*msg.Proposal, msg)
	case KindVote:
		if msg.Vote == nil {
			return fmt.Errorf("%w: empty vote message", ErrDecode)
		}
		err = m.onVote(*msg.Vote, msg)
	case KindCommit:
		if msg.Commit == nil {
			return fmt.Errorf("%w: empty commit message", ErrDecode)
		}
		err = m.onCommit(*msg.Commit, msg)
	case KindFraud:
		if msg.Fraud == nil {
			return fmt.Errorf("%w: empty fraud message", ErrDecode)
		}
		err = m.onFraud(*msg.Fraud)
	case KindEquivocation:
		if msg.Equivocation == nil {
			return fmt.Errorf("%w: empty evidence message", ErrDecode)
		}
		err = m.onEquivocation(*msg.Equivocation)
	default:
		return fmt.Errorf("%w: unknown kind %d", ErrDecode, msg.Kind)
	}
	if err != nil {
		return err
	}
	m.progress()
	return nil
}

// holdFuture keeps a message for the next height, to replay after the
// commit that gets us there (bounded; the sender rebroadcasts anyway).
func (m *Machine) holdFuture(msg Message, h uint64) {
	if h == m.height+1 && len(m.future) < 16*m.n {
		m.future = append(m.future, msg)
	}
}

// catchUp sends a lagging validator the commit of the height it is at.
func (m *Machine) catchUp(to common.Address, h uint64) {
	if to == (common.Address{}) || to == m.cfg.Self || len(m.recent) == 0 {
		return
	}
	first := m.recent[0].Block.Height
	if h < first || h >= m.height {
		return
	}
	if h+1 == m.height && m.ticks < m.heightStart+m.cfg.TimeoutPrecommit {
		// Just one height behind, just after our commit: the sender is
		// most likely receiving the same precommits we did. Answering
		// every late vote would multiply traffic by the committee size.
		return
	}
	if last, ok := m.lastCatch[to]; ok && last[0] == h && m.ticks < last[1]+m.cfg.TimeoutPrecommit {
		return
	}
	m.lastCatch[to] = [2]uint64{h, m.ticks}
	c := m.recent[h-first]
	m.send(to, Message{Kind: KindCommit, Commit: &c})
}

func (m *Machine) onCommit(c Commit, msg Message) error {
	if c.Block.Height != m.height {
		if c.Block.Height == m.height+1 {
			m.holdFuture(msg, c.Block.Height)
		}
		return nil
	}
	if err := m.checkCommit(c); err != nil {
		return err
	}
	m.commit(c, false)
	return nil
}

func (m *Machine) checkCommit(c Commit) error {
	b := c.Block
	if b.Domain != m.cfg.Domain || c.Cert.Domain != m.cfg.Domain {
		return ErrWrongDomain
	}
	if b.Parent != m.parent || c.Cert.Height != b.Height || c.Cert.Block != b.Hash() {
		return fmt.Errorf("%w: commit does not extend the chain", ErrInvalidBlock)
	}
	return m.cv.Verify(c.Cert)
}
