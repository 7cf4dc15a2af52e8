package pob

import (
	"fmt"
	"maps"
	"slices"

	"github.com/ethereum/go-ethereum/common"
)

// The BFT finality is Tendermint's (Buchman, Kwon, Milosevic, "The latest
// gossip on BFT consensus", 2018): rounds of propose → prevote → precommit
// with locking, driven by ticks instead of timers. Line comments name the
// paper's rules.

// pingVoter marks an unsigned vote that only carries its sender's height.
const pingVoter = ^uint32(0)

func (m *Machine) proposer(h, r uint64) int { return int((h + r) % uint64(m.n)) }

func (m *Machine) enterRound(r uint64) {
	if r != m.round || m.step == 0 {
		m.dirty = true
	}
	m.round, m.step, m.elapsed = r, StepPropose, 0
	if m.self >= 0 && m.proposer(m.height, r) == m.self {
		m.propose()
	}
}

// propose offers the valid block when there is one (a quorum may be locked
// on it), a fresh block otherwise — unless this slot was already signed
// before a restart, in which case the signed proposal is re-sent.
func (m *Machine) propose() {
	for _, p := range m.myProps {
		if p.Header.Height == m.height && p.Header.Round == m.round {
			m.broadcast(Message{Kind: KindProposal, Proposal: &p})
			m.sendPOL(p.Header)
			return
		}
	}
	var b Block
	var pol uint64
	if m.validRound > 0 {
		b, pol = m.valid, m.validRound
	} else {
		b = m.build()
	}
	if m.held() {
		return
	}
	hdr := ProposalHeader{Domain: m.cfg.Domain, Height: m.height, Round: m.round, POLRound: pol, Block: b.Hash(), Proposer: uint32(m.self)}
	sig, err := m.cfg.Signer.Sign(hdr.SignBytes())
	if err != nil {
		m.cfg.Logger.Debug("pob: sign proposal", "err", err)
		return
	}
	hdr.Sig = sig
	p := Proposal{Header: hdr, Block: b}
	m.myProps = append(m.myProps, p)
	m.dirty = true
	m.proposals[m.round] = p
	m.blocks[hdr.Block] = b
	m.broadcast(Message{Kind: KindProposal, Proposal: &p})
	m.sendPOL(hdr)
}

// sendPOL re-sends the prevotes that justify re-proposing a block (its
// proof of lock), so that peers that lost them can accept the proposal.
func (m *Machine) sendPOL(h ProposalHeader) {
	if h.POLRound == 0 {
		return
	}
	rv, ok := m.votes[h.POLRound-1]
	if !ok {
		return
	}
	for i := range uint32(m.n) {
		if v, ok := rv.prevotes.find(i, h.Block); ok {
			m.broadcast(Message{Kind: KindVote, Vote: &v})
		}
	}
}

func (m *Machine) onProposal(p Proposal, msg Message) error {
	h := p.Header
	if h.Domain != m.cfg.Domain {
		return ErrWrongDomain
	}
	if h.Height != m.height {
		m.holdFuture(msg, h.Height)
		return nil
	}
	if int(h.Proposer) != m.proposer(h.Height, h.Round) {
		return fmt.Errorf("%w: %d is not the proposer of round %d", ErrUnknownValidator, h.Proposer, h.Round)
	}
	if h.POLRound > h.Round || p.Block.Hash() != h.Block {
		return fmt.Errorf("%w: proposal header does not match", ErrInvalidBlock)
	}
	if h.Round > m.round+64 {
		return nil // far-future round: bounded memory; it will be resent
	}
	if old, ok := m.proposals[h.Round]; ok {
		if old.Header.Block == h.Block && old.Header.POLRound == h.POLRound {
			return nil
		}
		if err := m.cfg.Verifier.Verify(m.keys[h.Proposer], h.SignBytes(), h.Sig); err != nil {
			return err
		}
		m.addEquivocation(Equivocation{Proposals: []ProposalHeader{old.Header, h}}, true)
		return nil
	}
	if err := m.cfg.Verifier.Verify(m.keys[h.Proposer], h.SignBytes(), h.Sig); err != nil {
		return err
	}
	m.proposals[h.Round] = p
	m.blocks[h.Block] = p.Block
	return nil
}

func (m *Machine) onVote(v Vote, msg Message) error {
	if v.Domain != m.cfg.Domain {
		return ErrWrongDomain
	}
	if v.Type != Prevote && v.Type != Precommit {
		return fmt.Errorf("%w: vote type %d", ErrDecode, v.Type)
	}
	if v.Voter == pingVoter && v.Sig == nil {
		return nil // a status ping: Step already answered it
	}
	if int(v.Voter) >= m.n {
		return fmt.Errorf("%w: voter %d", ErrUnknownValidator, v.Voter)
	}
	if v.Height < m.height {
		return nil
	}
	if v.Height > m.height {
		m.holdFuture(msg, v.Height)
		return nil
	}
	if v.Round > m.round+64 {
		return nil
	}
	rv := m.roundVotes(v.Round)
	set := rv.prevotes
	if v.Type == Precommit {
		set = rv.precommits
	}
	if _, ok := set.find(v.Voter, v.Block); ok {
		return nil
	}
	if len(set[v.Voter]) >= 4 {
		return nil // an equivocator: enough is known
	}
	if err := m.cfg.Verifier.Verify(m.keys[v.Voter], v.SignBytes(), v.Sig); err != nil {
		return err
	}
	if old := set[v.Voter]; len(old) > 0 {
		m.addEquivocation(Equivocation{Votes: []Vote{old[0], v}}, true)
	}
	set[v.Voter] = append(set[v.Voter], v)
	return nil
}

func (m *Machine) roundVotes(r uint64) *roundVotes {
	rv, ok := m.votes[r]
	if !ok {
		rv = &roundVotes{prevotes: voteSet{}, precommits: voteSet{}}
		m.votes[r] = rv
	}
	return rv
}

func (m *Machine) record(v Vote) {
	rv := m.roundVotes(v.Round)
	set := rv.prevotes
	if v.Type == Precommit {
		set = rv.precommits
	}
	if _, ok := set.find(v.Voter, v.Block); !ok {
		set[v.Voter] = append(set[v.Voter], v)
	}
}

func (m *Machine) count(r uint64, t VoteType, b common.Hash) int {
	rv, ok := m.votes[r]
	if !ok {
		return 0
	}
	set := rv.prevotes
	if t == Precommit {
		set = rv.precommits
	}
	n := 0
	for voter := range set {
		if _, ok := set.find(voter, b); ok {
			n++
		}
	}
	return n
}

// vote signs and sends a vote — or, if this slot was signed before (a
// restart), re-sends what was signed then, whatever the state machine now
// wants: a validator never signs two votes for one slot.
func (m *Machine) vote(t VoteType, b common.Hash) {
	if m.self < 0 {
		return
	}
	for _, v := range m.myVotes {
		if v.Height == m.height && v.Round == m.round && v.Type == t {
			m.broadcast(Message{Kind: KindVote, Vote: &v})
			return
		}
	}
	if m.held() {
		return // below a restored hard state: the votes cast here are unknown
	}
	v, err := SignVote(m.cfg.Signer, Vote{Domain: m.cfg.Domain, Type: t, Height: m.height, Round: m.round, Block: b, Voter: uint32(m.self)})
	if err != nil {
		m.cfg.Logger.Debug("pob: sign vote", "err", err)
		return
	}
	m.myVotes = append(m.myVotes, v)
	m.dirty = true
	m.record(v)
	m.broadcast(Message{Kind: KindVote, Vote: &v})
}

func (m *Machine) isValid(b Block) bool {
	h := b.Hash()
	err, ok := m.validity[h]
	if !ok {
		err = m.validate(b)
		m.validity[h] = err
	}
	return err == nil
}

// extends is the structural validity a block needs once a quorum has
// prevoted it: it is the next block of this chain. Full validity
// (isValid: signatures, sampling, evidence) is what this validator's own
// prevote for a fresh proposal needs (rule 22). Judging a block with a
// proof of lock by full validity instead would let local knowledge gained
// later (a producer convicted meanwhile) block a quorum locked on it
// forever; safety never depends on validity, and a quorum's prevotes
// already hold f+1 honest full checks.
func (m *Machine) extends(b Block) bool {
	return b.Domain == m.cfg.Domain && b.Height == m.height && b.Parent == m.parent
}

// progress applies every rule whose condition holds, until none does.
func (m *Machine) progress() {
	for guard := 0; guard < 1000; guard++ {
		if m.tryDecide() || m.tryRoundSkip() || m.tryStep() {
			continue
		}
		return
	}
}

func (m *Machine) tryStep() bool {
	r := m.round
	p, ok := m.proposals[r]
	switch m.step {
	case StepPropose:
		if !ok {
			return false
		}
		hash := p.Header.Block
		if p.Header.POLRound == 0 { // rule 22
			good := m.isValid(p.Block) && (m.lockedRound == 0 || m.locked.Hash() == hash)
			m.prevoteFor(good, hash)
			return true
		}
		vr := p.Header.POLRound - 1 // rule 28
		if vr < r && m.count(vr, Prevote, hash) >= m.quorum {
			good := m.extends(p.Block) && (m.lockedRound <= vr+1 || m.locked.Hash() == hash)
			m.prevoteFor(good, hash)
			return true
		}
	case StepPrevote:
		if ok && m.count(r, Prevote, p.Header.Block) >= m.quorum && m.extends(p.Block) { // rule 36
			m.lockedRound, m.locked = r+1, p.Block
			m.validRound, m.valid = r+1, p.Block
			m.step = StepPrecommit
			m.elapsed = 0
			m.dirty = true
			m.vote(Precommit, p.Header.Block)
			return true
		}
		if m.count(r, Prevote, common.Hash{}) >= m.quorum { // rule 44
			m.step, m.elapsed = StepPrecommit, 0
			m.vote(Precommit, common.Hash{})
			return true
		}
	case StepPrecommit:
		if ok && m.validRound < r+1 && m.count(r, Prevote, p.Header.Block) >= m.quorum && m.extends(p.Block) { // rule 36, valid value only
			m.validRound, m.valid = r+1, p.Block
			m.dirty = true
			return true
		}
	}
	return false
}

func (m *Machine) prevoteFor(good bool, hash common.Hash) {
	m.step, m.elapsed = StepPrevote, 0
	if good {
		m.vote(Prevote, hash)
	} else {
		m.vote(Prevote, common.Hash{})
	}
}

func (m *Machine) sortedRounds() []uint64 {
	return slices.Sorted(maps.Keys(m.votes))
}

// tryDecide commits a block a quorum precommitted in any round (rule 49).
func (m *Machine) tryDecide() bool {
	for _, r := range m.sortedRounds() {
		rv := m.votes[r]
		if len(rv.precommits) < m.quorum {
			continue
		}
		tally := map[common.Hash]int{}
		for _, vs := range rv.precommits {
			for _, v := range vs {
				if v.Block != (common.Hash{}) {
					tally[v.Block]++
				}
			}
		}
		for _, hash := range slices.SortedFunc(maps.Keys(tally), func(a, b common.Hash) int { return a.Cmp(b) }) {
			if tally[hash] < m.quorum {
				continue
			}
			b, ok := m.blocks[hash]
			if !ok || !m.extends(b) {
				continue
			}
			sigs := map[int][]byte{}
			for i := range uint32(m.n) { // a quorum, lowest indices first
				if v, ok := rv.precommits.find(i, hash); ok && len(sigs) < m.quorum {
					sigs[int(i)] = v.Sig
				}
			}
			cert, err := m.cv.Aggregate(m.cfg.Domain, m.height, r, hash, sigs)
			if err != nil {
				m.cfg.Logger.Debug("pob: aggregate", "err", err)
				continue
			}
			m.commit(Commit{Block: b, Cert: cert}, false)
			return true
		}
	}
	return false
}

// tryRoundSkip jumps to a later round once f+1 members are seen in it
// (rule 55): at least one honest member got there.
func (m *Machine) tryRoundSkip() bool {
	rounds := m.sortedRounds()
	for i := len(rounds) - 1; i >= 0; i-- {
		r := rounds[i]
		if r <= m.round {
			return false
		}
		rv := m.votes[r]
		seen := map[uint32]bool{}
		for v := range rv.prevotes {
			seen[v] = true
		}
		for v := range rv.precommits {
			seen[v] = true
		}
		if len(seen) >= Faults(m.n)+1 {
			m.enterRound(r)
			return true
		}
	}
	return false
}

func (m *Machine) onTimeout() {
	m.rebroadcast()
	switch m.step {
	case StepPropose: // rule 57
		m.prevoteFor(false, common.Hash{})
	case StepPrevote: // rule 61
		m.step = StepPrecommit
		m.vote(Precommit, common.Hash{})
	default: // rule 65
		m.enterRound(m.round + 1)
	}
}

// rebroadcast re-sends this validator's statements of the current round
// and its pending produce and evidence: the network may have lost them.
func (m *Machine) rebroadcast() {
	for _, v := range m.myVotes {
		if v.Height == m.height && v.Round == m.round {
			m.broadcast(Message{Kind: KindVote, Vote: &v})
		}
	}
	for _, p := range m.myProps {
		if p.Header.Height == m.height && p.Header.Round == m.round {
			m.broadcast(Message{Kind: KindProposal, Proposal: &p})
			m.sendPOL(p.Header)
		}
	}
	if m.lockedRound > 0 {
		// Our lock's prevote quorum: a proposer re-offering that block
		// needs peers to have seen it, and the network may have lost it.
		m.sendPOL(ProposalHeader{POLRound: m.lockedRound, Block: m.locked.Hash()})
	}
	for _, o := range m.produced {
		m.broadcast(Message{Kind: KindOptimistic, Optimistic: &o})
	}
	for i, f := range m.pendingFrauds {
		if i == 8 {
			break
		}
		m.broadcast(Message{Kind: KindFraud, Fraud: &f})
	}
	for i, e := range m.pendingEquiv {
		if i == 8 {
			break
		}
		m.broadcast(Message{Kind: KindEquivocation, Equivocation: &e})
	}
	if m.self < 0 && len(m.produced) == 0 {
		// A non-voter with nothing to resend pings, so that a peer that is
		// ahead sends it the commit it misses.
		m.broadcast(Message{Kind: KindVote, Vote: &Vote{Domain: m.cfg.Domain, Type: Prevote, Height: m.height, Voter: pingVoter}})
	}
}

// commit finalizes c and moves to the next height. quiet replays history:
// no output, no slashing calls.
func (m *Machine) commit(c Commit, quiet bool) {
	m.applyCommit(c, quiet)
	m.recent = append(m.recent, c)
	if uint64(len(m.recent)) > m.cfg.RecheckWindow {
		m.recent = slices.Delete(m.recent, 0, len(m.recent)-int(m.cfg.RecheckWindow))
	}
	if !quiet {
		m.rd.Committed = append(m.rd.Committed, c)
		if o, ok := m.cfg.App.(CommitObserver); ok {
			o.Committed(c.Block)
		}
	}
	m.resetHeight(c.Block.Height+1, c.Block.Hash())
	m.heightStart = m.ticks
	m.dirty = true
	if quiet {
		return
	}
	if m.applyHold() {
		// Reached the restored hard state: resume where it stood.
		if m.step == 0 || m.step == StepPropose {
			m.enterRound(m.round)
		}
		m.rebroadcast()
	} else {
		m.enterRound(0)
	}
	future := m.future
	m.future = nil
	for _, msg := range future {
		_ = m.stepNoProgress(msg)
	}
}

func (m *Machine) stepNoProgress(msg Message) error {
	switch msg.Kind {
	case KindProposal:
		return m.onProposal(*msg.Proposal, msg)
	case KindVote:
		return m.onVote(*msg.Vote, msg)
	case KindCommit:
		return m.onCommit(*msg.Commit, msg)
	}
	return nil
}
